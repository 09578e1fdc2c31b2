import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { providedBuiltins } from '../../shims/builtin-names';
import { DiskCodeTree, taskRoot } from '../../store/code-tree';
import { type ErrorPayload, Sandbox, SandboxError } from '../bridge';
import type { FunctionSpec, InvocationResultMeta, InvokeMeta } from '../invocation';
import { resolveHandler, resolveModule } from '../module-resolver';
import { billedDurationMs, endLine, reportLine, startLine, timeoutLine } from '../report';
import { FastPathPolicy } from './fast-path';
import { InvocationLimits } from './invocation-limits';
import { SparePool } from './spare-pool';
import { TmpDir, tmpRoot } from './tmp-dir';

/** One policy per executor process: which function versions may use the synchronous path. */
const fastPath = new FastPathPolicy();

/** Longest a synchronous init may block the executor, in ms (Lambda's init phase limit is 10 s). */
const maxSyncInitMs = 10_000;

/** How every sandbox of this executor is made (nothing function-specific: spares are shared). */
const sandboxOptions = (memoryMb: number) => ({
  memoryMb,
  bootstrap: { nodeVersion: process.version, taskRoot },
});

/** Sandboxes made ahead of need, so a cold start only loads the function's own code. */
export const spares = new SparePool((memoryMb) => Sandbox.create(sandboxOptions(memoryMb)));

import { LogBuffer } from './log-buffer';

let nextEnvironmentId = 1;

interface ArmedTimer {
  dueAt: number;
  handle: NodeJS.Timeout | NodeJS.Immediate | undefined;
}

/** Arms a host timer; 0 ms means "after the current I/O" (setImmediate), not Node's 1 ms minimum. */
function schedule(ms: number, fn: () => void): NodeJS.Timeout | NodeJS.Immediate {
  return ms <= 0 ? setImmediate(fn) : setTimeout(fn, ms);
}

function cancel(handle: NodeJS.Timeout | NodeJS.Immediate | undefined): void {
  if (!handle) return;
  // Timeouts have refresh(); Immediates do not.
  if ('refresh' in handle) clearTimeout(handle);
  else clearImmediate(handle);
}

/** A service call made by the function, as the executor forwards it to the front process. */
export interface OutboundCall {
  service: string;
  op: string;
  /** Wire text of the input (shims/wire.ts). */
  input: string;
  /** Request id of the invocation that made it; absent during init. */
  requestId?: string;
  /** Date.now() by which the answer is of no use (the invocation's deadline). */
  deadlineMs: number;
}

/** Where environments send their service calls: set once by the executor process. */
let callSink: (env: ExecutionEnvironment, id: number, call: OutboundCall) => void = (env, id, call) =>
  env.answer(
    id,
    false,
    JSON.stringify({ name: 'ServiceUnavailable', message: `${call.service} is not available` }),
  );

/** Routes every environment's service calls (the executor forwards them to the front process). */
export function setCallSink(sink: typeof callSink): void {
  callSink = sink;
}

/** Host directory under which environments keep their /tmp (`<data>/tmp`); set once by the executor. */
let tmpRootDir = tmpRoot('.islet');

/** Sets where environments keep their /tmp (each gets `<root>/<executor pid>-<environment id>`). */
export function setTmpRoot(dir: string): void {
  tmpRootDir = dir;
}

/** A finished invocation inside the executor. */
export interface EnvironmentResult extends InvocationResultMeta {
  payload: string;
}

/**
 * One Lambda execution environment: a sandbox holding one function version's loaded code.
 * It runs one invocation at a time; between invocations it is frozen (its timers are paused),
 * as Lambda freezes its microVMs.
 */
export class ExecutionEnvironment {
  readonly id = nextEnvironmentId++;
  /** The log stream name Lambda would give this environment. */
  readonly logStreamName: string;
  /** True while an invocation runs (the pool never hands it out twice). */
  checkedOut = false;
  private readonly timers = new Map<number, ArmedTimer>();
  private log: LogBuffer | undefined;
  private active = false;
  private broken = false;
  private maxMemoryBytes = 0;
  private lastMemoryBytes = 0;
  private invocations = 0;
  private memorySampledAt = 0;
  private pendingInitMs: number | undefined;
  private failCurrent: ((e: SandboxError) => void) | undefined;
  /** performance.now() at which the running invocation (or init) times out. */
  private deadlineAt = 0;
  /** Request id of the running invocation (undefined during init and while frozen). */
  private requestId: string | undefined;
  /** Answers to service calls that arrived while frozen, delivered when the next invocation starts. */
  private answers: Array<[number, boolean, string]> = [];
  /** The function's /tmp (its directory appears on first use) and read-only /var/task, for `fs`. */
  private files: TmpDir | undefined;

  private constructor(
    readonly spec: FunctionSpec,
    private sandbox: Sandbox | undefined,
  ) {
    const d = new Date();
    const day = `${d.getUTCFullYear()}/${String(d.getUTCMonth() + 1).padStart(2, '0')}/${String(d.getUTCDate()).padStart(2, '0')}`;
    this.logStreamName = `${day}/[${spec.version}]${randomUUID().replaceAll('-', '')}`;
  }

  /** Whether this environment may serve another invocation. */
  get healthy(): boolean {
    return !this.broken && this.sandbox !== undefined && !this.sandbox.disposed;
  }

  /** Heap + external bytes in use at the last sample, for the pool's memory budget. */
  get memoryBytes(): number {
    return this.lastMemoryBytes;
  }

  /** Samples memory (about 10 µs a call, so at most every 100 ms per environment). */
  private sampleMemory(force: boolean): void {
    const now = performance.now();
    if (!force && now - this.memorySampledAt < 100) return;
    this.memorySampledAt = now;
    this.lastMemoryBytes = this.sandbox?.memoryUsedBytes() ?? 0;
    this.maxMemoryBytes = Math.max(this.maxMemoryBytes, this.lastMemoryBytes);
  }

  /**
   * Starts an environment: isolate, shims, then the function's module (Lambda's Init phase).
   * An init failure is returned as the error payload the first invocation reports.
   */
  static async start(spec: FunctionSpec): Promise<{ env: ExecutionEnvironment; initError?: ErrorPayload }> {
    const t0 = performance.now();
    const tree = new DiskCodeTree(spec.codeDir);
    const env = new ExecutionEnvironment(spec, undefined);
    const files = new TmpDir(
      `${tmpRootDir}/${process.pid}-${env.id}`,
      spec.codeDir,
      spec.ephemeralStorageMb * 1024 * 1024,
    );
    env.files = files;
    // The spare is replaced after this environment's first invocation (executor/main.ts): making
    // one blocks this thread for ~2.5 ms (isolated-vm creates isolates synchronously), which here
    // would delay this very cold start's first call.
    const sandbox = spares.take(spec.memoryMb) ?? (await Sandbox.create(sandboxOptions(spec.memoryMb)));
    sandbox.attach({
      log: (line) => env.log?.append(line),
      timerSet: (id, ms) => env.armTimer(id, ms),
      timerClear: (id) => env.disarmTimer(id),
      resolve: (from, request, conditions) =>
        resolveModule(tree, from, request, { conditions }, providedBuiltins),
      readText: (path) => tree.readText(path),
      fsOp: (op, args, data) => files.op(op, args, data),
      call: (id, service, op, input) =>
        callSink(env, id, {
          service,
          op,
          input,
          requestId: env.requestId,
          deadlineMs: Date.now() + Math.max(0, env.deadlineAt - performance.now()),
        }),
    });
    env.sandbox = sandbox;
    const handler = resolveHandler(tree, spec.handler);
    let initError: ErrorPayload | undefined;
    if (!handler) {
      const mod = spec.handler.includes('.')
        ? spec.handler.slice(0, spec.handler.lastIndexOf('.'))
        : spec.handler;
      initError = {
        errorType: 'Runtime.ImportModuleError',
        errorMessage: `Error: Cannot find module '${mod}'\nRequire stack:\n- /var/runtime/index.mjs`,
        trace: [],
      };
    } else {
      env.log = new LogBuffer();
      const facts = {
        functionName: spec.functionName,
        functionVersion: spec.version,
        functionArn: spec.functionArn,
        memoryLimitInMB: String(spec.memoryMb),
        logGroupName: `/aws/lambda/${spec.functionName}`,
        logStreamName: env.logStreamName,
        env: spec.environment,
      };
      env.active = true;
      // Loading code synchronously saves the thread hops of every require; a function whose init
      // fails or times out is demoted, so its top-level code can stall the executor only once.
      sandbox.synchronous = fastPath.useSyncInit(spec.key);
      const initTimeoutMs = sandbox.synchronous
        ? Math.min(spec.timeoutSeconds * 1000, maxSyncInitMs)
        : spec.timeoutSeconds * 1000;
      env.deadlineAt = performance.now() + initTimeoutMs;
      try {
        initError = await sandbox.init(
          handler,
          spec.handler,
          handler.exportName,
          JSON.stringify(facts),
          initTimeoutMs,
        );
      } catch (e) {
        const failure = e instanceof SandboxError ? e : new SandboxError('error', String(e));
        initError = {
          errorType:
            failure.failure === 'memory'
              ? 'Runtime.OutOfMemory'
              : failure.failure === 'timeout'
                ? 'Sandbox.Timedout'
                : 'Runtime.ExitError',
          errorMessage: `Init failed: ${failure.failure === 'error' ? failure.message : failure.failure}`,
          trace: [],
        };
      }
      env.freeze();
    }
    env.pendingInitMs = performance.now() - t0;
    if (initError) {
      env.broken = true;
      fastPath.record(spec.key, Number.POSITIVE_INFINITY, false);
    }
    return { env, initError };
  }

  /** Runs one invocation to completion: never rejects. */
  async invoke(meta: InvokeMeta, payload: string, initError?: ErrorPayload): Promise<EnvironmentResult> {
    const sandbox = this.sandbox!;
    const spec = this.spec;
    // On a cold start the buffer already holds what the module printed while it loaded (Lambda
    // shows init output before START); a warm invocation starts a fresh one.
    this.log ??= new LogBuffer();
    this.log.append(startLine(meta.requestId, spec.version));
    const coldStart = this.pendingInitMs !== undefined;
    const initDurationMs = this.pendingInitMs;
    this.pendingInitMs = undefined;
    const t0 = performance.now();
    const cpu0 = sandbox.cpuTimeMs();
    const deadlineMs = Date.now() + meta.timeoutMs;
    let outcome: string;
    let limitHit: 'timeout' | 'cpu' | 'memory' | undefined;
    if (initError) {
      outcome = `X${JSON.stringify(initError)}`;
    } else {
      const guard = new InvocationLimits(sandbox, {
        timeoutMs: meta.timeoutMs,
        cpuLimitMs: meta.cpuLimitMs,
        memoryLimitBytes: spec.memoryMb * 1024 * 1024,
        onLimit: (which) => {
          limitHit = which;
          sandbox.dispose();
        },
      });
      this.deadlineAt = performance.now() + meta.timeoutMs;
      this.requestId = meta.requestId;
      sandbox.synchronous = fastPath.useSync(spec.key);
      // On the synchronous path the host timers cannot fire while JS runs: bound each call by
      // the CPU cap too, and read a timeout before the deadline as the CPU cap.
      const callTimeoutMs =
        sandbox.synchronous && meta.cpuLimitMs > 0
          ? Math.min(meta.timeoutMs, meta.cpuLimitMs)
          : meta.timeoutMs;
      this.thaw();
      try {
        outcome = await new Promise<string>((resolve, reject) => {
          this.failCurrent = reject;
          sandbox
            .invoke(meta.requestId, payload, deadlineMs, meta.extras, callTimeoutMs)
            .then(resolve, reject);
        });
      } catch (e) {
        let failure: string = e instanceof SandboxError ? e.failure : 'error';
        if (failure === 'timeout' && limitHit === undefined && callTimeoutMs < meta.timeoutMs)
          failure = 'cpu';
        // A disposed isolate measures nothing: report at least the limit it was stopped at.
        if ((limitHit ?? failure) === 'memory') {
          this.maxMemoryBytes = Math.max(this.maxMemoryBytes, spec.memoryMb * 1024 * 1024);
        }
        outcome = `X${JSON.stringify(this.failurePayload(limitHit ?? failure, meta))}`;
        if ((limitHit ?? failure) === 'timeout')
          this.log.append(timeoutLine(meta.requestId, spec.timeoutSeconds));
      } finally {
        this.failCurrent = undefined;
        this.requestId = undefined;
        guard.stop();
        this.freeze();
      }
    }
    const durationMs = performance.now() - t0;
    const cpuTimeMs = Math.max(0, (sandbox.disposed ? cpu0 : sandbox.cpuTimeMs()) - cpu0);
    // Allocating much takes time, so invocations over 1 ms are always measured; quicker ones every
    // 16th call (a measurement costs ~10 µs). An environment left over its MemorySize is not reused.
    this.invocations++;
    this.sampleMemory(coldStart || durationMs > 1 || this.invocations % 16 === 0);
    if (!sandbox.disposed && this.lastMemoryBytes > spec.memoryMb * 1024 * 1024) this.broken = true;
    const kind = outcome.charCodeAt(0);
    if (!initError) fastPath.record(spec.key, cpuTimeMs, kind !== 88 /* X */);
    if (kind === 88 /* X */ || !this.healthy) this.broken = true;
    const billed = billedDurationMs(durationMs);
    const maxMemoryUsedMb = Math.max(1, Math.ceil(this.maxMemoryBytes / (1024 * 1024)));
    this.log.append(endLine(meta.requestId));
    this.log.append(
      reportLine({
        requestId: meta.requestId,
        durationMs,
        billedDurationMs: billed,
        memoryMb: spec.memoryMb,
        maxMemoryUsedMb,
        initDurationMs,
        cpuTimeMs,
      }),
    );
    const body = outcome.slice(1);
    let errorType: string | undefined;
    if (kind !== 82 /* R */) {
      try {
        errorType = (JSON.parse(body) as ErrorPayload).errorType;
      } catch {
        errorType = 'Unhandled';
      }
    }
    const result: EnvironmentResult = {
      status: kind === 82 ? 'success' : 'function-error',
      errorType,
      environmentDiscarded: this.broken,
      coldStart,
      durationMs,
      billedDurationMs: billed,
      initDurationMs,
      cpuTimeMs,
      memoryMb: spec.memoryMb,
      maxMemoryUsedMb,
      log: this.log.text(),
      logStream: this.logStreamName,
      payload: body,
    };
    this.log = undefined;
    if (this.broken) this.dispose();
    return result;
  }

  /** The answer to service call `id`: delivered now while running, else when the environment thaws. */
  answer(id: number, ok: boolean, wire: string): void {
    if (!this.sandbox || this.sandbox.disposed) return;
    if (!this.active) {
      this.answers.push([id, ok, wire]);
      return;
    }
    this.sandbox.settleCall(id, ok, wire, Math.max(1, this.deadlineAt - performance.now()), (e) =>
      this.failCurrent?.(e),
    );
  }

  /** Frees the sandbox and its timers. */
  dispose(): void {
    this.broken = true;
    for (const t of this.timers.values()) cancel(t.handle);
    this.timers.clear();
    this.sandbox?.dispose();
    this.files?.remove();
  }

  private failurePayload(failure: string, meta: InvokeMeta): ErrorPayload {
    const id = meta.requestId;
    switch (failure) {
      case 'timeout':
        return {
          errorType: 'Sandbox.Timedout',
          errorMessage: `RequestId: ${id} Error: Task timed out after ${this.spec.timeoutSeconds.toFixed(2)} seconds`,
          trace: [],
        };
      case 'memory':
        return {
          errorType: 'Runtime.OutOfMemory',
          errorMessage: `RequestId: ${id} Error: Runtime exited with error: memory limit of ${this.spec.memoryMb} MB exceeded`,
          trace: [],
        };
      case 'cpu':
        return {
          errorType: 'Runtime.CpuLimitExceeded',
          errorMessage: `RequestId: ${id} Error: Runtime exited with error: CPU time limit of ${meta.cpuLimitMs} ms exceeded`,
          trace: [],
        };
      default:
        return {
          errorType: 'Runtime.ExitError',
          errorMessage: `RequestId: ${id} Error: Runtime exited with error: ${failure}`,
          trace: [],
        };
    }
  }

  private armTimer(id: number, ms: number): void {
    cancel(this.timers.get(id)?.handle);
    const t: ArmedTimer = { dueAt: this.active ? performance.now() + ms : ms, handle: undefined };
    this.timers.set(id, t);
    if (this.active) t.handle = schedule(ms, () => this.fire(id));
  }

  private disarmTimer(id: number): void {
    cancel(this.timers.get(id)?.handle);
    this.timers.delete(id);
  }

  private fire(id: number): void {
    const t = this.timers.get(id);
    if (!t || !this.sandbox) return;
    t.handle = undefined;
    this.timers.delete(id);
    this.sandbox.fireTimer(id, Math.max(1, this.deadlineAt - performance.now()), (e) =>
      this.failCurrent?.(e),
    );
  }

  /** Pauses timers between invocations, keeping how long each had left. */
  private freeze(): void {
    this.active = false;
    const now = performance.now();
    for (const t of this.timers.values()) {
      cancel(t.handle);
      t.handle = undefined;
      t.dueAt = Math.max(0, t.dueAt - now);
    }
  }

  /** Resumes paused timers with the time they had left. */
  private thaw(): void {
    this.active = true;
    const now = performance.now();
    for (const [id, t] of this.timers) {
      const left = t.dueAt;
      t.dueAt = now + left;
      t.handle = schedule(left, () => this.fire(id));
    }
    for (const [id, ok, wire] of this.answers.splice(0)) this.answer(id, ok, wire);
  }
}
