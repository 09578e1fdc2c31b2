/**
 * The data that crosses between the front process and the executors. Plain JSON-able types only.
 */

/** What an executor needs to build an execution environment for one function version. */
export interface FunctionSpec {
  /** Changes whenever code or configuration changes: environments are never reused across keys. */
  key: string;
  functionName: string;
  functionArn: string;
  version: string;
  handler: string;
  memoryMb: number;
  timeoutSeconds: number;
  /** Absolute host path of the unpacked code (read-only to the executor). */
  codeDir: string;
  /** process.env of the function, standard Lambda variables included. */
  environment: Record<string, string>;
  /** EphemeralStorage size in MB: the quota of the environment's /tmp (512-10240). */
  ephemeralStorageMb: number;
}

/** Per-invocation data sent with the payload. */
export interface InvokeMeta {
  requestId: string;
  /** Invocation time budget in milliseconds (the function's Timeout). */
  timeoutMs: number;
  /** Extra context: invokedFunctionArn, clientContext, identity (JSON text) when not default. */
  extras?: string;
  /** Server-wide CPU cap per invocation in ms, 0 for none. */
  cpuLimitMs: number;
}

/** How an invocation ended. */
export type InvocationStatus = 'success' | 'function-error';

/** What the executor reports back for one invocation; the payload travels beside it as raw text. */
export interface InvocationResultMeta {
  status: InvocationStatus;
  /** Lambda's errorType when status is function-error (e.g. Sandbox.Timedout, Runtime.ExitError). */
  errorType?: string;
  /** The execution environment was thrown away after this invocation. */
  environmentDiscarded: boolean;
  coldStart: boolean;
  durationMs: number;
  billedDurationMs: number;
  initDurationMs?: number;
  cpuTimeMs: number;
  memoryMb: number;
  maxMemoryUsedMb: number;
  /** The invocation's log: START, console lines, END, REPORT. */
  log: string;
  /** Log stream of the execution environment that ran it (Lambda's naming); absent if none ran. */
  logStream?: string;
  /** Idle environments of this function version left in that executor (for warm routing). */
  idleWarm?: number;
}

/** A finished invocation as the front sees it. */
export interface InvocationResult extends InvocationResultMeta {
  /** JSON text: the result, or the error payload. */
  payload: string;
  /** islet failed, not the function (its executor died): async delivery retries it as a throttle. */
  systemError?: boolean;
}
