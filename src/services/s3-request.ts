import { s3Arn } from '../arns';
import { ServiceCallFailure } from './host';

/** The S3 operations a function may call, as the v3 SDK names them. */
export const s3Operations = [
  'GetObject',
  'PutObject',
  'HeadObject',
  'DeleteObject',
  'DeleteObjects',
  'ListObjectsV2',
  'ListObjects',
  'CopyObject',
  'ListBuckets',
  'HeadBucket',
  'CreateBucket',
  'DeleteBucket',
] as const;
export type S3Operation = (typeof s3Operations)[number];

/** One permission a call needs from the function's role. */
export interface S3Access {
  action: string;
  resource: string;
}

/** A call checked before anything is sent: what to send, where, and what the role must allow. */
export interface S3Request {
  op: S3Operation;
  /** The command input, validated and normalised. */
  input: Record<string, unknown>;
  /** The bucket whose backend serves the call; undefined for ListBuckets. */
  bucket?: string;
  /** CopyObject: the source bucket, which must be served by the same backend. */
  sourceBucket?: string;
  /** Checked, in order, before the call is sent. */
  access: S3Access[];
}

/** S3's longest key, in UTF-8 bytes. */
export const maxKeyBytes = 1024;
/** Most keys one DeleteObjects call takes. */
export const maxDeleteKeys = 1000;

// Legacy (us-east-1) bucket names allow upper case and '_' up to 255 characters; never '/'.
const bucketName = /^[A-Za-z0-9._-]{3,255}$/;
// What Node sends in a header value; anything else would fail inside the HTTP client.
const headerSafe = /^[\t\x20-\x7e\x80-\xff]*$/;
const headerToken = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Members that travel in the URL path or query string (encoded there), not in a header. */
const urlMembers = new Set([
  'Key',
  'Prefix',
  'Delimiter',
  'StartAfter',
  'Marker',
  'ContinuationToken',
  'VersionId',
  'ResponseCacheControl',
  'ResponseContentDisposition',
  'ResponseContentEncoding',
  'ResponseContentLanguage',
  'ResponseContentType',
  'BucketRegion',
]);
const dateMembers = new Set([
  'IfModifiedSince',
  'IfUnmodifiedSince',
  'Expires',
  'ResponseExpires',
  'ObjectLockRetainUntilDate',
  'CopySourceIfModifiedSince',
  'CopySourceIfUnmodifiedSince',
]);
const integerMembers = new Set(['MaxKeys', 'MaxBuckets', 'ContentLength', 'PartNumber']);
/** Structured members each operation takes (validated on their own). */
const structureMembers: Partial<Record<S3Operation, string>> = {
  PutObject: 'Metadata',
  CopyObject: 'Metadata',
  DeleteObjects: 'Delete',
  CreateBucket: 'CreateBucketConfiguration',
};

const invalid = (message: string) => new ServiceCallFailure('InvalidArgument', message);

/** Validates one call, normalises its input and says which permissions it needs. */
export function s3Request(op: string, raw: Record<string, unknown>): S3Request {
  if (!(s3Operations as readonly string[]).includes(op)) {
    throw new ServiceCallFailure(
      'UnsupportedOperation',
      `islet's S3 service has no operation ${op.slice(0, 64)} (it offers ${s3Operations.join(', ')})`,
    );
  }
  const operation = op as S3Operation;
  const input = members(operation, raw);
  if (operation === 'ListBuckets') {
    return { op: operation, input, access: [{ action: 's3:ListAllMyBuckets', resource: '*' }] };
  }
  const bucket = checkBucket(input.Bucket, 'Bucket');
  const onBucket = (action: string): S3Request => ({
    op: operation,
    input,
    bucket,
    access: [{ action, resource: s3Arn(bucket) }],
  });
  const onObject = (action: string): S3Request => ({
    op: operation,
    input,
    bucket,
    access: [{ action, resource: s3Arn(bucket, checkKey(input.Key, 'Key')) }],
  });
  switch (operation) {
    case 'GetObject':
    case 'HeadObject':
      return onObject('s3:GetObject');
    case 'PutObject':
      return onObject('s3:PutObject');
    case 'DeleteObject':
      return onObject('s3:DeleteObject');
    case 'ListObjects':
    case 'ListObjectsV2':
    case 'HeadBucket':
      return onBucket('s3:ListBucket');
    case 'CreateBucket':
      return onBucket('s3:CreateBucket');
    case 'DeleteBucket':
      return onBucket('s3:DeleteBucket');
    case 'DeleteObjects': {
      const del = checkDelete(input.Delete);
      input.Delete = del;
      return {
        op: operation,
        input,
        bucket,
        access: del.Objects.map((o) => ({ action: 's3:DeleteObject', resource: s3Arn(bucket, o.Key) })),
      };
    }
    case 'CopyObject': {
      const key = checkKey(input.Key, 'Key');
      const source = parseCopySource(input.CopySource);
      return {
        op: operation,
        input,
        bucket,
        sourceBucket: source.bucket,
        access: [
          { action: 's3:GetObject', resource: s3Arn(source.bucket, source.key) },
          { action: 's3:PutObject', resource: s3Arn(bucket, key) },
        ],
      };
    }
  }
}

function checkBucket(v: unknown, what: string): string {
  if (typeof v !== 'string' || v === '') throw invalid(`${what} is required (a bucket name)`);
  if (!bucketName.test(v)) {
    throw new ServiceCallFailure(
      'InvalidBucketName',
      `The specified bucket is not valid: ${what} must be 3 to 255 letters, digits, '.', '_' or '-' (got ${JSON.stringify(v.slice(0, 64))})`,
    );
  }
  return v;
}

function checkKey(v: unknown, what: string): string {
  if (typeof v !== 'string' || v === '') throw invalid(`${what} is required (a non-empty string)`);
  // A '.' or '..' segment would be resolved by some servers and proxies into another path
  // (even another bucket) than the ARN the call was authorised for.
  if (v.split('/').some((segment) => segment === '.' || segment === '..')) {
    throw invalid(`${what} must not hold '.' or '..' path segments`);
  }
  const bytes = Buffer.byteLength(v);
  if (bytes > maxKeyBytes) {
    throw new ServiceCallFailure(
      'KeyTooLongError',
      `Your key is too long: ${what} is ${bytes} bytes; the limit is ${maxKeyBytes}`,
    );
  }
  return v;
}

/** Top-level members: scalars of the right kind, the one structure the operation takes, a body. */
function members(op: S3Operation, raw: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, v] of Object.entries(raw)) {
    if (v === undefined || v === null) continue;
    if (name === 'Body') {
      if (op !== 'PutObject') throw invalid(`${op} takes no Body`);
      if (typeof v !== 'string' && !(v instanceof Uint8Array)) throw invalid('Body must be text or bytes');
      out.Body = v;
    } else if (dateMembers.has(name)) {
      const d = v instanceof Date ? v : typeof v === 'string' || typeof v === 'number' ? new Date(v) : null;
      if (!d || Number.isNaN(d.getTime())) throw invalid(`${name} must be a date`);
      out[name] = d;
    } else if (integerMembers.has(name)) {
      const n = typeof v === 'string' && /^\d{1,15}$/.test(v) ? Number(v) : v;
      if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) {
        throw invalid(`${name} must be a whole number of 0 or more`);
      }
      out[name] = n;
    } else if (structureMembers[op] === name) {
      out[name] = structure(name, v);
    } else if (typeof v === 'string') {
      if (!urlMembers.has(name) && !headerSafe.test(v)) {
        throw invalid(
          `${name} holds characters an HTTP header cannot carry (URL-encode it, as S3 expects for CopySource)`,
        );
      }
      out[name] = v;
    } else if (typeof v === 'number' || typeof v === 'boolean') {
      out[name] = v;
    } else {
      throw invalid(`${name} must be a string, number or boolean`);
    }
  }
  return out;
}

function structure(name: string, v: unknown): unknown {
  if (name === 'Metadata') return checkMetadata(v);
  if (name === 'Delete') return v; // checked with the keys it names (checkDelete)
  if (typeof v !== 'object' || Array.isArray(v) || v instanceof Uint8Array || v instanceof Date) {
    throw invalid(`${name} must be an object`);
  }
  return v;
}

function checkMetadata(v: unknown): Record<string, string> {
  if (typeof v !== 'object' || v === null || Array.isArray(v) || v instanceof Uint8Array) {
    throw invalid('Metadata must be an object of strings');
  }
  const out: Record<string, string> = {};
  for (const [k, value] of Object.entries(v)) {
    if (!headerToken.test(k)) throw invalid(`Metadata name ${JSON.stringify(k.slice(0, 64))} is not valid`);
    if (typeof value !== 'string' || !headerSafe.test(value)) {
      throw invalid(`Metadata ${k} must be a string an HTTP header can carry`);
    }
    out[k] = value;
  }
  return out;
}

function checkDelete(v: unknown): { Objects: Array<{ Key: string; VersionId?: string }>; Quiet?: boolean } {
  const malformed = (why: string) =>
    new ServiceCallFailure('MalformedXML', `The XML you provided was not well-formed: ${why}`);
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw malformed('Delete must be { Objects: [{ Key }] }');
  }
  const { Objects: objects, Quiet: quiet } = v as { Objects?: unknown; Quiet?: unknown };
  if (!Array.isArray(objects) || objects.length === 0) throw malformed('Delete.Objects must list keys');
  if (objects.length > maxDeleteKeys) {
    throw malformed(`Delete.Objects lists ${objects.length} keys; the limit is ${maxDeleteKeys}`);
  }
  if (quiet !== undefined && typeof quiet !== 'boolean') throw malformed('Delete.Quiet must be a boolean');
  return {
    Objects: objects.map((o, i) => {
      if (typeof o !== 'object' || o === null) throw malformed(`Delete.Objects[${i}] must be { Key }`);
      const { Key: key, VersionId: versionId } = o as { Key?: unknown; VersionId?: unknown };
      const entry: { Key: string; VersionId?: string } = { Key: checkKey(key, `Delete.Objects[${i}].Key`) };
      if (versionId !== undefined && versionId !== null) {
        if (typeof versionId !== 'string') throw malformed(`Delete.Objects[${i}].VersionId must be a string`);
        entry.VersionId = versionId;
      }
      return entry;
    }),
    ...(quiet === undefined ? {} : { Quiet: quiet }),
  };
}

/** CopySource: "bucket/key" with the key URL-encoded, optionally "/" first and "?versionId=" after. */
export function parseCopySource(v: unknown): { bucket: string; key: string; versionId?: string } {
  if (typeof v !== 'string' || v === '') throw invalid('CopySource is required ("bucket/key", URL-encoded)');
  let s = v.startsWith('/') ? v.slice(1) : v;
  if (s.startsWith('arn:')) throw invalid('CopySource as an access point ARN is not supported by islet');
  let versionId: string | undefined;
  const q = s.indexOf('?');
  if (q >= 0) {
    const query = s.slice(q + 1);
    s = s.slice(0, q);
    if (!query.startsWith('versionId=')) throw invalid('CopySource may only carry ?versionId=');
    versionId = decode(query.slice('versionId='.length));
  }
  const slash = s.indexOf('/');
  if (slash <= 0 || slash === s.length - 1) throw invalid('CopySource must be "bucket/key" (URL-encoded)');
  const bucket = checkBucket(decode(s.slice(0, slash)), 'the CopySource bucket');
  const key = checkKey(decode(s.slice(slash + 1)), 'the CopySource key');
  return versionId === undefined ? { bucket, key } : { bucket, key, versionId };
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw invalid('CopySource is not validly URL-encoded');
  }
}
