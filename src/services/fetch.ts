import { Agent, fetch as undiciFetch } from 'undici';
import type { Logger } from '../logger';
import { EgressDenied, type EgressPolicy, egressLookup, type Resolver } from './egress';
import { type CallContext, type Service, ServiceCallFailure } from './host';

/** How fetch() inside functions behaves on the host. */
export interface FetchSettings {
  policy: EgressPolicy;
  /** Whole-request limit, redirects and body included, in ms; the invocation's deadline also bounds it. */
  timeoutMs: number;
  /** Largest response body (after decompression), in bytes. */
  maxResponseBytes: number;
  /** Largest request body, in bytes. */
  maxRequestBytes: number;
  /** Name resolution (the system's by default; tests map their own names). */
  resolve?: Resolver;
}

/** Redirects followed before a fetch fails, as in the Fetch standard. */
export const maxRedirects = 20;

/** Request headers a function cannot set: the host computes them. */
const forbiddenHeaders: ReadonlySet<string> = new Set([
  'host',
  'connection',
  'content-length',
  'transfer-encoding',
  'keep-alive',
  'upgrade',
  'expect',
]);
/** Headers dropped when a redirect leaves the origin (credentials meant for the first one). */
const crossOriginDropped: ReadonlySet<string> = new Set(['authorization', 'proxy-authorization', 'cookie']);
/** Headers dropped when a redirect turns the request into a GET without a body. */
const bodyHeaders: ReadonlySet<string> = new Set([
  'content-type',
  'content-encoding',
  'content-language',
  'content-location',
]);
const tokenPattern = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** What the sandbox's fetch() sends (src/shims/fetch/fetch.ts). */
interface FetchInput {
  url: string;
  method: string;
  headers: Array<[string, string]>;
  body?: Buffer;
  redirect: 'follow' | 'manual' | 'error';
  abortToken?: string;
}

/** What it gets back. */
export interface FetchOutput {
  url: string;
  status: number;
  statusText: string;
  headers: Array<[string, string]>;
  /** Absent for HEAD and null-body statuses. */
  body?: Uint8Array;
  redirected: boolean;
}

const invalid = (message: string) => new ServiceCallFailure('ERR_INVALID_ARG_VALUE', message, 400);

function readInput(raw: Record<string, unknown>, maxRequestBytes: number): FetchInput {
  const { url, method, headers, body, redirect, abortToken } = raw;
  if (typeof url !== 'string' || url.length > 16 * 1024)
    throw invalid('url must be a string of at most 16 KB');
  if (typeof method !== 'string' || !tokenPattern.test(method)) throw invalid('method must be an HTTP token');
  if (!Array.isArray(headers) || headers.length > 1000) throw invalid('headers must be a list of pairs');
  for (const h of headers) {
    if (!Array.isArray(h) || h.length !== 2 || typeof h[0] !== 'string' || typeof h[1] !== 'string') {
      throw invalid('headers must be a list of [name, value] strings');
    }
    const name = h[0].toLowerCase();
    if (!tokenPattern.test(name) || /[\0\r\n]/.test(h[1]))
      throw invalid(`invalid header '${name.slice(0, 64)}'`);
    if (forbiddenHeaders.has(name)) throw invalid(`header '${name}' cannot be set; islet computes it`);
  }
  if (body !== undefined && !Buffer.isBuffer(body)) throw invalid('body must be bytes');
  if (body && body.length > maxRequestBytes) {
    throw new ServiceCallFailure(
      'ISLET_REQUEST_TOO_LARGE',
      `the request body is ${body.length} bytes; islet sends at most ${maxRequestBytes} (--fetch-max-request-bytes)`,
      413,
    );
  }
  if (redirect !== 'follow' && redirect !== 'manual' && redirect !== 'error') {
    throw invalid("redirect must be 'follow', 'manual' or 'error'");
  }
  if (abortToken !== undefined && (typeof abortToken !== 'string' || abortToken.length > 64)) {
    throw invalid('abortToken must be a short string');
  }
  return { url, method, headers: headers as Array<[string, string]>, body, redirect, abortToken };
}

function parseUrl(text: string, base?: URL): URL {
  try {
    return new URL(text, base);
  } catch {
    throw new ServiceCallFailure('ERR_INVALID_URL', `invalid URL: ${text.slice(0, 200)}`, 400);
  }
}

const isRedirect = (status: number) => [301, 302, 303, 307, 308].includes(status);

/**
 * The 'fetch' host service: runs a function's fetch() with undici on a dedicated Agent whose
 * connections go only to addresses the egress policy allows. Operations: Fetch (one request,
 * redirects followed here so each hop is checked) and Abort (the function's AbortSignal fired).
 */
export function fetchService(settings: FetchSettings, logger: Logger): Service {
  const agent = new Agent({
    connect: { lookup: egressLookup(settings.policy, settings.resolve), timeout: 10_000 },
    headersTimeout: 0,
    bodyTimeout: 0,
  });
  // In-flight requests by caller and the token the sandbox chose, so that only the caller can abort.
  const inFlight = new Map<string, AbortController>();
  const key = (ctx: CallContext, token: string) => `${ctx.caller.functionArn}\n${token}`;

  const denied = (ctx: CallContext, e: EgressDenied): ServiceCallFailure => {
    logger.warn('fetch.denied', { function: ctx.caller.functionName, host: e.host, reason: e.reason });
    return new ServiceCallFailure(e.code, e.message, 403);
  };

  const checked = (url: URL, ctx: CallContext): URL => {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      const scheme = url.protocol;
      throw denied(
        ctx,
        new EgressDenied(
          scheme,
          'not http: or https:',
          `${scheme} URLs are not fetched, only http: and https:`,
        ),
      );
    }
    if (url.username || url.password) throw invalid('URLs with credentials cannot be fetched');
    const refused = settings.policy.checkHost(url.hostname);
    if (refused) throw denied(ctx, refused);
    ctx.authorize('islet:Fetch', `url:${url.origin}`);
    return url;
  };

  const readBody = async (
    res: Awaited<ReturnType<typeof undiciFetch>>,
    origin: string,
  ): Promise<Uint8Array> => {
    const tooLarge = () =>
      new ServiceCallFailure(
        'ISLET_RESPONSE_TOO_LARGE',
        `the response body from ${origin} is larger than islet passes into a function (${settings.maxResponseBytes} bytes, --fetch-max-response-bytes)`,
        413,
      );
    const declared = Number(res.headers.get('content-length'));
    if (!res.headers.has('content-encoding') && declared > settings.maxResponseBytes) {
      await res.body?.cancel();
      throw tooLarge();
    }
    if (!res.body) return new Uint8Array(0);
    const chunks: Uint8Array[] = [];
    let total = 0;
    const reader = res.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > settings.maxResponseBytes) {
        await reader.cancel();
        throw tooLarge();
      }
      chunks.push(value);
    }
    return Buffer.concat(chunks, total);
  };

  const run = async (input: FetchInput, ctx: CallContext, signal: AbortSignal): Promise<FetchOutput> => {
    let url = checked(parseUrl(input.url), ctx);
    let method = input.method;
    let body = input.body;
    let headers = input.headers;
    let redirected = false;
    for (let hop = 0; ; hop++) {
      const res = await undiciFetch(url, {
        method,
        headers,
        body,
        redirect: 'manual',
        dispatcher: agent,
        signal,
      });
      const location = res.headers.get('location');
      if (!isRedirect(res.status) || location === null || input.redirect === 'manual') {
        const nullBody = method === 'HEAD' || [101, 103, 204, 205, 304].includes(res.status);
        return {
          url: url.href.slice(0, url.href.length - url.hash.length), // as Node: without the fragment
          status: res.status,
          statusText: res.statusText,
          headers: [...res.headers],
          ...(nullBody ? {} : { body: await readBody(res, url.origin) }),
          redirected,
        };
      }
      await res.body?.cancel();
      if (input.redirect === 'error')
        throw new ServiceCallFailure(
          'ISLET_REDIRECT',
          `unexpected redirect to ${location.slice(0, 200)}`,
          400,
        );
      if (hop >= maxRedirects)
        throw new ServiceCallFailure('ISLET_REDIRECT', `more than ${maxRedirects} redirects`, 400);
      const next = checked(parseUrl(location, url), ctx);
      if (
        (res.status === 303 && method !== 'GET' && method !== 'HEAD') ||
        ((res.status === 301 || res.status === 302) && method === 'POST')
      ) {
        method = 'GET';
        body = undefined;
        headers = headers.filter(([n]) => !bodyHeaders.has(n.toLowerCase()));
      }
      if (next.origin !== url.origin)
        headers = headers.filter(([n]) => !crossOriginDropped.has(n.toLowerCase()));
      url = next;
      redirected = true;
    }
  };

  return async (op, raw, ctx) => {
    if (op === 'Abort') {
      if (typeof raw.abortToken === 'string') inFlight.get(key(ctx, raw.abortToken))?.abort();
      return {};
    }
    if (op !== 'Fetch')
      throw new ServiceCallFailure('UnsupportedOperation', `fetch has no operation ${op.slice(0, 64)}`);
    const input = readInput(raw, settings.maxRequestBytes);
    const aborter = new AbortController();
    const token = input.abortToken === undefined ? undefined : key(ctx, input.abortToken);
    if (token) inFlight.set(token, aborter);
    const timeout = AbortSignal.timeout(settings.timeoutMs);
    try {
      return await run(input, ctx, AbortSignal.any([ctx.signal, aborter.signal, timeout]));
    } catch (e) {
      throw failure(e, { ctx, aborted: aborter.signal.aborted, timedOut: timeout.aborted, settings, denied });
    } finally {
      if (token) inFlight.delete(token);
    }
  };
}

/** Turns what undici threw into the error the function sees as the cause of `fetch failed`. */
function failure(
  e: unknown,
  how: {
    ctx: CallContext;
    aborted: boolean;
    timedOut: boolean;
    settings: FetchSettings;
    denied: (ctx: CallContext, e: EgressDenied) => ServiceCallFailure;
  },
): unknown {
  if (e instanceof ServiceCallFailure) return e;
  if (how.ctx.signal.aborted) return e; // the invocation's deadline: ServiceHost reports it
  if (how.aborted) return new ServiceCallFailure('AbortError', 'This operation was aborted', 400);
  if (how.timedOut) {
    return new ServiceCallFailure(
      'ISLET_FETCH_TIMEOUT',
      `no complete response within ${how.settings.timeoutMs} ms (--fetch-timeout-ms)`,
      504,
    );
  }
  let cause: unknown = e;
  for (let i = 0; i < 5 && cause instanceof Error; i++) {
    if (cause instanceof EgressDenied) return how.denied(how.ctx, cause);
    if (!cause.cause) break;
    cause = cause.cause;
  }
  const err = cause as { code?: unknown; message?: unknown };
  const code = typeof err?.code === 'string' ? err.code : 'ISLET_FETCH_FAILED';
  const message = typeof err?.message === 'string' && err.message ? err.message : 'the request failed';
  return new ServiceCallFailure(code, message, 502, 'server');
}
