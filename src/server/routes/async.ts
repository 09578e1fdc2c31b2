import { Hono } from 'hono';
import { latestFunctionName } from '../../control/function-ref';
import { maxItemsOf, pageAfter } from '../../control/paging';
import { InvalidParameterValueError, ResourceNotFoundError } from '../../errors';
import { limits } from '../../limits';
import type { EventInvokeConfigRecord } from '../../store/function-store';
import { readJsonObject } from '../body';
import type { ServerDeps } from '../context';

function eventInvokeConfig(c: EventInvokeConfigRecord, arn: string): Record<string, unknown> {
  return {
    LastModified: c.lastModified,
    FunctionArn: `${arn}:$LATEST`,
    MaximumRetryAttempts: c.maximumRetryAttempts,
    MaximumEventAgeInSeconds: c.maximumEventAgeInSeconds,
    DestinationConfig: {
      OnSuccess: c.onSuccess ? { Destination: c.onSuccess } : {},
      OnFailure: c.onFailure ? { Destination: c.onFailure } : {},
    },
  };
}

/**
 * Put/Update/Get/Delete/ListFunctionEventInvokeConfig(s), and islet's dead-letter list:
 * GET /islet/dead-letters, POST /islet/dead-letters/{id}/redrive, DELETE /islet/dead-letters/{id}.
 */
export function asyncRoutes(deps: ServerDeps): Hono {
  const app = new Hono();
  const { functions } = deps;
  const nameOf = (raw: string, qualifier?: string | null) =>
    latestFunctionName(raw, qualifier, (n) => functions.arn(n));
  const base = '/2019-09-25/functions/:name/event-invoke-config';

  for (const [method, merge] of [
    ['put', false],
    ['post', true],
  ] as const) {
    app[method](base, async (c) => {
      const name = nameOf(c.req.param('name'), c.req.query('Qualifier'));
      const input = await readJsonObject(c, limits.maxControlRequestBytes, 'PutFunctionEventInvokeConfig');
      const config = functions.putEventInvokeConfig(name, input, merge);
      return c.json(eventInvokeConfig(config, functions.arn(name)));
    });
  }

  app.get(base, (c) => {
    const name = nameOf(c.req.param('name'), c.req.query('Qualifier'));
    return c.json(eventInvokeConfig(functions.getEventInvokeConfig(name), functions.arn(name)));
  });

  app.delete(base, (c) => {
    const name = nameOf(c.req.param('name'), c.req.query('Qualifier'));
    functions.deleteEventInvokeConfig(name);
    return c.body(null, 204);
  });

  app.get(`${base}/list`, (c) => {
    const name = nameOf(c.req.param('name'));
    const config = functions.get(name).eventInvokeConfig;
    return c.json({
      FunctionEventInvokeConfigs: config ? [eventInvokeConfig(config, functions.arn(name))] : [],
      NextMarker: null,
    });
  });

  app.get('/islet/dead-letters', (c) => {
    const fn = c.req.query('FunctionName');
    if (fn) functions.get(nameOf(fn));
    const max = maxItemsOf(c.req.query('MaxItems'), 100, 1000, (m) => new InvalidParameterValueError(m));
    const name = fn ? nameOf(fn) : undefined;
    const page = pageAfter(
      (after, limit) => deps.deadLetters.list(name, after, limit),
      c.req.query('Marker') ?? '',
      max,
      (e) => e.id,
    );
    return c.json({
      DeadLetters: page.items.map((e) => ({
        EventId: e.id,
        FunctionName: e.functionName,
        EnqueuedAt: new Date(e.enqueuedAt).toISOString(),
        ApproximateInvokeCount: e.invokeCount,
        Record: e.record ? JSON.parse(e.record) : undefined,
      })),
      NextMarker: page.nextMarker ?? null,
    });
  });

  app.post('/islet/dead-letters/:id/redrive', (c) => {
    const id = c.req.param('id');
    if (!deps.asyncQueue.redrive(id))
      throw new ResourceNotFoundError(`Dead letter not found: ${id.slice(0, 200)}`);
    return c.json({ EventId: id, Status: 'Queued' }, 202);
  });

  app.delete('/islet/dead-letters/:id', (c) => {
    const id = c.req.param('id');
    if (!deps.deadLetters.remove(id))
      throw new ResourceNotFoundError(`Dead letter not found: ${id.slice(0, 200)}`);
    return c.body(null, 204);
  });

  return app;
}
