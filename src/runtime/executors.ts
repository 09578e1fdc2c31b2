import { type ChildProcess, spawn } from 'node:child_process';
import type { Socket } from 'node:net';
import type { Logger } from '../logger';
import { DutyCycle } from './duty-cycle';
import { removeAllTmpDirs, removeExecutorTmpDirs } from './executor/tmp-dir';
import type { FunctionSpec, InvocationResult, InvocationResultMeta, InvokeMeta } from './invocation';
import { type CallMeta, encodeFrame, FrameReader, FrameType } from './protocol';
import { selfCommand } from './self-command';
import { WarmRouting } from './warm-routing';

/** Settings of the executor processes. */
export interface ExecutorOptions {
  /** Number of executor processes serving invocations. */
  count: number;
  /** Idle environments kept warm per executor. */
  maxEnvironments: number;
  /** Memory budget of idle environments per executor, in bytes. */
  memoryBudgetBytes: number;
  /** The data dir: environments keep their /tmp under `<data>/tmp`. */
  dataDir: string;
}

/** The executor running an invocation died (crash, V8 fatal error, killed). */
export class ExecutorCrashedError extends Error {
  constructor(readonly reason: string) {
    super(`Runtime exited with error: ${reason}`);
  }
}

/** The executor had dropped the spec named by key: send again with the spec. */
class NeedSpecError extends Error {}

interface Pending {
  resolve: (r: InvocationResult) => void;
  reject: (e: Error) => void;
}

/** Answers a function's service call: `ok` with the output, or not with the error (both wire text). */
export type CallHandler = (meta: CallMeta, input: Buffer) => Promise<{ ok: boolean; wire: string }>;

/**
 * CPU share: a function whose invocation used this much CPU, or ran into its timeout or CPU cap,
 * runs on the background executor (lowest OS priority) for a while, so a spinning tenant cannot
 * take the CPU from the others and from the front process.
 */
const heavyCpuMs = 1000;
const heavyForMs = 60_000;
/** OS niceness of the background executor (19: runs only on CPU time nobody else wants). */
const backgroundNice = 19;

/** The executor a function's name goes to when no warm environment says otherwise: a 31-multiplier string hash. */
export function executorIndex(functionName: string, executors: number): number {
  let h = 0;
  for (let i = 0; i < functionName.length; i++) h = (h * 31 + functionName.charCodeAt(i)) | 0;
  return Math.abs(h) % executors;
}

/** If the warm executor has this many more invocations in flight than the least busy one, spill over. */
const spillThreshold = 8;

class ExecutorProcess {
  readonly pending = new Map<number, Pending>();
  /** Spec keys this executor has been sent (it caches the specs themselves). */
  readonly knownSpecs = new Set<string>();
  private readonly reader = new FrameReader();
  private nextId = 1;
  alive = true;
  private corked = false;

  constructor(
    readonly child: ChildProcess,
    private readonly socket: Socket,
    onExit: (self: ExecutorProcess, reason: string) => void,
    onCall: () => CallHandler,
  ) {
    socket.on('data', (chunk: Buffer) => {
      for (const f of this.reader.push(chunk)) {
        if (f.type === FrameType.Call) {
          const id = f.id;
          void onCall()(JSON.parse(f.meta) as CallMeta, f.body).then(({ ok, wire }) => {
            if (this.alive)
              this.write(encodeFrame(FrameType.CallResult, id, ok ? '{"ok":true}' : '{"ok":false}', wire));
          });
          continue;
        }
        if (f.type !== FrameType.Result && f.type !== FrameType.NeedSpec) continue;
        const p = this.pending.get(f.id);
        if (!p) continue;
        this.pending.delete(f.id);
        if (f.type === FrameType.NeedSpec) {
          p.reject(new NeedSpecError());
          continue;
        }
        const meta = JSON.parse(f.meta) as InvocationResultMeta;
        p.resolve({ ...meta, payload: f.body.toString('utf8') });
      }
    });
    socket.on('error', () => undefined);
    child.once('exit', (code, signal) => {
      this.alive = false;
      const reason = signal ? `signal: ${signal === 'SIGABRT' ? 'aborted' : signal}` : `exit status ${code}`;
      for (const p of this.pending.values()) p.reject(new ExecutorCrashedError(reason));
      this.pending.clear();
      onExit(this, reason);
    });
  }

  get inFlight(): number {
    return this.pending.size;
  }

  send(type: number, meta: string, body: string | Buffer = ''): Promise<InvocationResult> {
    const id = this.nextId++;
    if (this.nextId > 0xfffffff0) this.nextId = 1;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.write(encodeFrame(type, id, meta, body));
    });
  }

  notify(type: number, meta: string): void {
    this.write(encodeFrame(type, 0, meta));
  }

  private write(frame: Buffer): void {
    // Batch the frames of one event-loop turn into one write.
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      setImmediate(() => {
        this.corked = false;
        this.socket.uncork();
      });
    }
    this.socket.write(frame);
  }

  close(): void {
    this.alive = false;
    this.socket.end();
  }
}

/**
 * The supervised executor processes. Each function is routed to a fixed executor (warm
 * affinity) unless that one is much busier than another. A crashed executor fails only its own
 * invocations in flight and is replaced at once by a pre-started standby.
 */
export class ExecutorPool {
  private executors: ExecutorProcess[] = [];
  private standby: ExecutorProcess | undefined;
  /** Runs CPU-heavy functions at the lowest OS priority; started when first needed. */
  private background: ExecutorProcess | undefined;
  /** CPU-heavy functions, and until when (Date.now()) they stay on the background executor. */
  private readonly heavy = new Map<string, number>();
  private stopping = false;
  /** Caps the background executor's CPU share while the others have invocations in flight. */
  private readonly backgroundCap = new DutyCycle({
    pid: () => (this.background?.alive ? this.background.child.pid : undefined),
    busy: () => Boolean(this.background?.alive && this.background.inFlight > 0),
    contended: () => {
      const recent = this.normalSent > 0;
      this.normalSent = 0;
      return recent || this.executors.some((ex) => ex.inFlight > 0);
    },
  });
  /** Invocations sent to the normal executors since the duty cycle last looked. */
  private normalSent = 0;
  /** Which executors hold idle environments of each function version. */
  private readonly warm: WarmRouting<ExecutorProcess>;
  /** Serialised specs, so the hot path does not stringify the same spec on every call. */
  private readonly specJson = new WeakMap<FunctionSpec, string>();
  /** Answers functions' service calls; until set, every call fails as unavailable. */
  private callHandler: CallHandler = async (meta) => ({
    ok: false,
    wire: JSON.stringify({ name: 'ServiceUnavailable', message: `${meta.service} is not available` }),
  });

  constructor(
    private readonly options: ExecutorOptions,
    private readonly logger: Logger,
  ) {
    this.warm = new WarmRouting(Math.max(1000, options.maxEnvironments));
  }

  /** Starts the executors and a standby. */
  start(): void {
    // Executors killed by a signal leave their environments' /tmp behind; none is alive now.
    removeAllTmpDirs(this.options.dataDir);
    for (let i = 0; i < this.options.count; i++) this.executors.push(this.spawnOne());
    this.standby = this.spawnOne();
  }

  /** Sends one invocation to an executor; rejects with ExecutorCrashedError if it dies. */
  async invoke(spec: FunctionSpec, meta: InvokeMeta, payload: string | Buffer): Promise<InvocationResult> {
    const ex = this.route(spec);
    if (ex !== this.background) this.normalSent++;
    this.warm.sent(spec.key, ex);
    let result: InvocationResult;
    try {
      result = await this.send(ex, spec, meta, payload);
    } catch (e) {
      this.warm.answered(spec.key, ex, undefined);
      throw e;
    }
    this.warm.answered(spec.key, ex, result.idleWarm);
    if (
      result.cpuTimeMs >= heavyCpuMs ||
      result.errorType === 'Sandbox.Timedout' ||
      result.errorType === 'Runtime.CpuLimitExceeded'
    ) {
      this.heavy.set(spec.functionName, Date.now() + heavyForMs);
    }
    return result;
  }

  /** Functions on the background executor now (for tests and diagnostics). */
  heavyFunctions(): string[] {
    const now = Date.now();
    return [...this.heavy].filter(([, until]) => until > now).map(([name]) => name);
  }

  private async send(
    ex: ExecutorProcess,
    spec: FunctionSpec,
    meta: InvokeMeta,
    payload: string | Buffer,
  ): Promise<InvocationResult> {
    let specJson = this.specJson.get(spec);
    if (specJson === undefined) {
      specJson = JSON.stringify(spec);
      this.specJson.set(spec, specJson);
    }
    // Each executor is sent a spec once; later invocations name it by key only.
    const invokeJson = JSON.stringify(meta);
    const message = (withSpec: boolean) =>
      `{"key":${JSON.stringify(spec.key)},${withSpec ? `"spec":${specJson},` : ''}"invoke":${invokeJson}}`;
    const known = ex.knownSpecs.has(spec.key);
    if (!known) ex.knownSpecs.add(spec.key);
    try {
      return await ex.send(FrameType.Invoke, message(!known), payload);
    } catch (e) {
      if (!(e instanceof NeedSpecError)) throw e;
      return ex.send(FrameType.Invoke, message(true), payload);
    }
  }

  /** Sets what answers the service calls of functions (the front's service host). */
  handleCalls(handler: CallHandler): void {
    this.callHandler = handler;
  }

  /** Tells every executor to drop the warm environments of a function. */
  retire(functionName: string): void {
    for (const ex of this.executors)
      if (ex.alive) ex.notify(FrameType.Retire, JSON.stringify({ functionName }));
  }

  /** Process ids of the executors serving invocations (for tests and diagnostics). */
  pids(): number[] {
    return this.executors.map((e) => e.child.pid ?? 0);
  }

  /** Stops every executor (they exit when their socket closes). */
  async stop(): Promise<void> {
    this.stopping = true;
    // A stopped process cannot see its socket close.
    this.backgroundCap.stop();
    const all = [
      ...this.executors,
      ...(this.standby ? [this.standby] : []),
      ...(this.background ? [this.background] : []),
    ];
    await Promise.all(
      all.map(
        (ex) =>
          new Promise<void>((resolve) => {
            if (ex.child.exitCode !== null || ex.child.signalCode !== null) return resolve();
            ex.child.once('exit', () => resolve());
            ex.close();
            setTimeout(() => ex.child.kill('SIGKILL'), 3000).unref();
          }),
      ),
    );
    removeAllTmpDirs(this.options.dataDir);
  }

  /**
   * The executor for an invocation: the background one while the function is CPU-heavy; else one
   * holding an idle warm environment of its version; else the one its name hashes to, unless that
   * one is much busier than another (the call starts cold either way).
   */
  private route(spec: FunctionSpec): ExecutorProcess {
    const functionName = spec.functionName;
    const until = this.heavy.get(functionName);
    if (until !== undefined) {
      if (until > Date.now()) {
        if (!this.background?.alive) this.background = this.spawnOne(backgroundNice);
        if (!this.backgroundCap.running) {
          this.normalSent = 0; // count only what the others do from now on
          this.backgroundCap.start();
        }
        return this.background;
      }
      this.heavy.delete(functionName);
    }
    const warm = this.warm.find(
      spec.key,
      (ex) => ex.alive && ex !== this.background,
      (ex) => ex.inFlight,
    );
    return warm ?? this.pick(functionName);
  }

  private pick(functionName: string): ExecutorProcess {
    const primary = this.executors[executorIndex(functionName, this.executors.length)];
    let least = primary;
    for (const ex of this.executors) if (ex.inFlight < least.inFlight) least = ex;
    return primary.inFlight - least.inFlight > spillThreshold ? least : primary;
  }

  private spawnOne(nice = 0): ExecutorProcess {
    const cmd = selfCommand([
      'executor',
      ...(nice ? ['--nice', String(nice)] : []),
      '--max-environments',
      String(this.options.maxEnvironments),
      '--memory-budget-bytes',
      String(this.options.memoryBudgetBytes),
      '--data',
      this.options.dataDir,
    ]);
    const child = spawn(cmd.file, cmd.args, { stdio: ['ignore', 'inherit', 'inherit', 'pipe'] });
    const socket = child.stdio[3] as Socket;
    return new ExecutorProcess(
      child,
      socket,
      (self, reason) => this.replace(self, reason),
      () => this.callHandler,
    );
  }

  private replace(dead: ExecutorProcess, reason: string): void {
    this.warm.forget(dead);
    if (dead.child.pid) removeExecutorTmpDirs(this.options.dataDir, dead.child.pid);
    if (this.stopping) return;
    if (dead === this.background) {
      this.logger.error('executor.crashed', { pid: dead.child.pid, reason, background: true });
      this.background = undefined; // started again when a heavy function next runs
      return;
    }
    if (dead === this.standby) {
      this.logger.warn('executor.standby_exited', { pid: dead.child.pid, reason });
      this.standby = this.spawnOne();
      return;
    }
    const i = this.executors.indexOf(dead);
    if (i < 0) return;
    this.logger.error('executor.crashed', {
      pid: dead.child.pid,
      reason,
      replacedBy: this.standby?.child.pid,
    });
    this.executors[i] = this.standby?.alive ? this.standby : this.spawnOne();
    this.standby = this.spawnOne();
  }
}
