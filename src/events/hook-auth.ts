import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** Outcome of checking a webhook sender. */
export type HookAuthResult = 'ok' | 'missing' | 'invalid';

function sameSecret(a: string, b: string): boolean {
  // Hashing first gives equal lengths, so the comparison time says nothing about the token.
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

/** Whether an address is loopback (IPv4 127/8, ::1, or IPv4-mapped loopback). */
export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const a = address.replace(/^::ffff:/, '');
  return a === '::1' || /^127\.\d+\.\d+\.\d+$/.test(a);
}

/**
 * Authenticates a storage webhook: with a token configured, either `Authorization: Bearer TOKEN`
 * (MinIO's form) or `X-Islet-Signature: sha256=HEX`, an HMAC-SHA256 of the raw body keyed with
 * the token; both compared in constant time. Without a token only loopback senders are accepted.
 */
export function checkHookAuth(
  token: string | undefined,
  headers: { authorization?: string; signature?: string },
  body: Buffer,
  remoteAddress: string | undefined,
): HookAuthResult {
  if (!token) return isLoopback(remoteAddress) ? 'ok' : 'invalid';
  const bearer = /^Bearer (.+)$/i.exec(headers.authorization ?? '')?.[1];
  if (bearer !== undefined) return sameSecret(bearer, token) ? 'ok' : 'invalid';
  const sig = /^sha256=([0-9a-f]{64})$/i.exec(headers.signature ?? '')?.[1];
  if (sig !== undefined) {
    const expected = createHmac('sha256', token).update(body).digest('hex');
    return sameSecret(sig.toLowerCase(), expected) ? 'ok' : 'invalid';
  }
  return headers.signature || headers.authorization ? 'invalid' : 'missing';
}
