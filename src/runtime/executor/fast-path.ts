/**
 * Which functions may run on the executor's own thread.
 *
 * isolated-vm's synchronous call is about 5x cheaper than its asynchronous one, but while it runs
 * the executor's event loop is blocked: a function that spins would stall every other function
 * of that executor until its timeout. So a function version starts on the asynchronous path and is
 * promoted only after a run of invocations that each used under `fastCpuMs` of CPU; one slow
 * invocation demotes it for good (for the life of this executor). The worst a promoted function
 * can do to its neighbours is one stall of at most its Timeout, once.
 */
export class FastPathPolicy {
  private readonly streaks = new Map<string, number>();
  private readonly demoted = new Set<string>();

  /**
   * @param promoteAfter consecutive quick invocations before a function is promoted
   * @param fastCpuMs CPU time in ms under which an invocation counts as quick
   * @param maxTracked functions tracked at once (oldest forgotten first)
   */
  constructor(
    private readonly promoteAfter = 32,
    private readonly fastCpuMs = 2,
    private readonly maxTracked = 10_000,
  ) {}

  /** Whether the next invocation of this function version may run synchronously. */
  useSync(key: string): boolean {
    return !this.demoted.has(key) && (this.streaks.get(key) ?? 0) >= this.promoteAfter;
  }

  /** Whether a new environment of this function may load its code synchronously (not demoted). */
  useSyncInit(key: string): boolean {
    return !this.demoted.has(key);
  }

  /** Records an invocation's CPU time and whether it ended normally. */
  record(key: string, cpuMs: number, ok: boolean): void {
    if (this.demoted.has(key)) return;
    if (!ok || cpuMs >= this.fastCpuMs) {
      this.streaks.delete(key);
      if (!ok || cpuMs >= this.fastCpuMs * 10) this.demoted.add(key);
      return;
    }
    if (this.streaks.size >= this.maxTracked && !this.streaks.has(key)) {
      const oldest = this.streaks.keys().next().value;
      if (oldest !== undefined) this.streaks.delete(oldest);
    }
    this.streaks.set(key, Math.min(this.promoteAfter, (this.streaks.get(key) ?? 0) + 1));
    if (this.demoted.size > this.maxTracked) this.demoted.clear();
  }
}
