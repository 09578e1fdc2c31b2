import { randomUUID } from 'node:crypto';
import type { Context } from 'hono';
import { LambdaError } from '../../errors';
import { limits } from '../../limits';
import type { Logger } from '../../logger';
import { readBody } from '../body';
import { type Codec, type Encoded, type Fault, WireError } from './codec';

/** One operation: its decoded input in, its output out (timestamps as Date). */
export type Operation = (input: Record<string, unknown>) => Record<string, unknown>;

/** A service's operations and how it words its errors. */
export interface Service {
  operations: Record<string, Operation>;
  /** The Fault of an error an operation threw on purpose; undefined for anything else. */
  faultOf(e: unknown): Fault | undefined;
  /** An operation the service does not have. */
  unknownOperation(name: string): Fault;
  /** An internal failure, shown to the caller as its reference only. */
  internal(reference: string): Fault;
}

/**
 * Runs one request through a wire codec: read the body (capped), name the operation, decode, run,
 * encode. Service errors become faults in the protocol's shape; anything else is logged with a
 * reference and answered as an internal fault naming only that reference.
 */
export async function dispatch(
  c: Context,
  codec: Codec,
  operationName: string | ((body: Buffer, query: URLSearchParams) => string),
  service: Service,
  logger: Logger,
): Promise<Response> {
  const requestId = randomUUID();
  const send = (encoded: Encoded) =>
    c.body(encoded.body as string, encoded.status as 200, {
      ...encoded.headers,
      'x-amzn-RequestId': requestId,
    });
  let name = typeof operationName === 'string' ? operationName : '';
  try {
    const body = await readBody(c, limits.maxControlRequestBytes, name || 'requested');
    const query = new URL(c.req.url).searchParams;
    if (typeof operationName !== 'string') name = operationName(body, query);
    const operation = Object.hasOwn(service.operations, name) ? service.operations[name] : undefined;
    if (!operation) return send(codec.failure(service.unknownOperation(name), requestId));
    return send(codec.success(operation(codec.decode(body, query)), requestId, name));
  } catch (e) {
    const fault =
      service.faultOf(e) ??
      (e instanceof WireError ? { code: e.code, message: e.message, status: 400 } : undefined) ??
      (e instanceof LambdaError && e.status < 500
        ? {
            code: e.status === 413 ? 'RequestEntityTooLarge' : 'SerializationException',
            message: e.message,
            status: e.status,
          }
        : undefined);
    if (fault) return send(codec.failure(fault, requestId));
    const reference = randomUUID();
    logger.error('request.failed', {
      reference,
      operation: name,
      error: (e as Error).message,
      stack: (e as Error).stack,
    });
    return send(codec.failure(service.internal(reference), requestId));
  }
}
