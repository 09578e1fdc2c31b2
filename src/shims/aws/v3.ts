/**
 * The shape every AWS SDK v3 client shim shares: `new XClient(config)`, `client.send(new
 * YCommand(input))`, exception classes for `instanceof`. The command's input goes to the host as
 * it is (the host runs the real SDK with it) and the output comes back with `$metadata`.
 * Client settings (region, endpoint, credentials) are accepted and ignored: islet decides where a
 * call goes and with which credentials; the function never holds any.
 */

interface HostCall {
  call(service: string, op: string, input: unknown): Promise<unknown>;
}

declare const require: (id: string) => unknown;
const host = require('islet:host-call') as HostCall;

type ExceptionClass = new (shape: { message: string; name?: string }) => Error;

/** The SDK's ServiceException: name, $fault, $metadata. */
export function exceptionBase(serviceName: string): ExceptionClass {
  const Base = class extends Error {
    $fault: 'client' | 'server' = 'client';
    $metadata: Record<string, unknown> = {};
    constructor(shape: { message: string; name?: string; $fault?: 'client' | 'server' }) {
      super(shape.message);
      this.name = shape.name ?? `${serviceName}ServiceException`;
      if (shape.$fault) this.$fault = shape.$fault;
    }
  };
  Object.defineProperty(Base, 'name', { value: `${serviceName}ServiceException` });
  return Base;
}

/** One named exception class under `base`, as the SDK exports them (e.g. NoSuchKey). */
export function exception(base: ExceptionClass, name: string): ExceptionClass {
  const E = class extends base {
    constructor(shape: { message: string }) {
      super({ ...shape, name });
    }
  };
  Object.defineProperty(E, 'name', { value: name });
  return E;
}

/** A Uint8Array with the SDK's transformToString (what v3 returns for blob members). */
export function blob(bytes: unknown): unknown {
  if (!(bytes instanceof Uint8Array)) return bytes;
  Object.defineProperty(bytes, 'transformToString', {
    value: (encoding = 'utf-8') => new TextDecoder(encoding).decode(bytes),
    enumerable: false,
  });
  return bytes;
}

/** Per-service knowledge the generic client needs. */
export interface ServiceModel {
  /** Host service name: 's3', 'dynamodb', 'lambda', 'kinesis'. */
  service: string;
  /** Client class name prefix: 'S3' -> S3Client. */
  clientName: string;
  /** Operations this shim offers: a `${op}Command` class is exported for each. */
  operations: readonly string[];
  /** Exception classes by error name (failed calls with that name are thrown as that class). */
  exceptions: Record<string, ExceptionClass>;
  base: ExceptionClass;
  /** Adjusts an operation's output (e.g. blob members) before the caller sees it. */
  output?: (op: string, output: Record<string, unknown>) => unknown;
  /** The same for the v2 SDK (`aws-sdk`), where it differs (e.g. bodies as Buffer). */
  v2Output?: (op: string, output: Record<string, unknown>) => unknown;
  /** Adjusts an operation's input before it is sent (e.g. bodies given as strings or streams). */
  input?: (op: string, input: Record<string, unknown>) => Promise<unknown> | unknown;
}

/** A command object: holds its input; the client sends it. */
export interface Command {
  readonly input: Record<string, unknown>;
}

/** Converts a failed host call into the service's exception class. */
export function toException(model: ServiceModel, e: unknown): unknown {
  const err = e as { name?: string; message?: string; $fault?: 'client' | 'server'; $metadata?: unknown };
  if (!err || typeof err !== 'object' || typeof err.name !== 'string' || !('code' in err)) return e;
  const Cls = model.exceptions[err.name] ?? model.base;
  const out = new Cls({ message: err.message ?? '', name: err.name }) as Error & Record<string, unknown>;
  out.name = err.name;
  out.$fault = err.$fault;
  out.$metadata = err.$metadata;
  // v2-style fields too, so code written against either SDK sees what it expects.
  out.code = err.name;
  out.statusCode = (err as { statusCode?: number }).statusCode;
  // The service's own members (DynamoDB's Item, CancellationReasons, ...) as the SDK sets them.
  for (const [k, v] of Object.entries(err)) if (!errorCore.has(k)) out[k] = v;
  return out;
}

const errorCore = new Set([
  'name',
  'message',
  'stack',
  'code',
  'statusCode',
  '$fault',
  '$metadata',
  'retryable',
]);

/** Sends one operation to the host and returns its raw output (errors as the service's exceptions). */
export async function callHost(
  model: ServiceModel,
  op: string,
  input: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const prepared = model.input ? await model.input(op, input ?? {}) : (input ?? {});
  try {
    return (await host.call(model.service, op, prepared)) as Record<string, unknown>;
  } catch (e) {
    throw toException(model, e);
  }
}

/** Sends one operation to the host and shapes the result as the v3 SDK would. */
export async function send(
  model: ServiceModel,
  op: string,
  input: Record<string, unknown>,
): Promise<unknown> {
  const output = await callHost(model, op, input);
  const shaped = (model.output ? model.output(op, output) : output) as Record<string, unknown>;
  Object.defineProperty(shaped, '$metadata', {
    value: { httpStatusCode: 200, attempts: 1, totalRetryDelay: 0 },
    enumerable: true,
    writable: true,
    configurable: true,
  });
  return shaped;
}

/** Builds the module exports of a v3 client package: the client, one class per command, exceptions. */
export function clientModule(model: ServiceModel): Record<string, unknown> {
  const commandOps = new WeakMap<object, string>();
  const exports: Record<string, unknown> = {};
  const Client = class {
    readonly config: Record<string, unknown>;
    readonly middlewareStack = { add() {}, addRelativeTo() {}, use() {}, remove() {}, clone: () => ({}) };
    constructor(config: Record<string, unknown> = {}) {
      this.config = { ...config };
    }
    send(command: Command, optionsOrCb?: unknown, cb?: unknown): Promise<unknown> | undefined {
      const op = command ? commandOps.get(Object.getPrototypeOf(command).constructor) : undefined;
      const p = op
        ? send(model, op, command.input)
        : Promise.reject(new TypeError(`${model.clientName}Client.send: not a ${model.clientName} command`));
      const callback = typeof optionsOrCb === 'function' ? optionsOrCb : cb;
      if (typeof callback !== 'function') return p;
      p.then(
        (data) => callback(null, data),
        (err) => callback(err),
      );
      return undefined;
    }
    destroy(): void {}
  };
  Object.defineProperty(Client, 'name', { value: `${model.clientName}Client` });
  exports[`${model.clientName}Client`] = Client;
  // The aggregated client: `new S3(config).getObject(input)` returns a promise.
  const Aggregated = class extends Client {};
  Object.defineProperty(Aggregated, 'name', { value: model.clientName });
  for (const op of model.operations) {
    const Cmd = class {
      readonly input: Record<string, unknown>;
      constructor(input: Record<string, unknown> = {}) {
        this.input = input;
      }
    };
    Object.defineProperty(Cmd, 'name', { value: `${op}Command` });
    commandOps.set(Cmd, op);
    exports[`${op}Command`] = Cmd;
    const method = op[0]!.toLowerCase() + op.slice(1);
    Object.defineProperty(Aggregated.prototype, method, {
      value(
        this: InstanceType<typeof Client>,
        input: Record<string, unknown>,
        optionsOrCb?: unknown,
        cb?: unknown,
      ) {
        return this.send(new Cmd(input), optionsOrCb, cb);
      },
      enumerable: false,
    });
  }
  exports[model.clientName] = Aggregated;
  exports[`${model.clientName}ServiceException`] = model.base;
  for (const [name, cls] of Object.entries(model.exceptions)) exports[name] = cls;
  return exports;
}

/** What an SDK paginator takes: `paginateQuery({ client, pageSize }, input)`. */
export interface PaginationConfiguration {
  client: { send(command: Command): Promise<unknown> | undefined };
  pageSize?: number;
  startingToken?: unknown;
  stopOnSameToken?: boolean;
}

/**
 * An SDK paginator (`paginateQuery`, `paginateListTables`, ...): sends the command with the
 * previous page's `outputToken` as `inputToken` until a page has none, as the SDK's own do.
 */
export function paginator(
  Cmd: new (input: Record<string, unknown>) => Command,
  inputToken: string,
  outputToken: string,
  pageSizeKey?: string,
) {
  return async function* paginate(config: PaginationConfiguration, input: Record<string, unknown> = {}) {
    let token = config.startingToken ?? input[inputToken];
    let hasNext = true;
    while (hasNext) {
      input[inputToken] = token;
      if (pageSizeKey) input[pageSizeKey] = input[pageSizeKey] ?? config.pageSize;
      const page = (await config.client.send(new Cmd(input))) as Record<string, unknown>;
      yield page;
      const previous = token;
      token = page?.[outputToken];
      hasNext = Boolean(token && (!config.stopOnSameToken || token !== previous));
    }
    return undefined;
  };
}
