/** Header lists per the Fetch standard: case-insensitive names, combined values, Set-Cookie kept apart. */

export type HeadersInit = Headers | Iterable<Iterable<string>> | Record<string, string>;

const tokenPattern = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Who may change a Headers object: a response from fetch() has immutable headers. */
export type HeadersGuard = 'none' | 'immutable';

function checkName(name: unknown): string {
  const n = String(name);
  if (!tokenPattern.test(n)) throw new TypeError(`Headers: '${n.slice(0, 64)}' is not a valid header name`);
  return n.toLowerCase();
}

function checkValue(name: string, value: unknown): string {
  const v = String(value).replace(/^[\t\n\r ]+|[\t\n\r ]+$/g, '');
  if (/[\0\r\n]/.test(v)) throw new TypeError(`Headers: invalid value for header '${name}'`);
  return v;
}

let setGuard: (headers: Headers, guard: HeadersGuard) => void;

export class Headers {
  #list: Array<[string, string]> = [];
  #guard: HeadersGuard = 'none';

  constructor(init?: HeadersInit) {
    if (init === undefined || init === null) return;
    if (init instanceof Headers) {
      this.#list = init.#list.map(([n, v]) => [n, v]);
      return;
    }
    if (typeof init !== 'object' && typeof init !== 'function') {
      throw new TypeError('Headers: init must be an object, an array of pairs or a Headers');
    }
    const iterator = (init as Iterable<Iterable<string>>)[Symbol.iterator];
    if (typeof iterator === 'function') {
      for (const pair of init as Iterable<Iterable<string>>) {
        const p = typeof pair === 'string' ? [] : [...pair];
        if (p.length !== 2) throw new TypeError('Headers: each header must be a [name, value] pair');
        this.append(p[0]!, p[1]!);
      }
      return;
    }
    for (const key of Object.keys(init)) this.append(key, (init as Record<string, string>)[key]!);
  }

  static {
    setGuard = (h, guard) => {
      h.#guard = guard;
    };
  }

  #mutable(): void {
    if (this.#guard === 'immutable') throw new TypeError('Headers: these headers are immutable');
  }

  append(name: string, value: string): void {
    const n = checkName(name);
    const v = checkValue(n, value);
    this.#mutable();
    this.#list.push([n, v]);
  }

  set(name: string, value: string): void {
    const n = checkName(name);
    const v = checkValue(n, value);
    this.#mutable();
    const i = this.#list.findIndex(([k]) => k === n);
    if (i < 0) {
      this.#list.push([n, v]);
      return;
    }
    this.#list[i] = [n, v];
    this.#list = this.#list.filter(([k], j) => k !== n || j === i);
  }

  delete(name: string): void {
    const n = checkName(name);
    this.#mutable();
    this.#list = this.#list.filter(([k]) => k !== n);
  }

  get(name: string): string | null {
    const n = checkName(name);
    const values = this.#list.filter(([k]) => k === n).map(([, v]) => v);
    return values.length === 0 ? null : values.join(', ');
  }

  has(name: string): boolean {
    const n = checkName(name);
    return this.#list.some(([k]) => k === n);
  }

  getSetCookie(): string[] {
    return this.#list.filter(([k]) => k === 'set-cookie').map(([, v]) => v);
  }

  /** Sorted by name, values combined; each Set-Cookie separately. */
  *entries(): IterableIterator<[string, string]> {
    const names = [...new Set(this.#list.map(([k]) => k))].sort();
    for (const n of names) {
      if (n === 'set-cookie') for (const v of this.getSetCookie()) yield [n, v];
      else yield [n, this.get(n)!];
    }
  }

  *keys(): IterableIterator<string> {
    for (const [k] of this.entries()) yield k;
  }

  *values(): IterableIterator<string> {
    for (const [, v] of this.entries()) yield v;
  }

  forEach(callback: (value: string, name: string, headers: Headers) => void, thisArg?: unknown): void {
    if (typeof callback !== 'function') throw new TypeError('Headers.forEach: callback must be a function');
    for (const [k, v] of this.entries()) callback.call(thisArg, v, k, this);
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }

  get [Symbol.toStringTag](): string {
    return 'Headers';
  }
}

/** Headers that cannot change any more (a fetched response's, Response.error()'s). */
export function immutableHeaders(init?: HeadersInit): Headers {
  const h = new Headers(init);
  setGuard(h, 'immutable');
  return h;
}
