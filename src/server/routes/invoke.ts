import { type Context, Hono } from 'hono';
import { parseFunctionRef, requireLatest } from '../../control/function-ref';
import { clientContext, invokeOptions, payloadText, syncAnswer } from '../../control/invoke-input';
import { RequestTooLargeError, ServiceError } from '../../errors';
import { limits } from '../../limits';
import { readBody } from '../body';
import type { ServerDeps } from '../context';

/** Invoke (RequestResponse, Event, DryRun) and the 2014 InvokeAsync. */
export function invokeRoutes(deps: ServerDeps): Hono {
  const app = new Hono();
  const { functions, invoker } = deps;

  const target = (c: Context) => {
    const ref = parseFunctionRef(c.req.param('name') ?? '', c.req.query('Qualifier'));
    requireLatest(ref, functions.arn(ref.name));
    return functions.deployed(ref.name);
  };

  const refuseWhenStopping = () => {
    if (!deps.accepting()) throw new ServiceError('islet is shutting down; retry against another instance');
  };

  app.post('/2015-03-31/functions/:name/invocations', async (c) => {
    const { type, tail } = invokeOptions(
      c.req.header('x-amz-invocation-type'),
      c.req.header('x-amz-log-type'),
    );
    const fn = target(c);
    let payload: string;
    // The synchronous path hands the request's own bytes on (payloadText only checks them).
    let bytes: Buffer | undefined;
    if (type === 'Event') {
      const declared = Number(c.req.header('content-length') ?? '0');
      const tooLarge = (n: number) =>
        new RequestTooLargeError(
          `${n} byte payload is too large for the Event invocation type (limit ${limits.maxAsyncPayloadBytes} bytes)`,
        );
      if (declared > limits.maxAsyncPayloadBytes) throw tooLarge(declared);
      payload = payloadText(
        await readBody(c, limits.maxAsyncPayloadBytes, 'InvokeFunction').catch((e: unknown) => {
          throw e instanceof RequestTooLargeError ? tooLarge(limits.maxAsyncPayloadBytes + 1) : e;
        }),
      );
    } else {
      bytes = await readBody(c, limits.maxSyncPayloadBytes, 'InvokeFunction');
      payload = payloadText(bytes);
    }
    const ctx = clientContext(c.req.header('x-amz-client-context'));
    if (type === 'DryRun') return c.body(null, 204);
    refuseWhenStopping();
    if (type === 'Event') {
      const { id } = await deps.asyncQueue.enqueue(fn.record.name, payload);
      return c.body(null, 202, { 'x-amzn-RequestId': id });
    }
    const extras = ctx === undefined ? undefined : JSON.stringify({ clientContext: ctx });
    const result = await invoker.invoke(fn, bytes?.length ? bytes : payload, { extras });
    const answer = syncAnswer(result, tail);
    const headers: Record<string, string> = {
      'Content-Type': 'application/json',
      'X-Amz-Executed-Version': fn.spec.version,
      'x-amzn-RequestId': result.requestId,
    };
    if (answer.functionError) headers['X-Amz-Function-Error'] = answer.functionError;
    if (answer.logResult !== undefined) headers['X-Amz-Log-Result'] = answer.logResult;
    return c.body(answer.payload, 200, headers);
  });

  // The 2014 API: fire-and-forget, answers {"Status": 202}.
  app.post('/2014-11-13/functions/:name/invoke-async', async (c) => {
    const fn = target(c);
    const payload = payloadText(await readBody(c, limits.maxAsyncPayloadBytes, 'InvokeAsync'));
    refuseWhenStopping();
    const { id } = await deps.asyncQueue.enqueue(fn.record.name, payload);
    return c.json({ Status: 202 }, 202, { 'x-amzn-RequestId': id });
  });

  return app;
}
