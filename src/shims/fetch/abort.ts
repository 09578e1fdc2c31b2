import { DOMException } from './dom-exception';

type Listener = ((event: AbortEvent) => void) | { handleEvent(event: AbortEvent): void };

/** The event an AbortSignal dispatches: type 'abort', target the signal. */
export interface AbortEvent {
  readonly type: string;
  readonly target: AbortSignal | null;
  readonly currentTarget: AbortSignal | null;
  readonly isTrusted: boolean;
  readonly defaultPrevented: boolean;
  readonly timeStamp: number;
  preventDefault(): void;
  stopPropagation(): void;
  stopImmediatePropagation(): void;
}

const internal = Symbol('islet.abort');
/** Aborts `signal` with `reason` (set by AbortSignal's static block: it reaches the private fields). */
let abortSignal: (signal: AbortSignal, reason: unknown) => void;

/**
 * AbortSignal per the DOM standard, without the rest of EventTarget: listeners for 'abort' via
 * addEventListener (once, signal options) and onabort; AbortSignal.abort / timeout / any.
 */
export class AbortSignal {
  #aborted = false;
  #reason: unknown = undefined;
  #listeners: Array<{ type: string; listener: Listener; once: boolean }> = [];
  onabort: ((event: AbortEvent) => void) | null = null;

  constructor(key?: symbol) {
    if (key !== internal) throw new TypeError('Illegal constructor');
  }

  get aborted(): boolean {
    return this.#aborted;
  }

  get reason(): unknown {
    return this.#reason;
  }

  throwIfAborted(): void {
    if (this.#aborted) throw this.#reason;
  }

  addEventListener(
    type: string,
    listener: Listener | null,
    options?: boolean | { once?: boolean; signal?: AbortSignal },
  ): void {
    if (listener === null || listener === undefined) return;
    const once = typeof options === 'object' && options !== null && Boolean(options.once);
    const t = String(type);
    if (this.#listeners.some((l) => l.type === t && l.listener === listener)) return;
    const entry = { type: t, listener, once };
    this.#listeners.push(entry);
    const stop = typeof options === 'object' && options !== null ? options.signal : undefined;
    stop?.addEventListener('abort', () => this.removeEventListener(t, listener), { once: true });
  }

  removeEventListener(type: string, listener: Listener | null): void {
    this.#listeners = this.#listeners.filter((l) => !(l.type === String(type) && l.listener === listener));
  }

  dispatchEvent(event: { type: string }): boolean {
    const ev = makeEvent(String(event.type), this);
    if (ev.type === 'abort' && typeof this.onabort === 'function') call(() => this.onabort?.call(this, ev));
    for (const l of [...this.#listeners]) {
      if (l.type !== ev.type) continue;
      if (l.once) this.removeEventListener(l.type, l.listener);
      const fn = l.listener;
      call(() => (typeof fn === 'function' ? fn.call(this, ev) : fn.handleEvent(ev)));
    }
    return true;
  }

  get [Symbol.toStringTag](): string {
    return 'AbortSignal';
  }

  static {
    abortSignal = (signal, reason) => {
      if (signal.#aborted) return;
      signal.#aborted = true;
      signal.#reason =
        reason === undefined ? new DOMException('This operation was aborted', 'AbortError') : reason;
      signal.dispatchEvent({ type: 'abort' });
    };
  }

  static abort(reason?: unknown): AbortSignal {
    const s = new AbortSignal(internal);
    abortSignal(s, reason);
    return s;
  }

  /** A signal that aborts with a TimeoutError after `ms`; its timer does not keep the function waiting. */
  static timeout(ms: number): AbortSignal {
    const delay = Number(ms);
    if (!Number.isFinite(delay) || delay < 0) {
      throw new TypeError(
        `The "delay" argument must be a non-negative finite number. Received ${String(ms)}`,
      );
    }
    const s = new AbortSignal(internal);
    const timer = setTimeout(() => {
      abortSignal(s, new DOMException('The operation was aborted due to timeout', 'TimeoutError'));
    }, delay) as unknown as { unref?: () => void };
    timer.unref?.();
    return s;
  }

  /** A signal that aborts when any of `signals` does, with its reason. */
  static any(signals: Iterable<AbortSignal>): AbortSignal {
    const list = [...signals];
    const s = new AbortSignal(internal);
    for (const other of list) {
      if (!(other instanceof AbortSignal)) throw new TypeError('AbortSignal.any() takes AbortSignals');
      if (other.aborted) {
        abortSignal(s, other.reason);
        return s;
      }
    }
    for (const other of list)
      other.addEventListener('abort', () => abortSignal(s, other.reason), { once: true });
    return s;
  }
}

export class AbortController {
  readonly #signal = new AbortSignal(internal);

  get signal(): AbortSignal {
    return this.#signal;
  }

  abort(reason?: unknown): void {
    abortSignal(this.#signal, reason);
  }

  get [Symbol.toStringTag](): string {
    return 'AbortController';
  }
}

function makeEvent(type: string, target: AbortSignal): AbortEvent {
  return {
    type,
    target,
    currentTarget: target,
    isTrusted: true,
    defaultPrevented: false,
    timeStamp: 0,
    preventDefault() {},
    stopPropagation() {},
    stopImmediatePropagation() {},
  };
}

/** A listener that throws does not stop the others (the error is reported, as in Node, later). */
function call(fn: () => void): void {
  try {
    fn();
  } catch (e) {
    setTimeout(() => {
      throw e;
    }, 0);
  }
}
