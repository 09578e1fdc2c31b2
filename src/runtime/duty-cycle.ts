/**
 * Caps the CPU share of a process by stopping it for part of every period (SIGSTOP, then
 * SIGCONT), only while `contended()` says others want the CPU. islet runs it on the background
 * executor, where CPU-heavy functions go: OS niceness alone lets their spinning threads keep both
 * cores of a small machine busy (they yield on every wake-up of a normal thread, but each switch,
 * and a spinning hyperthread sibling, still costs the others). With the cap they get `runShare`
 * of each period while others have work, and all of it when nobody else does: like Lambda, where a
 * small function gets a fraction of a vCPU.
 *
 * A stopped process delays its own timers: an invocation there can end up to one stop late. If
 * the front process dies while the executor is stopped, the kernel continues it (an orphaned
 * process group with a stopped member gets SIGHUP and SIGCONT).
 */
export class DutyCycle {
  private timer: NodeJS.Timeout | undefined;
  private resumeTimer: NodeJS.Timeout | undefined;
  /** The pid stopped now, if any. */
  private stoppedPid: number | undefined;

  constructor(
    private readonly options: {
      /** The process to cap; undefined when there is none. */
      pid: () => number | undefined;
      /** Whether that process has work (the cap runs only then). */
      busy: () => boolean;
      /** Whether others want the CPU now. */
      contended: () => boolean;
      periodMs?: number;
      runShare?: number;
      /** Sends a signal (process.kill); replaceable for tests. */
      signal?: (pid: number, signal: 'SIGSTOP' | 'SIGCONT') => void;
    },
  ) {}

  /** Whether it is capping now. */
  get running(): boolean {
    return this.timer !== undefined;
  }

  /** Starts capping (idempotent); it stops by itself once the process has no work. */
  start(): void {
    if (this.timer) return;
    const period = this.options.periodMs ?? 100;
    this.timer = setInterval(() => this.tick(period), period);
    this.timer.unref();
  }

  /** Stops capping and lets the process run. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.resume();
  }

  private tick(period: number): void {
    if (!this.options.busy()) {
      this.stop();
      return;
    }
    if (this.stoppedPid !== undefined || !this.options.contended()) return;
    const pid = this.options.pid();
    if (pid === undefined) return;
    const share = this.options.runShare ?? 0.25;
    if (!this.send(pid, 'SIGSTOP')) return;
    this.stoppedPid = pid;
    this.resumeTimer = setTimeout(() => this.resume(), Math.round(period * (1 - share)));
    this.resumeTimer.unref();
  }

  private resume(): void {
    if (this.resumeTimer) clearTimeout(this.resumeTimer);
    this.resumeTimer = undefined;
    const pid = this.stoppedPid;
    this.stoppedPid = undefined;
    if (pid !== undefined) this.send(pid, 'SIGCONT');
  }

  private send(pid: number, signal: 'SIGSTOP' | 'SIGCONT'): boolean {
    try {
      (this.options.signal ?? ((p, s) => process.kill(p, s)))(pid, signal);
      return true;
    } catch {
      return false; // exited meanwhile
    }
  }
}
