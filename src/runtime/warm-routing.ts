import { LRUCache } from 'lru-cache';

/** One executor's environments of one function version, as the front knows them. */
interface Holding {
  /** Idle environments the executor reported with its last answer for this version. */
  idle: number;
  /** Invocations of this version sent to it and not answered yet. */
  outstanding: number;
}

/**
 * Where the idle warm environments of each function version are, as far as the front can tell:
 * per version key and executor, the idle environments it reported with its last answer, less the
 * invocations sent there that are still unanswered (each may be about to take one). Routing a call
 * to an executor with one left skips a cold start that the name hash (or a spill-over to a less
 * busy executor) would cost, and starts no environment while another one is free.
 *
 * The estimate errs low: an unanswered call that already took its environment is subtracted
 * twice (the call then goes by name, as it would without this). It errs high only when an
 * executor evicts an idle environment without saying so, and the call then starts cold.
 */
export class WarmRouting<E> {
  private readonly versions: LRUCache<string, Map<E, Holding>>;

  /** @param maxVersions function versions remembered (least recently invoked forgotten first) */
  constructor(maxVersions: number) {
    this.versions = new LRUCache({ max: maxVersions });
  }

  /** The usable executor believed to hold a free idle environment of this version, least busy first. */
  find(key: string, usable: (e: E) => boolean, busy: (e: E) => number): E | undefined {
    const holdings = this.versions.get(key);
    if (!holdings) return undefined;
    let best: E | undefined;
    for (const [e, h] of holdings) {
      if (h.idle - h.outstanding <= 0 || !usable(e)) continue;
      if (best === undefined || busy(e) < busy(best)) best = e;
    }
    return best;
  }

  /** An invocation of this version was sent to `e`. */
  sent(key: string, e: E): void {
    let holdings = this.versions.get(key);
    if (!holdings) {
      holdings = new Map();
      this.versions.set(key, holdings);
    }
    const h = holdings.get(e);
    if (h) h.outstanding++;
    else holdings.set(e, { idle: 0, outstanding: 1 });
  }

  /**
   * `e` answered an invocation of this version (or failed it: `idle` undefined) and, when it says,
   * now holds `idle` idle environments of it.
   */
  answered(key: string, e: E, idle: number | undefined): void {
    const h = this.versions.peek(key)?.get(e);
    if (!h) return;
    h.outstanding = Math.max(0, h.outstanding - 1);
    if (idle !== undefined) h.idle = idle;
  }

  /** Forgets an executor (it exited). */
  forget(e: E): void {
    for (const holdings of this.versions.values()) holdings.delete(e);
  }
}
