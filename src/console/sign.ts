import { Sha256Js } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';

/** An access key the user typed in; kept in sessionStorage only (gone with the tab). */
export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

const storageKey = 'islet.credentials';

/** The credentials of this tab, if the user signed in. */
export function storedCredentials(): Credentials | undefined {
  try {
    const raw = sessionStorage.getItem(storageKey);
    const c = raw ? (JSON.parse(raw) as Credentials) : undefined;
    return c && typeof c.accessKeyId === 'string' && typeof c.secretAccessKey === 'string' ? c : undefined;
  } catch {
    return undefined;
  }
}

/** Keeps credentials for this tab (undefined forgets them). */
export function storeCredentials(c: Credentials | undefined): void {
  if (c) sessionStorage.setItem(storageKey, JSON.stringify(c));
  else sessionStorage.removeItem(storageKey);
}

/** A request about to be sent with fetch(). */
export interface OutgoingRequest {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body?: string;
}

/**
 * The headers that sign `req` with SigV4 for `service` (lambda, monitoring, logs) in `region`:
 * Authorization, X-Amz-Date, X-Amz-Content-Sha256 and the session token. The secret never leaves
 * the page; SHA-256 runs in JavaScript so that signing also works where WebCrypto is not offered
 * (plain http on a non-loopback address).
 */
export async function signatureHeaders(
  req: OutgoingRequest,
  service: string,
  region: string,
  credentials: Credentials,
): Promise<Record<string, string>> {
  const signer = new SignatureV4({ credentials, region, service, sha256: Sha256Js, uriEscapePath: true });
  const query: Record<string, string | string[]> = {};
  for (const [k, v] of req.url.searchParams) {
    const prev = query[k];
    query[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  const signed = await signer.sign({
    method: req.method,
    protocol: req.url.protocol,
    hostname: req.url.hostname,
    port: req.url.port ? Number(req.url.port) : undefined,
    // The path as sent (already percent-encoded); the signer encodes it once more, as AWS does.
    path: req.url.pathname,
    query,
    headers: { ...req.headers, host: req.url.host },
    body: req.body ?? '',
  });
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(signed.headers)) if (k.toLowerCase() !== 'host') out[k] = String(v);
  return out;
}
