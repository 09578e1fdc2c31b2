import { createHash, createHmac } from 'node:crypto';

/**
 * SigV4's request side: reading the signature fields of a request (Authorization header or
 * presigned query) and building its canonical request and string to sign exactly as the AWS SDKs
 * and CLI do, so the signature can be computed again and compared.
 */

/** A request as it arrived, before any parsing that could change what the client signed. */
export interface SignedRequest {
  method: string;
  /** Request target exactly as received: raw path and query, percent-encoding untouched. */
  target: string;
  /** Header name/value pairs in arrival order (names in any case). */
  headers: ReadonlyArray<readonly [string, string]>;
}

/** Why a request is not authenticated; each API maps these to its own error names. */
export type SigV4FailureKind =
  | 'missing' // no signature at all
  | 'malformed' // a signature that cannot be read (or another algorithm)
  | 'bad-scope' // credential scope: wrong date, region, service or terminator
  | 'expired' // X-Amz-Date more than 15 minutes old
  | 'not-yet-valid' // X-Amz-Date more than 15 minutes ahead
  | 'presign-expired' // presigned URL past X-Amz-Expires
  | 'unknown-key'
  | 'inactive-key'
  | 'missing-content-sha256' // S3 header form without x-amz-content-sha256
  | 'content-mismatch' // x-amz-content-sha256 is not the body's hash
  | 'mismatch' // the signature is wrong
  | 'replayed'; // this signature was already used

/** An authentication failure, with AWS's wording in `message` and debugging detail for S3. */
export class SigV4Failure extends Error {
  constructor(
    readonly kind: SigV4FailureKind,
    message: string,
    readonly detail: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'SigV4Failure';
  }
}

/** The signature fields of a request, from its Authorization header or its query. */
export interface SignatureParts {
  form: 'header' | 'query';
  accessKeyId: string;
  scope: { date: string; region: string; service: string; terminator: string };
  signedHeaders: string[];
  /** Lower-case hex, 64 characters. */
  signature: string;
  /** YYYYMMDDTHHMMSSZ as signed. */
  amzDate: string;
  signedAtMs: number;
  /** Presigned URLs only: lifetime in seconds (1 to 604800). */
  expiresSeconds?: number;
}
const algorithm = 'AWS4-HMAC-SHA256';
/** How far X-Amz-Date may be from islet's clock, either way (AWS: 15 minutes). */
export const maxClockSkewMs = 15 * 60_000;
/** Longest presigned-URL lifetime AWS allows (7 days), in seconds. */
const maxPresignSeconds = 604_800;
export const hexSha256 = /^[0-9a-f]{64}$/;

export const sha256Hex = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();

/** RFC 3986 encoding as SigV4 wants it: everything but A-Z a-z 0-9 - _ . ~ is %XX. */
export function uriEscape(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`);
}

function decodeComponent(s: string, what: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw new SigV4Failure('malformed', `The ${what} of the request is not valid percent-encoding.`);
  }
}

/** Raw query pairs, decoded; a key without '=' has the value ''. */
function queryPairs(rawQuery: string): Array<[string, string]> {
  if (rawQuery === '') return [];
  return rawQuery
    .split('&')
    .filter((p) => p !== '')
    .map((p) => {
      const eq = p.indexOf('=');
      const [k, v] = eq === -1 ? [p, ''] : [p.slice(0, eq), p.slice(eq + 1)];
      return [decodeComponent(k, 'query string'), decodeComponent(v, 'query string')];
    });
}

function splitTarget(target: string): { path: string; query: string } {
  const q = target.indexOf('?');
  return q === -1 ? { path: target, query: '' } : { path: target.slice(0, q), query: target.slice(q + 1) };
}

/** Parses YYYYMMDDTHHMMSSZ, or an HTTP date (the `Date` header); NaN if neither. */
function parseAmzDate(value: string): { amzDate: string; ms: number } {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (m) {
    const ms = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]);
    return { amzDate: value, ms };
  }
  const ms = Date.parse(value);
  return { amzDate: Number.isNaN(ms) ? value : basicIso(ms), ms };
}

/** YYYYMMDDTHHMMSSZ of an instant. */
export function basicIso(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/[-:]/g, '');
}

export function headerValues(req: SignedRequest, name: string): string[] {
  return req.headers.filter(([k]) => k.toLowerCase() === name).map(([, v]) => v);
}

function parseCredential(credential: string): Pick<SignatureParts, 'accessKeyId' | 'scope'> {
  const parts = credential.split('/');
  if (parts.length !== 5 || parts.some((p) => p === '')) {
    throw new SigV4Failure(
      'malformed',
      `Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '${credential.slice(0, 200)}'`,
    );
  }
  const [accessKeyId, date, region, service, terminator] = parts;
  return { accessKeyId, scope: { date, region, service, terminator } };
}

/**
 * Reads the signature fields of a request; undefined when it carries none (no Authorization header
 * and no X-Amz-Credential query). Throws SigV4Failure('malformed') for anything unreadable.
 */
export function readSignature(req: SignedRequest): SignatureParts | undefined {
  const authorization = headerValues(req, 'authorization');
  const pairs = queryPairs(splitTarget(req.target).query);
  const query = new Map(pairs);
  const authParams = pairs.map(([k]) => k).filter((k) => k.startsWith('X-Amz-'));
  if (new Set(authParams).size !== authParams.length) {
    throw new SigV4Failure('malformed', 'The query string has an X-Amz- parameter more than once.');
  }
  const presigned = query.has('X-Amz-Credential') || query.has('X-Amz-Signature');
  if (authorization.length === 0 && !presigned) return undefined;
  if (authorization.length > 0 && presigned) {
    throw new SigV4Failure(
      'malformed',
      'Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter or the Authorization header should be specified',
    );
  }
  if (authorization.length > 1)
    throw new SigV4Failure('malformed', 'The request has more than one Authorization header.');
  return authorization.length ? fromHeader(authorization[0], req) : fromQuery(query);
}

function fromHeader(value: string, req: SignedRequest): SignatureParts {
  const trimmed = value.trim();
  if (!trimmed.startsWith(`${algorithm} `)) {
    throw new SigV4Failure(
      'malformed',
      `Unsupported Authorization type: only ${algorithm} (Signature Version 4) is accepted.`,
    );
  }
  const fields = new Map<string, string>();
  for (const part of trimmed.slice(algorithm.length).split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    if (fields.has(name))
      throw new SigV4Failure('malformed', `Authorization header has '${name.slice(0, 40)}' twice.`);
    fields.set(name, part.slice(eq + 1).trim());
  }
  const missing = ['Credential', 'SignedHeaders', 'Signature'].filter((k) => !fields.get(k));
  if (missing.length) {
    throw new SigV4Failure(
      'malformed',
      missing.map((k) => `Authorization header requires '${k}' parameter.`).join(' '),
    );
  }
  const dateHeader = headerValues(req, 'x-amz-date')[0] ?? headerValues(req, 'date')[0];
  if (dateHeader === undefined) {
    throw new SigV4Failure(
      'malformed',
      "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
    );
  }
  return finish(
    'header',
    fields.get('Credential')!,
    fields.get('SignedHeaders')!,
    fields.get('Signature')!,
    dateHeader,
  );
}

function fromQuery(query: Map<string, string>): SignatureParts {
  const required = [
    'X-Amz-Algorithm',
    'X-Amz-Credential',
    'X-Amz-Signature',
    'X-Amz-SignedHeaders',
    'X-Amz-Date',
  ];
  const missing = required.filter((k) => !query.get(k));
  if (missing.length) {
    throw new SigV4Failure(
      'malformed',
      `Query-string authentication requires the ${missing.join(', ')} parameters.`,
    );
  }
  if (query.get('X-Amz-Algorithm') !== algorithm) {
    throw new SigV4Failure('malformed', `X-Amz-Algorithm only supports "${algorithm}".`);
  }
  const expires = query.get('X-Amz-Expires') ?? '';
  const expiresSeconds = Number(expires);
  if (!/^\d+$/.test(expires) || expiresSeconds < 1 || expiresSeconds > maxPresignSeconds) {
    throw new SigV4Failure(
      'malformed',
      `X-Amz-Expires must be a whole number of seconds from 1 to ${maxPresignSeconds} (7 days).`,
    );
  }
  const parts = finish(
    'query',
    query.get('X-Amz-Credential')!,
    query.get('X-Amz-SignedHeaders')!,
    query.get('X-Amz-Signature')!,
    query.get('X-Amz-Date')!,
  );
  return { ...parts, expiresSeconds };
}

function finish(
  form: 'header' | 'query',
  credential: string,
  signedHeaders: string,
  signature: string,
  date: string,
): SignatureParts {
  const { amzDate, ms } = parseAmzDate(date.trim());
  if (Number.isNaN(ms))
    throw new SigV4Failure('malformed', `X-Amz-Date '${date.slice(0, 40)}' is not a valid date.`);
  const headers = signedHeaders.split(';');
  if (headers.some((h) => h === '' || h !== h.toLowerCase())) {
    throw new SigV4Failure(
      'malformed',
      'SignedHeaders must be a semicolon-separated list of lower-case header names.',
    );
  }
  if (!headers.includes('host')) {
    throw new SigV4Failure('malformed', "'Host' must be a 'SignedHeader' in the AWS Authorization.");
  }
  return {
    form,
    ...parseCredential(credential),
    signedHeaders: headers,
    signature: signature.toLowerCase(),
    amzDate,
    signedAtMs: ms,
  };
}

/** The canonical URI: S3 signs the path as sent; every other service normalises and encodes it again. */
function canonicalPaths(rawPath: string, s3: boolean): string[] {
  if (s3) {
    const reencoded = decodeComponent(rawPath, 'path').split('/').map(uriEscape).join('/');
    return reencoded === rawPath ? [rawPath] : [rawPath, reencoded];
  }
  const segments: string[] = [];
  for (const segment of rawPath.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  const normalized = `${rawPath.startsWith('/') ? '/' : ''}${segments.join('/')}${segments.length && rawPath.endsWith('/') ? '/' : ''}`;
  return [uriEscape(normalized).replace(/%2F/g, '/')];
}

/** Sorted `key=value` pairs, every part encoded, without the signature itself. */
function canonicalQuery(rawQuery: string): string {
  return queryPairs(rawQuery)
    .filter(([k]) => k.toLowerCase() !== 'x-amz-signature')
    .map(([k, v]) => [uriEscape(k), uriEscape(v)] as const)
    .sort(([ka, va], [kb, vb]) => (ka < kb ? -1 : ka > kb ? 1 : va < vb ? -1 : va > vb ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

function canonicalHeaders(req: SignedRequest, names: string[]): string {
  return names
    .map((name) => {
      const values = headerValues(req, name).map((v) =>
        v
          .replace(/[\r\n]/g, ' ')
          .replace(/[ \t]+/g, ' ')
          .trim(),
      );
      return `${name}:${values.join(',')}\n`;
    })
    .join('');
}

/** The canonical requests a request may have been signed as (more than one only for S3 paths). */
export function canonicalRequests(req: SignedRequest, parts: SignatureParts, payloadHash: string): string[] {
  const { path, query } = splitTarget(req.target);
  const rest = `${canonicalQuery(query)}\n${canonicalHeaders(req, parts.signedHeaders)}\n${parts.signedHeaders.join(';')}\n${payloadHash}`;
  return canonicalPaths(path, parts.scope.service === 's3').map(
    (p) => `${req.method.toUpperCase()}\n${p}\n${rest}`,
  );
}

/** The string to sign for a canonical request. */
export function stringToSign(parts: SignatureParts, canonicalRequest: string): string {
  const { date, region, service, terminator } = parts.scope;
  return `${algorithm}\n${parts.amzDate}\n${date}/${region}/${service}/${terminator}\n${sha256Hex(canonicalRequest)}`;
}

/** HMAC-SHA256 signature of a string to sign with the key derived from `secret` and the scope. */
export function signatureOf(secret: string, parts: SignatureParts, toSign: string): Buffer {
  const { date, region, service, terminator } = parts.scope;
  const key = hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), terminator);
  return hmac(key, toSign);
}
