import { TextEncoder } from '../encoding';
import { Body, extractBody, initBody } from './body';
import { Headers, type HeadersInit, immutableHeaders } from './headers';
import { parseUrl } from './request';

export interface ResponseInit {
  status?: number;
  statusText?: string;
  headers?: HeadersInit;
}

/** What the host answered for one fetch() (see services/fetch.ts). */
export interface FetchedResponse {
  url: string;
  status: number;
  statusText: string;
  headers: Array<[string, string]>;
  body?: Uint8Array;
  redirected: boolean;
}

type ResponseType = 'basic' | 'cors' | 'default' | 'error' | 'opaque' | 'opaqueredirect';

const nullBodyStatuses = [101, 103, 204, 205, 304];
const redirectStatuses = [301, 302, 303, 307, 308];

let build: (
  bytes: Uint8Array | null,
  fields: {
    status: number;
    statusText: string;
    headers: Headers;
    type: ResponseType;
    url: string;
    redirected: boolean;
  },
) => Response;

/** Response per the Fetch standard. */
export class Response extends Body {
  #status = 200;
  #statusText = '';
  #headers: Headers;
  #type: ResponseType = 'default';
  #url = '';
  #redirected = false;

  constructor(body?: unknown, init: ResponseInit = {}) {
    const options = init ?? {};
    const status = options.status === undefined ? 200 : Number(options.status);
    if (!Number.isInteger(status) || status < 200 || status > 599) {
      throw new RangeError(`init["status"] must be in the range of 200 to 599, inclusive.`);
    }
    const statusText = options.statusText === undefined ? '' : String(options.statusText);
    if (!/^[\t\x20-\x7e\x80-\xff]*$/.test(statusText)) throw new TypeError('Invalid statusText');
    const headers = new Headers(options.headers);
    let bytes: Uint8Array | null = null;
    if (body !== undefined && body !== null) {
      if (nullBodyStatuses.includes(status))
        throw new TypeError(`Response constructor: Invalid response status code ${status}`);
      const extracted = extractBody(body);
      bytes = extracted.bytes;
      if (extracted.contentType && !headers.has('content-type'))
        headers.set('content-type', extracted.contentType);
    }
    super(bytes);
    this.#status = status;
    this.#statusText = statusText;
    this.#headers = headers;
  }

  static {
    build = (bytes, fields) => {
      const r = new Response(null);
      initBody(r, bytes);
      r.#status = fields.status;
      r.#statusText = fields.statusText;
      r.#headers = fields.headers;
      r.#type = fields.type;
      r.#url = fields.url;
      r.#redirected = fields.redirected;
      return r;
    };
  }

  get status(): number {
    return this.#status;
  }
  get statusText(): string {
    return this.#statusText;
  }
  get ok(): boolean {
    return this.#status >= 200 && this.#status <= 299;
  }
  get headers(): Headers {
    return this.#headers;
  }
  get type(): ResponseType {
    return this.#type;
  }
  get url(): string {
    return this.#url;
  }
  get redirected(): boolean {
    return this.#redirected;
  }

  clone(): Response {
    if (this.#type === 'error') return Response.error();
    const bytes = this.peekBytes();
    return build(bytes === null ? null : bytes.slice(), {
      status: this.#status,
      statusText: this.#statusText,
      headers: this.#type === 'basic' ? immutableHeaders(this.#headers) : new Headers(this.#headers),
      type: this.#type,
      url: this.#url,
      redirected: this.#redirected,
    });
  }

  static error(): Response {
    return build(null, {
      status: 0,
      statusText: '',
      headers: immutableHeaders(),
      type: 'error',
      url: '',
      redirected: false,
    });
  }

  static redirect(url: string | URL, status = 302): Response {
    const location = parseUrl(url).href;
    if (!redirectStatuses.includes(status)) throw new RangeError(`Invalid status code ${status}`);
    return build(null, {
      status,
      statusText: '',
      headers: immutableHeaders([['location', location]]),
      type: 'default',
      url: '',
      redirected: false,
    });
  }

  static json(data: unknown, init: ResponseInit = {}): Response {
    const text = JSON.stringify(data);
    if (text === undefined) throw new TypeError('Value is not JSON serializable');
    const headers = new Headers(init?.headers);
    if (!headers.has('content-type')) headers.set('content-type', 'application/json');
    return new Response(new TextEncoder().encode(text), { ...init, headers });
  }

  get [Symbol.toStringTag](): string {
    return 'Response';
  }
}

/** The Response a function sees for what the host fetched: immutable headers, type 'basic'. */
export function fetchedResponse(out: FetchedResponse): Response {
  return build(out.body ?? null, {
    status: out.status,
    statusText: out.statusText,
    headers: immutableHeaders(out.headers),
    type: 'basic',
    url: out.url,
    redirected: out.redirected,
  });
}

/** A Response for a data: URL, made in the sandbox. */
export function localResponse(url: string, bytes: Uint8Array, contentType: string): Response {
  return build(bytes, {
    status: 200,
    statusText: 'OK',
    headers: immutableHeaders([['content-type', contentType]]),
    type: 'basic',
    url,
    redirected: false,
  });
}
