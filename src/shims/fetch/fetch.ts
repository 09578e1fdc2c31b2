import { base64ToBytes } from '../wire';
import type { AbortSignal } from './abort';
import { Request, type RequestInit, sendableBody } from './request';
import { type FetchedResponse, fetchedResponse, localResponse, type Response } from './response';

interface HostCall {
  call(service: string, op: string, input: unknown): Promise<unknown>;
}

declare const require: (id: string) => unknown;
let host: HostCall | undefined;
const hostCall = (): HostCall => {
  host ??= require('islet:host-call') as HostCall;
  return host;
};

/** `TypeError: fetch failed` with the host's reason as `cause`, as Node's fetch reports failures. */
function fetchFailed(e: unknown): TypeError {
  const shape = e as { name?: unknown; message?: unknown };
  if (e instanceof Error && typeof shape.name === 'string' && typeof shape.message === 'string') {
    const cause = new Error(shape.message) as Error & { code: string };
    cause.code = shape.name;
    return new TypeError('fetch failed', { cause });
  }
  return new TypeError('fetch failed', { cause: e });
}

function token(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** A data: URL, answered in the sandbox (Fetch standard's data: URL processor). */
function dataUrl(request: Request): Response {
  const url = new URL(request.url);
  const href = url.href.slice(0, url.href.length - url.hash.length);
  const comma = href.indexOf(',');
  if (comma < 0) throw fetchFailed(new TypeError('invalid data: URL (no comma)'));
  let type = href.slice(5, comma).trim();
  const raw = href.slice(comma + 1);
  const percentDecoded: number[] = [];
  for (let i = 0; i < raw.length; i++) {
    const hex = raw.slice(i + 1, i + 3);
    if (raw[i] === '%' && /^[0-9a-fA-F]{2}$/.test(hex)) {
      percentDecoded.push(Number.parseInt(hex, 16));
      i += 2;
    } else percentDecoded.push(raw.charCodeAt(i) & 0xff);
  }
  let bytes = new Uint8Array(percentDecoded);
  const base64 = /;\s*base64$/i.exec(type);
  if (base64) {
    type = type.slice(0, base64.index);
    const text = String.fromCharCode(...bytes).replace(/[\t\n\f\r ]/g, '');
    try {
      if (text.length % 4 === 1 || /[^A-Za-z0-9+/=]|=[^=]/.test(text)) throw new TypeError('bad base64');
      bytes = new Uint8Array(base64ToBytes(text));
    } catch {
      throw fetchFailed(new TypeError('invalid base64 in a data: URL'));
    }
  }
  if (type.startsWith(';')) type = `text/plain${type}`;
  return localResponse(href, bytes, type || 'text/plain;charset=US-ASCII');
}

/**
 * fetch() per the Fetch standard. The request runs on the host (service 'fetch'), under islet's
 * egress policy; failures reject with `TypeError: fetch failed` whose `cause` says why. An
 * AbortSignal rejects at once with its reason and cancels the host's request.
 */
export function fetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
  let request: Request;
  let body: Uint8Array | null;
  try {
    request = new Request(input, init);
    if (request.signal.aborted) return Promise.reject(request.signal.reason);
    if (request.url.startsWith('data:')) return Promise.resolve(dataUrl(request));
    body = sendableBody(request);
  } catch (e) {
    return Promise.reject(e);
  }
  const signal: AbortSignal = request.signal;
  const abortToken = token();
  const call = hostCall().call('fetch', 'Fetch', {
    url: request.url,
    method: request.method,
    headers: [...request.headers],
    ...(body === null ? {} : { body }),
    redirect: request.redirect,
    abortToken,
  });
  return new Promise<Response>((resolve, reject) => {
    let settled = false;
    const onAbort = () => {
      if (settled) return;
      settled = true;
      reject(signal.reason);
      hostCall()
        .call('fetch', 'Abort', { abortToken })
        .catch(() => undefined);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    call.then(
      (out) => {
        if (settled) return;
        settled = true;
        signal.removeEventListener('abort', onAbort);
        resolve(fetchedResponse(out as FetchedResponse));
      },
      (e: unknown) => {
        if (settled) return;
        settled = true;
        signal.removeEventListener('abort', onAbort);
        reject(fetchFailed(e));
      },
    );
  });
}
