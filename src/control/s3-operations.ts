/**
 * Which S3 operation a request is, read once from its method, address and query, for the routes
 * (which dispatch on it) and the auth middleware (which authorises its IAM action) alike.
 */

/** Bucket and key a request addresses (either may be absent: ListBuckets, bucket operations). */
export interface S3Address {
  bucket?: string;
  key?: string;
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/**
 * The address of a request: virtual-host style when the Host is `<bucket>.localhost[:port]`,
 * else path style (`/bucket/key`). `pathname` is the URL's path, still percent-encoded.
 */
export function s3Address(host: string | undefined, pathname: string): S3Address {
  const virtual = /^([^:]+)\.localhost(?::\d+)?$/i.exec(host ?? '')?.[1];
  const rest = pathname.replace(/^\//, '');
  let bucket: string | undefined;
  let rawKey: string;
  if (virtual) {
    bucket = virtual.toLowerCase();
    rawKey = rest;
  } else {
    const slash = rest.indexOf('/');
    bucket = decode(slash < 0 ? rest : rest.slice(0, slash)) || undefined;
    rawKey = slash < 0 ? '' : rest.slice(slash + 1);
  }
  return { bucket, key: rawKey === '' ? undefined : decode(rawKey) };
}

/** An S3 operation and the IAM action it needs. */
export interface S3Operation {
  name: string;
  action: string;
  /** The operation reads this object too (CopyObject, UploadPartCopy): s3:GetObject on it. */
  copySource?: { bucket: string; key: string };
}

/** Bucket sub-resources islet does not implement (answered NotImplemented). */
const bucketSubresources = [
  'acl',
  'policy',
  'cors',
  'lifecycle',
  'tagging',
  'versioning',
  'website',
  'encryption',
  'logging',
  'replication',
  'requestPayment',
  'accelerate',
  'analytics',
  'inventory',
  'metrics',
  'intelligent-tiering',
  'ownershipControls',
  'publicAccessBlock',
  'object-lock',
  'policyStatus',
  'versions',
  'session',
];
const objectSubresources = [
  'acl',
  'tagging',
  'retention',
  'legal-hold',
  'torrent',
  'restore',
  'attributes',
  'select',
];

/** A subresource of the query islet does not implement, if any. */
export function unsupportedSubresource(query: URLSearchParams, onObject: boolean): string | undefined {
  return (onObject ? objectSubresources : bucketSubresources).find((s) => query.has(s));
}

/** x-amz-copy-source: "bucket/key" or "/bucket/key", URL-encoded, optionally with ?versionId=. */
export function parseCopySourceHeader(
  v: string,
): { bucket: string; key: string; versionId?: string } | undefined {
  let s = v.startsWith('/') ? v.slice(1) : v;
  let versionId: string | undefined;
  const q = s.indexOf('?');
  if (q >= 0) {
    const query = new URLSearchParams(s.slice(q + 1));
    s = s.slice(0, q);
    versionId = query.get('versionId') ?? undefined;
  }
  const slash = s.indexOf('/');
  if (slash <= 0 || slash === s.length - 1) return undefined;
  return { bucket: decode(s.slice(0, slash)), key: decode(s.slice(slash + 1)), versionId };
}

/**
 * The operation of a request, or undefined when it is none islet knows (the routes then answer
 * NotImplemented or MethodNotAllowed).
 */
export function s3OperationOf(
  method: string,
  address: S3Address,
  query: URLSearchParams,
  header: (name: string) => string | undefined,
): S3Operation | undefined {
  const op = (name: string, action: string): S3Operation => ({ name, action });
  const { bucket, key } = address;
  if (!bucket) return method === 'GET' ? op('ListBuckets', 's3:ListAllMyBuckets') : undefined;
  if (key === undefined) {
    if (query.has('notification')) {
      if (method === 'PUT') return op('PutBucketNotificationConfiguration', 's3:PutBucketNotification');
      if (method === 'GET') return op('GetBucketNotificationConfiguration', 's3:GetBucketNotification');
      return undefined;
    }
    if (unsupportedSubresource(query, false)) return undefined;
    if (method === 'GET' && query.has('location')) return op('GetBucketLocation', 's3:GetBucketLocation');
    if (method === 'GET' && query.has('uploads'))
      return op('ListMultipartUploads', 's3:ListBucketMultipartUploads');
    if (method === 'POST' && query.has('delete')) return op('DeleteObjects', 's3:DeleteObject');
    if (method === 'GET')
      return query.get('list-type') === '2'
        ? op('ListObjectsV2', 's3:ListBucket')
        : op('ListObjects', 's3:ListBucket');
    if (method === 'PUT') return op('CreateBucket', 's3:CreateBucket');
    if (method === 'HEAD') return op('HeadBucket', 's3:ListBucket');
    if (method === 'DELETE') return op('DeleteBucket', 's3:DeleteBucket');
    return undefined;
  }
  if (unsupportedSubresource(query, true)) return undefined;
  const copy = header('x-amz-copy-source');
  const source = copy === undefined ? undefined : parseCopySourceHeader(copy);
  const withSource = (o: S3Operation): S3Operation =>
    source ? { ...o, copySource: { bucket: source.bucket, key: source.key } } : o;
  if (query.has('uploadId')) {
    if (method === 'PUT') return withSource(op(copy ? 'UploadPartCopy' : 'UploadPart', 's3:PutObject'));
    if (method === 'POST') return op('CompleteMultipartUpload', 's3:PutObject');
    if (method === 'DELETE') return op('AbortMultipartUpload', 's3:AbortMultipartUpload');
    if (method === 'GET') return op('ListParts', 's3:ListMultipartUploadParts');
    return undefined;
  }
  if (method === 'POST' && query.has('uploads')) return op('CreateMultipartUpload', 's3:PutObject');
  if (method === 'PUT') return withSource(op(copy ? 'CopyObject' : 'PutObject', 's3:PutObject'));
  if (method === 'GET') return op('GetObject', 's3:GetObject');
  if (method === 'HEAD') return op('HeadObject', 's3:GetObject');
  if (method === 'DELETE') return op('DeleteObject', 's3:DeleteObject');
  return undefined;
}
