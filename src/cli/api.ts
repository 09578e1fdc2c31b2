import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';
import { call, endpointOf } from './http';

/** Options every API-calling command takes. */
export interface ApiOptions {
  endpoint?: string;
  json?: boolean;
}

/**
 * Credentials for islet's API when it requires signed requests: ISLET_ACCESS_KEY_ID /
 * ISLET_SECRET_ACCESS_KEY, else the standard AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY.
 */
function credentials(): { accessKeyId: string; secretAccessKey: string } | undefined {
  const id = process.env.ISLET_ACCESS_KEY_ID ?? process.env.AWS_ACCESS_KEY_ID;
  const secret = process.env.ISLET_SECRET_ACCESS_KEY ?? process.env.AWS_SECRET_ACCESS_KEY;
  return id && secret ? { accessKeyId: id, secretAccessKey: secret } : undefined;
}

/** Calls an islet API path, signed with SigV4 for `service` when credentials are set. */
export async function apiCall(
  opts: ApiOptions,
  method: string,
  path: string,
  body?: string | Uint8Array,
  headers: Record<string, string> = {},
  service = 'lambda',
): Promise<Response> {
  const url = new URL(`${endpointOf(opts)}${path}`);
  const creds = credentials();
  let allHeaders: Record<string, string> = { ...headers };
  if (creds) {
    const signer = new SignatureV4({
      credentials: creds,
      region: process.env.ISLET_REGION ?? process.env.AWS_REGION ?? 'us-east-1',
      service,
      sha256: Sha256,
    });
    // A repeated key keeps every value: the server signs over all of them.
    const query: Record<string, string | string[]> = {};
    for (const [k, v] of url.searchParams) {
      const seen = query[k];
      query[k] = seen === undefined ? v : [...(Array.isArray(seen) ? seen : [seen]), v];
    }
    const signed = await signer.sign({
      method,
      protocol: url.protocol,
      hostname: url.hostname,
      port: url.port ? Number(url.port) : undefined,
      path: url.pathname,
      query,
      headers: { ...allHeaders, host: url.host },
      body,
    });
    allHeaders = { ...(signed.headers as Record<string, string>) };
    delete allHeaders.host;
  }
  return call(url.toString(), { method, headers: allHeaders, body: body as RequestInit['body'] });
}

/** Calls the API and returns its JSON, or prints the API's error and exits 1. */
export async function apiJson<T>(opts: ApiOptions, method: string, path: string, body?: unknown): Promise<T> {
  const res = await apiCall(
    opts,
    method,
    path,
    body === undefined ? undefined : JSON.stringify(body),
    body === undefined ? {} : { 'content-type': 'application/json' },
  );
  const text = await res.text();
  if (!res.ok) {
    let message = text;
    try {
      const parsed = JSON.parse(text) as { message?: string; Message?: string };
      message = parsed.message ?? parsed.Message ?? text;
    } catch {
      // not JSON: print as is
    }
    console.error(`islet: ${res.headers.get('x-amzn-ErrorType') ?? res.status}: ${message}`);
    process.exit(1);
  }
  return (text ? JSON.parse(text) : {}) as T;
}
