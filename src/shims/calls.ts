import type { HostFunctions } from './host';
import { decodeWire, encodeWire } from './wire';

/** What the host sends back when a call fails: the service's error, as the AWS SDKs describe it. */
export interface CallErrorShape {
  name: string;
  message: string;
  /** HTTP status of the service's answer, when there was one. */
  statusCode?: number;
  /** 'client' or 'server', as in the SDK's $fault. */
  fault?: 'client' | 'server';
  retryable?: boolean;
  /** The service's extra error members (e.g. DynamoDB's Item), set on the error as they are. */
  details?: Record<string, unknown>;
}

/** The error a failed service call rejects with: shaped like an AWS SDK error (v2 `code`, v3 `name`). */
export class ServiceCallError extends Error {
  code: string;
  statusCode: number | undefined;
  $fault: 'client' | 'server';
  $metadata: { httpStatusCode?: number; attempts: number; totalRetryDelay: number };
  retryable: boolean;

  constructor(shape: CallErrorShape) {
    super(shape.message);
    this.name = shape.name;
    this.code = shape.name;
    this.statusCode = shape.statusCode;
    this.$fault = shape.fault ?? 'client';
    this.retryable = shape.retryable === true;
    this.$metadata = { httpStatusCode: shape.statusCode, attempts: 1, totalRetryDelay: 0 };
    for (const [k, v] of Object.entries(shape.details ?? {})) {
      if (!(k in this)) (this as unknown as Record<string, unknown>)[k] = v;
    }
  }
}

/** Largest call input, as wire text (the host caps outputs the same way). */
export const maxCallInputChars = 16 * 1024 * 1024;

/** Calls one environment may have in flight; more are refused (a loop of unawaited calls stays bounded). */
export const maxCallsInFlight = 256;

/**
 * Asynchronous calls from the sandbox to host services (AWS SDK shims, fetch). The host answers
 * later through `settle`; an unanswered call keeps the "event loop" busy like a pending timer.
 */
export class CallTable {
  private readonly waiting = new Map<
    number,
    { resolve: (v: unknown) => void; reject: (e: unknown) => void }
  >();
  private nextId = 1;

  constructor(
    private readonly host: HostFunctions,
    private readonly onSettled: () => void,
  ) {}

  /** Calls still waiting for the host. */
  get pending(): number {
    return this.waiting.size;
  }

  /** Calls `service`.`op` on the host with `input`; resolves with its output. */
  call(service: string, op: string, input: unknown): Promise<unknown> {
    let text: string;
    try {
      text = encodeWire(input);
    } catch (e) {
      return Promise.reject(
        new TypeError(`cannot send this input to ${service}.${op}: ${(e as Error).message}`),
      );
    }
    if (text.length > maxCallInputChars) {
      return Promise.reject(
        new ServiceCallError({
          name: 'RequestEntityTooLargeException',
          message: `request to ${service}.${op} is too large (${text.length} bytes encoded; limit ${maxCallInputChars})`,
          statusCode: 413,
        }),
      );
    }
    if (this.waiting.size >= maxCallsInFlight) {
      return Promise.reject(
        new ServiceCallError({
          name: 'TooManyRequestsException',
          message: `too many service calls in flight (limit ${maxCallsInFlight} per execution environment)`,
          statusCode: 429,
        }),
      );
    }
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.host.call(id, service, op, text);
    });
  }

  /** The host answered call `id`. */
  settle(id: number, ok: boolean, text: string): void {
    const w = this.waiting.get(id);
    if (!w) return;
    this.waiting.delete(id);
    try {
      const value = decodeWire(text);
      if (ok) w.resolve(value);
      else w.reject(new ServiceCallError(value as CallErrorShape));
    } catch (e) {
      w.reject(e);
    }
    this.onSettled();
  }
}
