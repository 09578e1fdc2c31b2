import type { Sandbox } from '../bridge';

/**
 * Spare sandboxes (isolate + context + shims, no function yet), kept per memory size for the sizes
 * used most recently, so that a cold start only compiles and runs the function's own code. Each
 * spare costs about 1.3 MB; the pool refills in the background after each take.
 */
export class SparePool {
  private readonly spares = new Map<number, Sandbox[]>();
  private readonly filling = new Set<number>();

  /**
   * @param make creates a sandbox with the given heap limit in MB
   * @param perSize spares kept for each memory size: 4, because under load making one takes
   *   5-50 ms, and with 2 a few cold starts in a row on one executor found none left (the one
   *   that misses waits for a whole sandbox to be made)
   * @param sizes how many distinct memory sizes keep spares (least recently used dropped)
   */
  constructor(
    private readonly make: (memoryMb: number) => Promise<Sandbox>,
    private readonly perSize = 4,
    private readonly sizes = 3,
  ) {}

  /** A ready spare for this memory size, or undefined. */
  take(memoryMb: number): Sandbox | undefined {
    const list = this.spares.get(memoryMb);
    const spare = list?.pop();
    if (list) {
      // Most recently used size last: it is the one kept when sizes are dropped.
      this.spares.delete(memoryMb);
      this.spares.set(memoryMb, list);
    }
    return spare;
  }

  /** Tops up the spares of this size in the background. */
  refill(memoryMb: number): void {
    if (this.filling.has(memoryMb)) return;
    if (!this.spares.has(memoryMb)) this.spares.set(memoryMb, []);
    while (this.spares.size > this.sizes) {
      const [oldest, list] = this.spares.entries().next().value as [number, Sandbox[]];
      for (const s of list) s.dispose();
      this.spares.delete(oldest);
    }
    this.filling.add(memoryMb);
    setImmediate(async () => {
      try {
        for (;;) {
          const list = this.spares.get(memoryMb);
          if (!list || list.length >= this.perSize) break;
          list.push(await this.make(memoryMb));
        }
      } catch {
        // Out of memory or shutting down: run without spares.
      } finally {
        this.filling.delete(memoryMb);
      }
    });
  }

  /** Disposes every spare. */
  clear(): void {
    for (const list of this.spares.values()) for (const s of list) s.dispose();
    this.spares.clear();
  }
}
