import { AsyncLocalStorage } from 'node:async_hooks';
import { Readable } from 'node:stream';
import { S3Client } from '@aws-sdk/client-s3';

/** Answers one S3 request of the embedded store (islet's S3 routes), given who is asking. */
export type EmbeddedS3Fetch = (request: Request, env: { isletPrincipal: string }) => Promise<Response>;

/** The function on whose behalf the current in-process call runs (for object events' principalId). */
const principal = new AsyncLocalStorage<string>();

/** Runs `fn` with `name` as the principal of the in-process S3 requests it makes. */
export function asPrincipal<T>(name: string, fn: () => Promise<T>): Promise<T> {
  return principal.run(name, fn);
}

interface SdkRequest {
  method: string;
  path: string;
  query?: Record<string, string | string[] | null | undefined>;
  headers: Record<string, string>;
  body?: unknown;
}

function queryString(query: SdkRequest['query']): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(query ?? {})) {
    const key = encodeURIComponent(k);
    if (v === null || v === undefined) parts.push(key);
    else for (const one of Array.isArray(v) ? v : [v]) parts.push(`${key}=${encodeURIComponent(one)}`);
  }
  return parts.length ? `?${parts.join('&')}` : '';
}

function requestBody(body: unknown): RequestInit['body'] {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string' || body instanceof Uint8Array) return body as RequestInit['body'];
  if (body instanceof Readable) return Readable.toWeb(body) as unknown as RequestInit['body'];
  throw new Error('unsupported request body for the embedded S3');
}

/**
 * An SDK request handler that hands each request to the embedded S3's routes directly, without a
 * socket or a signature: the caller was authorised against its role before the SDK ran.
 */
class InProcessHandler {
  readonly metadata = { handlerProtocol: 'http/1.1' };

  constructor(private readonly fetch: EmbeddedS3Fetch) {}

  async handle(request: SdkRequest, options?: { abortSignal?: AbortSignal }) {
    const headers = new Headers();
    for (const [k, v] of Object.entries(request.headers)) if (k.toLowerCase() !== 'host') headers.set(k, v);
    const body = requestBody(request.body);
    const req = new Request(`http://s3.islet.internal${request.path}${queryString(request.query)}`, {
      method: request.method,
      headers,
      body,
      signal: options?.abortSignal as AbortSignal | undefined,
      ...(body instanceof ReadableStream ? { duplex: 'half' } : {}),
    } as RequestInit);
    const res = await this.fetch(req, { isletPrincipal: principal.getStore() ?? 'islet' });
    const out: Record<string, string> = {};
    res.headers.forEach((v, k) => {
      out[k] = v;
    });
    return {
      response: {
        statusCode: res.status,
        reason: res.statusText,
        headers: out,
        body: res.body ? Readable.fromWeb(res.body as any) : Readable.from([]),
      },
    };
  }

  updateHttpClientConfig(): void {}

  httpHandlerConfigs(): Record<string, never> {
    return {};
  }

  destroy(): void {}
}

/** The real S3 client, reaching islet's embedded store in-process. */
export function embeddedS3Client(fetch: EmbeddedS3Fetch, region: string): S3Client {
  return new S3Client({
    endpoint: 'http://s3.islet.internal',
    region,
    forcePathStyle: true,
    credentials: { accessKeyId: 'islet-internal', secretAccessKey: 'unused' },
    requestHandler: new InProcessHandler(fetch) as never,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 1,
  });
}
