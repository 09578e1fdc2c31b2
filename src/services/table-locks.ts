/**
 * One writer at a time per table. A call that writes several tables takes their locks in name
 * order, so two such calls never wait on each other in a cycle.
 */
export class TableLocks {
  private readonly tails = new Map<string, Promise<void>>();

  /** Runs `fn` holding the locks of `tables`. */
  async run<T>(tables: string[], fn: () => Promise<T>): Promise<T> {
    const releases: Array<() => void> = [];
    try {
      for (const t of [...new Set(tables)].sort()) releases.push(await this.acquire(t));
      return await fn();
    } finally {
      for (const release of releases) release();
    }
  }

  private async acquire(table: string): Promise<() => void> {
    const previous = this.tails.get(table) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = previous.then(() => mine);
    this.tails.set(table, tail);
    await previous;
    return () => {
      release();
      if (this.tails.get(table) === tail) this.tails.delete(table);
    };
  }
}
