import { AbortController, AbortSignal } from './abort';
import { Body, extractBody } from './body';
import { Headers, type HeadersInit } from './headers';

export interface RequestInit {
  method?: string;
  headers?: HeadersInit;
  body?: unknown;
  signal?: AbortSignal | null;
  redirect?: 'follow' | 'error' | 'manual';
  cache?: string;
  credentials?: string;
  integrity?: string;
  keepalive?: boolean;
  mode?: string;
  referrer?: string;
  referrerPolicy?: string;
  duplex?: string;
  window?: null;
}

const tokenPattern = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const normalisedMethods = ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST', 'PUT'];
const redirectModes = ['follow', 'error', 'manual'];

function normaliseMethod(method: unknown): string {
  const m = String(method);
  if (!tokenPattern.test(m)) throw new TypeError(`'${m.slice(0, 64)}' is not a valid HTTP method.`);
  const upper = m.toUpperCase();
  if (upper === 'CONNECT' || upper === 'TRACE' || upper === 'TRACK') {
    throw new TypeError(`'${m}' HTTP method is unsupported.`);
  }
  return normalisedMethods.includes(upper) ? upper : m;
}

let takeBody: (request: Request) => Uint8Array | null;

/** The body fetch() sends (marked used; TypeError if it was read before), or null. */
export function sendableBody(request: Request): Uint8Array | null {
  return takeBody(request);
}

/** Parses an absolute URL with the sandbox's URL (there is no base URL in a function). */
export function parseUrl(input: unknown): URL {
  try {
    return new URL(String(input));
  } catch (e) {
    throw new TypeError(`Failed to parse URL from ${String(input)}`, { cause: e });
  }
}

/** Request per the Fetch standard, for fetch() from a function (no browser-only behaviour). */
export class Request extends Body {
  readonly #url: URL;
  readonly #method: string;
  readonly #headers: Headers;
  readonly #signal: AbortSignal;
  readonly #redirect: 'follow' | 'error' | 'manual';
  readonly #init: RequestInit;

  constructor(input: string | URL | Request, init: RequestInit = {}) {
    const from = input instanceof Request ? input : undefined;
    const url = from ? from.#url : parseUrl(input);
    if (url.username || url.password) {
      throw new TypeError(`Request cannot be constructed from a URL that includes credentials: ${url.href}`);
    }
    const options = init ?? {};
    const method =
      options.method !== undefined ? normaliseMethod(options.method) : from ? from.#method : 'GET';
    const headers = new Headers(
      options.headers !== undefined ? options.headers : from ? from.#headers : undefined,
    );
    let bytes: Uint8Array | null = null;
    if (options.body !== undefined && options.body !== null) {
      if (method === 'GET' || method === 'HEAD')
        throw new TypeError('Request with GET/HEAD method cannot have body.');
      const extracted = extractBody(options.body);
      bytes = extracted.bytes;
      if (extracted.contentType && !headers.has('content-type'))
        headers.set('content-type', extracted.contentType);
    } else if (from && options.body === undefined) {
      bytes = from.peekBytes();
      if (bytes && (method === 'GET' || method === 'HEAD')) {
        throw new TypeError('Request with GET/HEAD method cannot have body.');
      }
      if (bytes) from.consume(); // the body moves to the new request
    }
    super(bytes);
    const redirect = options.redirect ?? (from ? from.#redirect : 'follow');
    if (!redirectModes.includes(redirect)) {
      throw new TypeError(`'${String(redirect)}' is not a valid RequestRedirect value`);
    }
    const signal = options.signal !== undefined ? options.signal : from ? from.#signal : undefined;
    if (signal !== undefined && signal !== null && !(signal instanceof AbortSignal)) {
      throw new TypeError("Failed to construct 'Request': member signal is not of type AbortSignal.");
    }
    this.#url = url;
    this.#method = method;
    this.#headers = headers;
    this.#redirect = redirect;
    this.#signal = signal ?? new AbortController().signal;
    this.#init = { ...(from ? from.#init : {}), ...options };
  }

  get url(): string {
    return this.#url.href;
  }
  get method(): string {
    return this.#method;
  }
  get headers(): Headers {
    return this.#headers;
  }
  get signal(): AbortSignal {
    return this.#signal;
  }
  get redirect(): 'follow' | 'error' | 'manual' {
    return this.#redirect;
  }
  get cache(): string {
    return this.#init.cache ?? 'default';
  }
  get credentials(): string {
    return this.#init.credentials ?? 'same-origin';
  }
  get integrity(): string {
    return this.#init.integrity ?? '';
  }
  get keepalive(): boolean {
    return Boolean(this.#init.keepalive);
  }
  get mode(): string {
    return this.#init.mode ?? 'cors';
  }
  get referrer(): string {
    return 'about:client';
  }
  get referrerPolicy(): string {
    return this.#init.referrerPolicy ?? '';
  }
  get destination(): string {
    return '';
  }
  get duplex(): string {
    return 'half';
  }

  clone(): Request {
    const bytes = this.peekBytes();
    return new Request(this, {
      body: bytes === null ? undefined : bytes.slice(),
      headers: new Headers(this.#headers),
    });
  }

  static {
    takeBody = (request) => {
      const bytes = request.peekBytes();
      if (bytes !== null) request.consume();
      return bytes;
    };
  }

  get [Symbol.toStringTag](): string {
    return 'Request';
  }
}
