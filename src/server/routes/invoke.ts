import { type Context, Hono } from 'hono';
import { parseFunctionRef, requireLatest } from '../../control/function-ref';
import { clientContext, payloadText } from '../../control/invoke-input';
import { InvalidParameterValueError, RequestTooLargeError, ServiceError } from '../../errors';
import { limits } from '../../limits';
import { logTailBase64 } from '../../runtime/report';
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
    const type = c.req.header('x-amz-invocation-type') ?? 'RequestResponse';
    const logType = c.req.header('x-amz-log-type') ?? 'None';
    if (!['RequestResponse', 'Event', 'DryRun'].includes(type)) {
      throw new InvalidParameterValueError(`Unsupported InvocationType: ${type.slice(0, 40)}`);
    }
    if (logType !== 'None' && logType !== 'Tail')
      throw new InvalidParameterValueError(`Unsupported LogType: ${logType.slice(0, 40)}`);
    const fn = target(c);
    let payload: string;
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
      payload = payloadText(await readBody(c, limits.maxSyncPayloadBytes, 'InvokeFunction'));
    }
    const ctx = clientContext(c.req.header('x-amz-client-context'));
    if (type === 'DryRun') return c.body(null, 204);
    refuseWhenStopping();
    if (type === 'Event') {
      const { id } = await deps.asyncQueue.enqueue(fn.record.name, payload);
      return c.body(null, 202, { 'x-amzn-RequestId': id });
    }
    const extras = ctx === undefined ? undefined : JSON.stringify({ clientContext: ctx });
    const result = await invoker.invoke(fn, payload, { extras });
    const headers: Record<string, string> = {
      'Content-Type': 'application/json',
      'X-Amz-Executed-Version': fn.spec.version,
      'x-amzn-RequestId': result.requestId,
    };
    let body = result.payload;
    if (result.status === 'function-error') headers['X-Amz-Function-Error'] = 'Unhandled';
    if (Buffer.byteLength(body) > limits.maxSyncPayloadBytes) {
      headers['X-Amz-Function-Error'] = 'Unhandled';
      body = JSON.stringify({
        errorMessage: `Response payload size exceeded maximum allowed payload size (${limits.maxSyncPayloadBytes} bytes).`,
        errorType: 'Function.ResponseSizeTooLarge',
      });
    }
    if (logType === 'Tail') headers['X-Amz-Log-Result'] = logTailBase64(result.log);
    return c.body(body, 200, headers);
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
