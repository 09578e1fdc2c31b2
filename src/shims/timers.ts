import type { HostFunctions } from './host';

/**
 * setTimeout and friends over host timers. The host arms real timers only while an invocation
 * runs (Lambda freezes the environment in between), and calls `fire(id)` when one is due.
 * The pending count of ref'd timers is the sandbox's "event loop": callback-style handlers wait
 * for it to empty, as in Lambda.
 */
interface TimerEntry {
  fn: (...args: unknown[]) => void;
  args: unknown[];
  repeatMs: number | undefined;
  ref: boolean;
}

/** What a timer callback that throws turns into: the host fails the running invocation with it. */
export type UncaughtHandler = (error: unknown) => void;

export class TimerTable {
  private readonly entries = new Map<number, TimerEntry>();
  private nextId = 1;
  private idleWaiters: Array<() => void> = [];
  /** Id of the scheduled idle check, if one is armed. */
  private idleCheck: number | undefined;
  /** Other work that keeps the "event loop" busy (host service calls in flight). */
  otherPending: () => number = () => 0;

  constructor(
    private readonly host: HostFunctions,
    private readonly onUncaught: UncaughtHandler,
  ) {}

  /** Number of ref'd timers and other pending work. */
  get pending(): number {
    let n = this.otherPending();
    for (const e of this.entries.values()) if (e.ref) n++;
    return n;
  }

  /** Resolves once no ref'd timer is pending (checked after the current macrotask). */
  whenIdle(): Promise<void> {
    return new Promise((resolve) => {
      this.idleWaiters.push(resolve);
      this.checkIdle();
    });
  }

  add(fn: unknown, delayMs: unknown, args: unknown[], repeat: boolean): Timeout {
    if (typeof fn !== 'function') {
      throw new TypeError(`The "callback" argument must be of type function. Received ${typeof fn}`);
    }
    const id = this.nextId++;
    let ms = Number(delayMs);
    if (!(ms >= 1 && ms <= 2 ** 31 - 1)) ms = 1;
    this.entries.set(id, { fn: fn as TimerEntry['fn'], args, repeatMs: repeat ? ms : undefined, ref: true });
    this.host.timerSet(id, ms);
    return new Timeout(id, this);
  }

  clear(handle: unknown): void {
    const id = typeof handle === 'object' && handle !== null ? Number(handle as Timeout) : Number(handle);
    if (this.entries.delete(id)) {
      this.host.timerClear(id);
      this.checkIdle();
    }
  }

  setRef(id: number, ref: boolean): void {
    const e = this.entries.get(id);
    if (e) {
      e.ref = ref;
      this.checkIdle();
    }
  }

  has(id: number): boolean {
    return this.entries.has(id);
  }

  /** Called by the host when timer `id` is due. */
  fire(id: number): void {
    const e = this.entries.get(id);
    if (!e) return;
    if (e.repeatMs === undefined) this.entries.delete(id);
    else this.host.timerSet(id, e.repeatMs);
    try {
      e.fn(...e.args);
    } catch (err) {
      this.onUncaught(err);
    }
    this.checkIdle();
  }

  /** Re-checks whether the loop is idle (after other pending work finished). */
  checkIdle(): void {
    if (this.idleWaiters.length === 0 || this.idleCheck !== undefined) return;
    // Checked in a later host turn (a 0 ms host timer), when every promise reaction queued so far
    // has run: a chain like fetch().then(r => r.json()).then(log) may start new host work first.
    const id = this.nextId++;
    this.idleCheck = id;
    this.entries.set(id, {
      fn: () => {
        this.idleCheck = undefined;
        if (this.pending > 0 || this.idleWaiters.length === 0) return;
        const waiters = this.idleWaiters;
        this.idleWaiters = [];
        for (const w of waiters) w();
      },
      args: [],
      repeatMs: undefined,
      ref: false,
    });
    this.host.timerSet(id, 0);
  }
}

/** Node's Timeout object: ref/unref/hasRef/refresh, and a number when coerced. */
export class Timeout {
  constructor(
    private readonly id: number,
    private readonly table: TimerTable,
  ) {}
  ref(): this {
    this.table.setRef(this.id, true);
    return this;
  }
  unref(): this {
    this.table.setRef(this.id, false);
    return this;
  }
  hasRef(): boolean {
    return this.table.has(this.id);
  }
  refresh(): this {
    return this;
  }
  [Symbol.toPrimitive](): number {
    return this.id;
  }
}
