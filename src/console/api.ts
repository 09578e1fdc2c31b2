import { page } from './page';
import { signatureHeaders, storedCredentials } from './sign';

/** An error answered by one of islet's APIs, in whichever shape that API uses. */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = code;
  }
}

/** Refusals that mean "sign in" (or "your key is wrong"): the console then asks for an access key. */
const authCodes = new Set([
  'MissingAuthenticationTokenException',
  'MissingAuthenticationToken',
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'InvalidSignatureException',
  'IncompleteSignatureException',
]);

const authListeners = new Set<(e: ApiError) => void>();

/** Calls `listener` whenever an API refuses a request for want of a (valid) signature. */
export function onAuthRequired(listener: (e: ApiError) => void): () => void {
  authListeners.add(listener);
  return () => authListeners.delete(listener);
}

/** Which signing name each API uses. */
export type Service = 'lambda' | 'monitoring' | 'logs';

/** One request to islet: a path on this origin, signed when the tab holds credentials. */
export interface ApiRequest {
  method?: string;
  path: string;
  query?: Record<string, string | number | undefined>;
  headers?: Record<string, string>;
  body?: string;
}

/** RFC 3986 encoding, as SigV4 canonicalises queries. */
function encode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`);
}

async function errorOf(res: Response): Promise<ApiError> {
  let body: Record<string, unknown> = {};
  const text = await res.text().catch(() => '');
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // S3/IAM-style XML or plain text.
    const code = /<Code>([^<]*)<\/Code>/.exec(text)?.[1];
    const message = /<Message>([^<]*)<\/Message>/.exec(text)?.[1];
    if (code) body = { code, message };
    else if (text) body = { message: text.slice(0, 500) };
  }
  const raw =
    res.headers.get('x-amzn-errortype') ??
    (typeof body.__type === 'string' ? body.__type : undefined) ??
    (typeof body.code === 'string' ? body.code : undefined) ??
    (typeof body.Code === 'string' ? body.Code : undefined) ??
    `HTTP${res.status}`;
  const code = raw.split(':')[0].split('#').pop() ?? raw;
  const message =
    (typeof body.message === 'string' && body.message) ||
    (typeof body.Message === 'string' && body.Message) ||
    `${res.status} ${res.statusText}`;
  return new ApiError(code, res.status, message);
}

/** A random request id (getRandomValues works where randomUUID does not: plain http off loopback). */
function invocationId(): string {
  const b = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

/** Sends one request; resolves with the response when it is a success, else rejects with an ApiError. */
export async function send(service: Service, req: ApiRequest): Promise<Response> {
  const url = new URL(req.path, location.origin);
  const query = Object.entries(req.query ?? {}).filter(
    (e): e is [string, string | number] => e[1] !== undefined,
  );
  if (query.length) url.search = query.map(([k, v]) => `${encode(k)}=${encode(String(v))}`).join('&');
  const method = req.method ?? 'GET';
  let headers: Record<string, string> = { ...(req.headers ?? {}) };
  if (req.body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type'))
    headers['Content-Type'] = 'application/json';
  // Without keys islet takes unsigned requests (the CloudWatch APIs are found by X-Amz-Target);
  // once the user signed in, every request is signed. Each signature is used once: a random id
  // keeps two otherwise identical requests in the same second apart.
  const credentials = storedCredentials();
  if (credentials) {
    headers['amz-sdk-invocation-id'] = invocationId();
    headers = {
      ...headers,
      ...(await signatureHeaders(
        { method, url, headers, body: req.body },
        service,
        page.region,
        credentials,
      )),
    };
  }
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      headers,
      body: req.body,
      credentials: 'same-origin',
      cache: 'no-store',
    });
  } catch (e) {
    throw new ApiError('NetworkError', 0, `islet did not answer (${(e as Error).message})`);
  }
  if (res.ok) return res;
  const err = await errorOf(res);
  if (authCodes.has(err.code)) for (const l of authListeners) l(err);
  throw err;
}

/** A request whose answer is JSON (or empty). */
export async function sendJson<T>(service: Service, req: ApiRequest): Promise<T> {
  const res = await send(service, req);
  const text = await res.text();
  return (text ? JSON.parse(text) : {}) as T;
}

/** An awsJson 1.0/1.1 call: POST / with X-Amz-Target. */
export function rpc<T>(service: Service, target: string, version: '1.0' | '1.1', input: unknown): Promise<T> {
  return sendJson<T>(service, {
    method: 'POST',
    path: '/',
    headers: { 'Content-Type': `application/x-amz-json-${version}`, 'X-Amz-Target': target },
    body: JSON.stringify(input),
  });
}

/** A short, human message for an error of any kind. */
export function describeError(e: unknown): string {
  if (e instanceof ApiError) return `${e.code}: ${e.message}`;
  if (e instanceof Error) return e.message;
  return String(e);
}
