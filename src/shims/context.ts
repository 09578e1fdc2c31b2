/** Static facts about the function, fixed for the life of an execution environment. */
export interface FunctionFacts {
  functionName: string;
  functionVersion: string;
  functionArn: string;
  memoryLimitInMB: string;
  logGroupName: string;
  logStreamName: string;
  /** process.env of the function: its variables plus Lambda's standard ones. */
  env: Record<string, string>;
}

/** Per-invocation facts the host sends when they are not the defaults. */
export interface InvocationExtras {
  invokedFunctionArn?: string;
  clientContext?: unknown;
  identity?: unknown;
}

/** The Lambda context object, with the 2014 succeed/fail/done and the callback-era flag. */
export interface LambdaContext {
  functionName: string;
  functionVersion: string;
  invokedFunctionArn: string;
  memoryLimitInMB: string;
  awsRequestId: string;
  logGroupName: string;
  logStreamName: string;
  identity: unknown;
  clientContext: unknown;
  callbackWaitsForEmptyEventLoop: boolean;
  getRemainingTimeInMillis(): number;
  succeed(result?: unknown): void;
  fail(error?: unknown): void;
  done(error?: unknown, result?: unknown): void;
}

/** Builds a fresh context for one invocation; `finish` settles it (first call wins). */
export function createContext(
  facts: FunctionFacts,
  requestId: string,
  deadlineMs: number,
  extras: InvocationExtras,
  finish: (error: unknown, result: unknown, viaCallback: boolean) => void,
): LambdaContext {
  return {
    functionName: facts.functionName,
    functionVersion: facts.functionVersion,
    invokedFunctionArn: extras.invokedFunctionArn ?? facts.functionArn,
    memoryLimitInMB: facts.memoryLimitInMB,
    awsRequestId: requestId,
    logGroupName: facts.logGroupName,
    logStreamName: facts.logStreamName,
    identity: extras.identity,
    clientContext: extras.clientContext,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadlineMs - Date.now()),
    succeed: (result?: unknown) => finish(null, result, false),
    fail: (error?: unknown) => finish(error ?? new Error('handled'), undefined, false),
    done: (error?: unknown, result?: unknown) => finish(error ?? null, result, false),
  };
}
