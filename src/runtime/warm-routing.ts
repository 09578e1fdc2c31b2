import { LRUCache } from 'lru-cache';

/**
 * Where the idle warm environments of each function version are, as far as the front can tell:
 * per version key, how many each executor held idle after its last answer for that version, less
 * the invocations sent there since. Routing a call to an executor with one skips a cold start that
 * the name-hash (or a spill-over to a less busy executor) would cost.
 *
 * It is an estimate: an executor may evict an environment without saying so, and the call then
 * starts cold, as it would have without this.
 */
export class WarmRouting<E> {
  private readonly idle: LRUCache<string, Map<E, number>>;

  /** @param maxVersions function versions remembered (least recently invoked forgotten first) */
  constructor(maxVersions: number) {
    this.idle = new LRUCache({ max: maxVersions });
  }

  /** The usable executor believed to hold an idle environment of this version, least busy first. */
  find(key: string, usable: (e: E) => boolean, busy: (e: E) => number): E | undefined {
    const holders = this.idle.get(key);
    if (!holders) return undefined;
    let best: E | undefined;
    for (const [e, n] of holders) {
      if (n <= 0 || !usable(e)) continue;
      if (best === undefined || busy(e) < busy(best)) best = e;
    }
    return best;
  }

  /** An invocation of this version was sent to `e`: one idle environment fewer there, if any. */
  sent(key: string, e: E): void {
    const holders = this.idle.get(key);
    const n = holders?.get(e);
    if (holders && n !== undefined) holders.set(e, Math.max(0, n - 1));
  }

  /** `e` answered an invocation of this version and now holds `idle` idle environments of it. */
  reported(key: string, e: E, idle: number): void {
    let holders = this.idle.get(key);
    if (!holders) {
      if (idle === 0) return;
      holders = new Map();
      this.idle.set(key, holders);
    }
    holders.set(e, idle);
  }

  /** Forgets an executor (it exited). */
  forget(e: E): void {
    for (const holders of this.idle.values()) holders.delete(e);
  }
}
