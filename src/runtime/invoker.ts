import { randomUUID } from 'node:crypto';
import type { Admission } from './admission';
import { ExecutorCrashedError, type ExecutorPool } from './executors';
import type { FunctionSpec, InvocationResult } from './invocation';
import { billedDurationMs, endLine, reportLine, startLine } from './report';

/** What to run: a function version's spec and its concurrency key. */
export interface InvocationTarget {
  spec: FunctionSpec;
}

/** Options of one invocation. */
export interface InvokeOptions {
  /** Request id; a new UUID when absent. */
  requestId?: string;
  /** Context extras as JSON text (invokedFunctionArn, clientContext, identity). */
  extras?: string;
}

/** Told about every invocation (metrics, logs, billing); must be cheap and must not throw. */
export interface InvocationObserver {
  /** Admission refused an invocation of the function. */
  throttled(functionName: string): void;
  /** An invocation was admitted and is starting. */
  started(functionName: string): void;
  /** An invocation that started has finished (successfully or not). */
  finished(spec: FunctionSpec, result: InvocationResult & { requestId: string }): void;
}

const nobody: InvocationObserver = { throttled() {}, started() {}, finished() {} };

/**
 * The front process's way to run an invocation: admission (concurrency, throttles), then an
 * executor. It never parses or copies the payload beyond handing it on.
 */
export class Invoker {
  private inFlight = 0;
  private drainWaiters: Array<() => void> = [];

  constructor(
    private readonly executors: ExecutorPool,
    readonly admission: Admission,
    private readonly cpuLimitMs: number,
    private readonly observer: InvocationObserver = nobody,
  ) {}

  /** Invocations running now. */
  get running(): number {
    return this.inFlight;
  }

  /** Runs one invocation. Throws TooManyRequestsError when throttled; otherwise always resolves. */
  async invoke(
    target: InvocationTarget,
    payload: string | Buffer,
    options: InvokeOptions = {},
  ): Promise<InvocationResult & { requestId: string }> {
    const { spec } = target;
    let release: () => void;
    try {
      release = this.admission.acquire(spec.functionName);
    } catch (e) {
      this.observer.throttled(spec.functionName);
      throw e;
    }
    const requestId = options.requestId ?? randomUUID();
    this.inFlight++;
    this.observer.started(spec.functionName);
    const started = performance.now();
    let finished: (InvocationResult & { requestId: string }) | undefined;
    try {
      const result = await this.executors.invoke(
        spec,
        {
          requestId,
          timeoutMs: spec.timeoutSeconds * 1000,
          extras: options.extras,
          cpuLimitMs: this.cpuLimitMs,
        },
        payload,
      );
      finished = { ...result, requestId };
      return finished;
    } catch (e) {
      if (!(e instanceof ExecutorCrashedError)) throw e;
      finished = { ...crashResult(spec, requestId, e.reason, performance.now() - started), requestId };
      return finished;
    } finally {
      release();
      this.observer.finished(
        spec,
        finished ?? {
          ...crashResult(spec, requestId, 'internal error', performance.now() - started),
          requestId,
        },
      );
      this.inFlight--;
      if (this.inFlight === 0) for (const w of this.drainWaiters.splice(0)) w();
    }
  }

  /** Resolves once no invocation is running. */
  drain(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }
}

/** The result Lambda gives when the runtime process dies mid-invocation. */
function crashResult(
  spec: FunctionSpec,
  requestId: string,
  reason: string,
  durationMs: number,
): InvocationResult {
  const billed = billedDurationMs(durationMs);
  const message = `RequestId: ${requestId} Error: Runtime exited with error: ${reason}`;
  return {
    status: 'function-error',
    errorType: 'Runtime.ExitError',
    environmentDiscarded: true,
    coldStart: false,
    durationMs,
    billedDurationMs: billed,
    cpuTimeMs: 0,
    memoryMb: spec.memoryMb,
    maxMemoryUsedMb: 0,
    log:
      startLine(requestId, spec.version) +
      `${new Date().toISOString()}\t${requestId}\tERROR\t${message}\n` +
      endLine(requestId) +
      reportLine({
        requestId,
        durationMs,
        billedDurationMs: billed,
        memoryMb: spec.memoryMb,
        maxMemoryUsedMb: 0,
        cpuTimeMs: 0,
      }),
    payload: JSON.stringify({ errorType: 'Runtime.ExitError', errorMessage: message }),
    systemError: true,
  };
}
