import { randomUUID } from 'node:crypto';
import type { Context } from 'hono';
import { LambdaError } from '../errors';
import type { Logger } from '../logger';

/** Lambda's error wire shape: x-amzn-ErrorType header plus {Type, message} body. */
export function errorResponse(c: Context, err: LambdaError): Response {
  const body = JSON.stringify({
    Type: err.status >= 500 ? 'Service' : 'User',
    message: err.message,
    ...err.fields,
  });
  return c.body(body, err.status as 400, {
    'Content-Type': 'application/json',
    'x-amzn-ErrorType': err.code,
    'x-amzn-RequestId': randomUUID(),
    ...err.headers,
  });
}

/**
 * The one place errors become HTTP responses. Internal failures are logged with a reference id
 * and shown to the caller as that id only, never as a host stack.
 */
export function onError(logger: Logger) {
  return (err: Error, c: Context): Response => {
    if (err instanceof LambdaError) return errorResponse(c, err);
    const reference = randomUUID();
    logger.error('request.failed', {
      reference,
      method: c.req.method,
      path: c.req.path,
      error: err.message,
      stack: err.stack,
    });
    return errorResponse(
      c,
      new LambdaError('ServiceException', 500, `Internal error; reference = ${reference}`),
    );
  };
}
