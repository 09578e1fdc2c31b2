import { Hono } from 'hono';
import { assertNewMapping, mappingFromInput } from '../../control/event-source-mappings';
import { parseFunctionRef, requireLatest } from '../../control/function-ref';
import { maxItemsOf, pageAfter } from '../../control/paging';
import { InvalidParameterValueError, ResourceNotFoundError } from '../../errors';
import { limits } from '../../limits';
import type { MappingRecord } from '../../store/mapping-store';
import { readJsonObject } from '../body';
import type { ServerDeps } from '../context';

function configuration(m: MappingRecord, functionArn: string, state?: string): Record<string, unknown> {
  return {
    UUID: m.uuid,
    StartingPosition: m.startingPosition,
    StartingPositionTimestamp: m.startingPositionTimestamp,
    BatchSize: m.batchSize,
    MaximumBatchingWindowInSeconds: m.maximumBatchingWindowInSeconds,
    ParallelizationFactor: 1,
    EventSourceArn: m.eventSourceArn,
    FunctionArn: functionArn,
    LastModified: m.lastModified,
    LastProcessingResult: 'OK',
    State: state ?? (m.enabled ? 'Enabled' : 'Disabled'),
    StateTransitionReason: 'User action',
    DestinationConfig: { OnFailure: m.onFailure ? { Destination: m.onFailure } : {} },
    MaximumRecordAgeInSeconds: m.maximumRecordAgeInSeconds,
    BisectBatchOnFunctionError: m.bisectBatchOnFunctionError,
    MaximumRetryAttempts: m.maximumRetryAttempts,
    FunctionResponseTypes: m.reportBatchItemFailures ? ['ReportBatchItemFailures'] : [],
  };
}

/** Create/Get/Update/Delete/ListEventSourceMappings (Kinesis streams). */
export function eventSourceMappingRoutes(deps: ServerDeps): Hono {
  const app = new Hono({ strict: false });
  const { functions, mappings } = deps;
  const functionName = (raw: unknown) => {
    if (typeof raw !== 'string' || raw === '')
      throw new InvalidParameterValueError('FunctionName is required');
    const ref = parseFunctionRef(raw);
    requireLatest(ref, functions.arn(ref.name));
    functions.get(ref.name);
    return ref.name;
  };
  const find = (uuid: string) => {
    const m = mappings.store.get(uuid);
    if (!m)
      throw new ResourceNotFoundError(
        `The resource you requested does not exist. (Service: Lambda, Status Code: 404, UUID: ${uuid.slice(0, 64)})`,
      );
    return m;
  };
  const base = '/2015-03-31/event-source-mappings';

  app.post(base, async (c) => {
    const input = await readJsonObject(c, limits.maxControlRequestBytes, 'CreateEventSourceMapping');
    const name = functionName(input.FunctionName);
    const m = mappingFromInput(input, name);
    assertNewMapping(mappings.store.list(), m);
    await mappings.manager.save(m);
    return c.json(configuration(m, functions.arn(name), m.enabled ? 'Creating' : 'Disabled'), 202);
  });

  app.get(base, (c) => {
    const arn = c.req.query('EventSourceArn');
    const fn = c.req.query('FunctionName');
    const name = fn ? functionName(fn) : undefined;
    const max = maxItemsOf(c.req.query('MaxItems'), 100, 10_000, (m) => new InvalidParameterValueError(m));
    const matching = mappings.store
      .list()
      .filter((m) => (!arn || m.eventSourceArn === arn) && (!name || m.functionName === name));
    const page = pageAfter(
      (after, limit) => matching.filter((m) => m.uuid > after).slice(0, limit),
      c.req.query('Marker') ?? '',
      max,
      (m) => m.uuid,
    );
    return c.json({
      EventSourceMappings: page.items.map((m) => configuration(m, functions.arn(m.functionName))),
      NextMarker: page.nextMarker ?? null,
    });
  });

  app.get(`${base}/:uuid`, (c) => {
    const m = find(c.req.param('uuid'));
    return c.json(configuration(m, functions.arn(m.functionName)));
  });

  app.put(`${base}/:uuid`, async (c) => {
    const current = find(c.req.param('uuid'));
    const input = await readJsonObject(c, limits.maxControlRequestBytes, 'UpdateEventSourceMapping');
    const name = input.FunctionName !== undefined ? functionName(input.FunctionName) : current.functionName;
    const { FunctionName: _ignored, ...rest } = input;
    const m = mappingFromInput(rest, name, current);
    await mappings.manager.save(m);
    return c.json(configuration(m, functions.arn(name), m.enabled ? 'Updating' : 'Disabled'), 202);
  });

  app.delete(`${base}/:uuid`, async (c) => {
    const m = find(c.req.param('uuid'));
    await mappings.manager.remove(m.uuid);
    return c.json(configuration(m, functions.arn(m.functionName), 'Deleting'), 202);
  });

  return app;
}
