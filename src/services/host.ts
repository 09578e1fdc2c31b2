import type { Logger } from '../logger';
import type { CallMeta } from '../runtime/protocol';
import { decodeWire, encodeWire } from './wire';

/** The function making a service call. */
export interface Caller {
  functionName: string;
  functionArn: string;
  /** Request id of the invocation; absent for calls made during init. */
  requestId?: string;
}

/** Decides whether a function may perform `action` on `resource` (its execution role's policy). */
export interface Authorizer {
  /** undefined when allowed; otherwise why not (shown in the AccessDenied message). */
  deny(caller: Caller, action: string, resource: string): string | undefined;
}

/** What a service operation is given besides its input. */
export interface CallContext {
  caller: Caller;
  /** Aborted at the invocation's deadline: pass it to every request made for this call. */
  signal: AbortSignal;
  /** Throws AccessDenied unless the caller's role allows `action` on `resource`. */
  authorize(action: string, resource: string): void;
}

/** One host service (s3, dynamodb, lambda, kinesis, fetch): runs an operation, returns its output. */
export type Service = (op: string, input: Record<string, unknown>, ctx: CallContext) => Promise<unknown>;

/** An error a service reports to the calling function, shaped like the AWS service's own. */
export class ServiceCallFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly statusCode = 400,
    readonly fault: 'client' | 'server' = statusCode >= 500 ? 'server' : 'client',
  ) {
    super(message);
    this.name = code;
  }
}

/** Largest wire text of a call's input or output (the sandbox caps inputs the same way). */
export const maxCallWireBytes = 16 * 1024 * 1024;

interface ErrorShape {
  name: string;
  message: string;
  statusCode?: number;
  fault?: 'client' | 'server';
  retryable?: boolean;
  /** The service's extra error members (e.g. DynamoDB's Item, CancellationReasons), as data. */
  details?: Record<string, unknown>;
}

/** SDK error members that are not service data. */
const sdkErrorInternals = new Set([
  'name',
  'message',
  'stack',
  '$metadata',
  '$fault',
  '$response',
  '$retryable',
  '$service',
  '__type',
  'Message',
  'cause',
]);

/** Extra members of an upstream service error, when they are plain data of modest size. */
function errorDetails(err: object): Record<string, unknown> | undefined {
  const details: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(err)) if (!sdkErrorInternals.has(k) && v !== undefined) details[k] = v;
  if (Object.keys(details).length === 0) return undefined;
  try {
    return encodeWire(details).length <= 256 * 1024 ? details : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Answers the service calls functions make from their sandboxes. Each call is authorised
 * against the caller's role by the service itself (which knows the action and resource), bounded
 * by the invocation's deadline, and its errors are turned into the AWS error shape.
 */
export class ServiceHost {
  private readonly services = new Map<string, Service>();

  constructor(
    private readonly authorizer: Authorizer,
    private readonly logger: Logger,
  ) {}

  register(name: string, service: Service): void {
    this.services.set(name, service);
  }

  /** Answers one call (never rejects). */
  async handle(meta: CallMeta, input: Buffer): Promise<{ ok: boolean; wire: string }> {
    const caller: Caller = {
      functionName: meta.functionName,
      functionArn: meta.functionArn,
      requestId: meta.requestId,
    };
    const remaining = meta.deadlineMs - Date.now();
    const timeoutSignal = AbortSignal.timeout(Math.max(1, Math.min(2 ** 31 - 1, Math.ceil(remaining))));
    try {
      const service = this.services.get(meta.service);
      if (!service)
        throw new ServiceCallFailure('UnknownService', `service '${meta.service}' is not available`);
      if (remaining <= 0)
        throw new ServiceCallFailure('TimeoutError', 'the invocation has no time left', 408);
      if (input.length > maxCallWireBytes) {
        throw new ServiceCallFailure('RequestEntityTooLargeException', 'request is too large', 413);
      }
      let decoded: unknown;
      try {
        decoded = decodeWire(input.toString('utf8'));
      } catch {
        throw new ServiceCallFailure('SerializationException', 'request could not be read');
      }
      if (decoded === null || typeof decoded !== 'object' || Array.isArray(decoded)) {
        throw new ServiceCallFailure('ValidationException', 'the input must be an object');
      }
      const ctx: CallContext = {
        caller,
        signal: timeoutSignal,
        authorize: (action, resource) => {
          const reason = this.authorizer.deny(caller, action, resource);
          if (reason === undefined) return;
          this.logger.warn('service.denied', { function: caller.functionName, action, resource });
          throw new ServiceCallFailure(
            accessDeniedCode(meta.service),
            `User: ${caller.functionArn} is not authorized to perform: ${action} on resource: ${resource} because ${reason}`,
            403,
          );
        },
      };
      // A service that ignores the signal still cannot hold the answer past the deadline.
      const output = await Promise.race([
        service(meta.op, decoded as Record<string, unknown>, ctx),
        new Promise<never>((_, reject) =>
          timeoutSignal.addEventListener('abort', () => reject(timeoutSignal.reason), { once: true }),
        ),
      ]);
      const wire = encodeWire(output ?? {});
      if (Buffer.byteLength(wire) > maxCallWireBytes) {
        throw new ServiceCallFailure(
          'ResponseTooLarge',
          `the response of ${meta.service}.${meta.op} is larger than islet passes into a function (${maxCallWireBytes} bytes encoded)`,
          413,
        );
      }
      return { ok: true, wire };
    } catch (e) {
      return { ok: false, wire: encodeWire(this.errorShape(e, meta, timeoutSignal.aborted)) };
    }
  }

  private errorShape(e: unknown, meta: CallMeta, timedOut: boolean): ErrorShape {
    if (e instanceof ServiceCallFailure) {
      return { name: e.code, message: e.message, statusCode: e.statusCode, fault: e.fault };
    }
    const err = e as {
      name?: string;
      message?: string;
      code?: string;
      status?: number;
      $fault?: 'client' | 'server';
      $metadata?: { httpStatusCode?: number };
      $retryable?: unknown;
    };
    if (timedOut || err?.name === 'AbortError' || err?.name === 'TimeoutError') {
      return {
        name: 'TimeoutError',
        message: `${meta.service}.${meta.op} did not finish before the invocation's deadline`,
        fault: 'client',
      };
    }
    // An AWS SDK error from an upstream service: pass its name, message and status on.
    if (err?.$metadata) {
      return {
        name: err.name ?? 'UnknownError',
        message: err.message ?? '',
        statusCode: err.$metadata.httpStatusCode,
        fault: err.$fault,
        retryable: Boolean(err.$retryable),
        details: errorDetails(err),
      };
    }
    // islet's own LambdaError classes (e.g. ResourceNotFoundException from the Lambda service).
    if (typeof err?.code === 'string' && typeof err.status === 'number') {
      return {
        name: err.code,
        message: err.message ?? '',
        statusCode: err.status,
        fault: err.status >= 500 ? 'server' : 'client',
      };
    }
    this.logger.error('service.failed', {
      service: meta.service,
      op: meta.op,
      error: String(err?.message ?? e),
    });
    return {
      name: 'InternalFailure',
      message: `${meta.service}.${meta.op} failed inside islet`,
      statusCode: 500,
      fault: 'server',
    };
  }
}

/** The access-denied error code each AWS service uses. */
function accessDeniedCode(service: string): string {
  return service === 's3' ? 'AccessDenied' : 'AccessDeniedException';
}
