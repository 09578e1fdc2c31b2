/**
 * The narrow interface between the sandbox and the executor that hosts it. Every function here is
 * an isolated-vm Callback created by runtime/bridge; arguments and results are copied primitives or
 * plain data, never host objects. The shims capture these in closures: nothing here is a global.
 */
export interface HostFunctions {
  /** Appends one formatted log line to the current invocation's log (asynchronous, ordered). */
  log(line: string): void;
  /** Arms host timer `id` to fire after `delayMs` milliseconds (asynchronous). */
  timerSet(id: number, delayMs: number): void;
  /** Disarms host timer `id` (asynchronous). */
  timerClear(id: number): void;
  /** Resolves a require/import request; returns a runtime/module-resolver Resolution as JSON text. */
  resolve(fromPath: string, request: string, conditions: 'require' | 'import'): string;
  /** UTF-8 text of a file of the function's code, or undefined. */
  readText(path: string): string | undefined;
  /** Compiles a CommonJS file into `(exports, require, module, __filename, __dirname) => void`. */
  compileCjs(path: string): ModuleWrapper;
  /** Compiles one of islet's bundled Node built-in ports (e.g. 'buffer') into a module wrapper. */
  loadBuiltin(name: string): ModuleWrapper;
  /** `n` cryptographically random bytes (n <= 65536). */
  randomBytes(n: number): ArrayBuffer;
  /** High-resolution milliseconds since the environment started. */
  now(): number;
  /**
   * Starts call `id` to host service `service`, operation `op`, with wire-encoded input (see
   * wire.ts); asynchronous: the host answers through the sandbox's settleCall entry point.
   */
  call(id: number, service: string, op: string, inputWire: string): void;
  /**
   * One synchronous file system operation for `fs` (see shims/fs/host.ts): answers JSON text
   * (`{"$err": CODE}` on failure) or, for reads, an ArrayBuffer of at most 1 MB.
   */
  fsOp(op: string, argsJson: string, data: ArrayBuffer | undefined): string | ArrayBuffer;
}

/** The CommonJS module wrapper, as Node builds it. */
export type ModuleWrapper = (
  exports: unknown,
  require: (id: string) => unknown,
  module: { exports: unknown },
  filename: string,
  dirname: string,
) => void;

/** Static facts the sandbox is started with (JSON-copied once per environment). */
export interface Bootstrap {
  /** Node version the sandbox reports, e.g. 'v24.21.0'. */
  nodeVersion: string;
  /** Where the code appears inside the sandbox: /var/task. */
  taskRoot: string;
}
