import type { Sandbox } from '../bridge';

/** Which limit ended an invocation. */
export type LimitKind = 'timeout' | 'cpu' | 'memory';

/** The limits of one invocation. */
export interface InvocationLimitOptions {
  /** Wall-clock budget in ms (the function's Timeout). */
  timeoutMs: number;
  /** CPU budget in ms; 0 disables it. */
  cpuLimitMs: number;
  /** Heap + external bytes allowed (the function's MemorySize). */
  memoryLimitBytes: number;
  /** Called once when a limit is hit; the caller disposes the sandbox. */
  onLimit: (which: LimitKind) => void;
}

/** How often CPU time and memory are sampled while an invocation runs, in ms. */
const sampleIntervalMs = 10;

/**
 * islet's own enforcement of an invocation's limits. isolated-vm's `timeout` only covers JS that
 * is running, not awaited work or a promise that never settles, so the deadline is a host timer;
 * CPU time and external (ArrayBuffer) memory are sampled, because V8's heap limit does not see
 * all of the latter.
 */
export class InvocationLimits {
  private readonly deadline: NodeJS.Timeout;
  private sampler: NodeJS.Timeout | undefined;
  private done = false;
  /** A heap measurement is in flight (it waits for the isolate between its tasks). */
  private measuring = false;
  private readonly cpuStartMs: number;

  constructor(
    private readonly sandbox: Sandbox,
    private readonly options: InvocationLimitOptions,
  ) {
    this.cpuStartMs = sandbox.cpuTimeMs();
    this.deadline = setTimeout(() => this.hit('timeout'), options.timeoutMs);
    // Sampling starts only once the invocation outlives one interval: short calls pay nothing.
    this.sampler = setTimeout(() => {
      this.sampler = setInterval(() => this.sample(), sampleIntervalMs);
      this.sample();
    }, sampleIntervalMs);
  }

  /** Stops all timers; call when the invocation has finished. */
  stop(): void {
    this.done = true;
    clearTimeout(this.deadline);
    if (this.sampler) clearInterval(this.sampler);
  }

  private sample(): void {
    if (this.done || this.sandbox.disposed) return;
    const { cpuLimitMs, memoryLimitBytes } = this.options;
    if (cpuLimitMs > 0 && this.sandbox.cpuTimeMs() - this.cpuStartMs > cpuLimitMs) {
      this.hit('cpu');
      return;
    }
    if (this.measuring) return;
    this.measuring = true;
    this.sandbox.memoryUsedBytesAsync().then(
      (bytes) => {
        this.measuring = false;
        if (bytes > memoryLimitBytes) this.hit('memory');
      },
      () => {
        this.measuring = false;
      },
    );
  }

  private hit(which: LimitKind): void {
    if (this.done) return;
    this.stop();
    this.options.onLimit(which);
  }
}
