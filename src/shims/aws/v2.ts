import { callHost, type ServiceModel } from './v3';

/**
 * The AWS SDK v2 calling style over the same service models: `new AWS.S3(options)`, then
 * `s3.getObject(params, callback)` or `s3.getObject(params).promise()`. Errors carry v2's `code`,
 * `statusCode`, `retryable` and `time`.
 */

type Callback = (err: unknown, data?: unknown) => void;

/** AWS.Request: sent on `.promise()`, `.send(cb)` or when a callback is given. */
class AwsRequest {
  private started: Promise<unknown> | undefined;
  private readonly listeners = new Map<string, Array<(...a: unknown[]) => void>>();

  constructor(private readonly run: () => Promise<unknown>) {}

  promise(): Promise<unknown> {
    this.started ??= this.run().then(
      (data) => {
        this.emit('success', { data });
        this.emit('complete', { data });
        return data;
      },
      (err: unknown) => {
        this.emit('error', err);
        this.emit('complete', { error: err });
        throw err;
      },
    );
    return this.started;
  }

  send(cb?: Callback): void {
    this.promise().then(
      (data) => cb?.(null, data),
      (err) => cb?.(err),
    );
  }

  on(event: string, fn: (...a: unknown[]) => void): this {
    const list = this.listeners.get(event) ?? [];
    list.push(fn);
    this.listeners.set(event, list);
    return this;
  }

  abort(): this {
    return this;
  }

  createReadStream(): never {
    throw new Error('createReadStream is not available in islet; use .promise() and read Body');
  }

  private emit(event: string, arg: unknown): void {
    for (const fn of this.listeners.get(event) ?? []) fn(arg);
  }
}

/** v2 fields on an error from the v3-shaped exception. */
function v2Error(e: unknown): unknown {
  if (e && typeof e === 'object' && 'name' in e) {
    const err = e as Record<string, unknown> & { $metadata?: { httpStatusCode?: number }; $fault?: string };
    err.code ??= err.name;
    err.statusCode ??= err.$metadata?.httpStatusCode;
    err.retryable ??= err.$fault === 'server';
    err.time ??= new Date();
  }
  return e;
}

/** A v2 service class (AWS.S3, AWS.DynamoDB, ...) for a model. */
export function v2Service(model: ServiceModel): new (options?: Record<string, unknown>) => object {
  const Service = class {
    readonly config: Record<string, unknown>;
    constructor(options: Record<string, unknown> = {}) {
      this.config = { ...options };
    }
  };
  Object.defineProperty(Service, 'name', { value: model.clientName });
  for (const op of model.operations) {
    const method = op[0]!.toLowerCase() + op.slice(1);
    Object.defineProperty(Service.prototype, method, {
      value(params: Record<string, unknown> = {}, cb?: Callback) {
        if (typeof params === 'function') {
          cb = params as Callback;
          params = {};
        }
        const req = new AwsRequest(async () => {
          try {
            const out = await callHost(model, op, params);
            return model.v2Output ? model.v2Output(op, out) : out;
          } catch (e) {
            throw v2Error(e);
          }
        });
        if (typeof cb === 'function') req.send(cb);
        return req;
      },
      enumerable: false,
    });
  }
  return Service;
}

/** An AWS.Request for an operation built on the host calls (e.g. DocumentClient.get); sent at once when `cb` is given. */
export function v2Request(run: () => Promise<unknown>, cb?: Callback): AwsRequest {
  const req = new AwsRequest(async () => {
    try {
      return await run();
    } catch (e) {
      throw v2Error(e);
    }
  });
  if (typeof cb === 'function') req.send(cb);
  return req;
}
