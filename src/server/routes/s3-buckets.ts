import { createHash } from 'node:crypto';
import type { Context } from 'hono';
import { s3Errors, s3Limits } from '../../control/object-errors';
import { listObjects } from '../../control/object-listing';
import { el, isoTime, parseXmlRoot, quoted, xmlResponse } from '../s3-xml';
import { readS3Body, type S3Call } from './s3-call';

/** S3 bucket operations and listings of the embedded store: thin translation to control/. */

/** The canonical user id S3 shows as every object's and bucket's owner. */
export function ownerXml(accountId: string): string {
  const id = createHash('sha256').update(`islet:${accountId}`).digest('hex');
  return `<Owner>${el('ID', id)}${el('DisplayName', 'islet')}</Owner>`;
}

export function listBuckets(c: Context, call: S3Call): Response {
  const buckets = call.objects
    .listBuckets()
    .map((b) => `<Bucket>${el('Name', b.name)}${el('CreationDate', isoTime(b.createdAt))}</Bucket>`)
    .join('');
  return xmlResponse(c, 'ListAllMyBucketsResult', `${ownerXml(call.accountId)}<Buckets>${buckets}</Buckets>`);
}

export async function createBucket(c: Context, call: S3Call): Promise<Response> {
  const body = await readS3Body(c);
  if (body.length > 0) {
    const config = parseXmlRoot(body.toString('utf8'), 'CreateBucketConfiguration');
    const location = config.LocationConstraint;
    if (location !== undefined && typeof location !== 'string') throw s3Errors.malformedXml();
    if (location && location !== call.objects.region) {
      throw s3Errors.invalidArgument(
        `The specified location-constraint is not valid: islet serves region ${call.objects.region}`,
        'LocationConstraint',
        location,
      );
    }
  }
  call.objects.createBucket(call.bucket!);
  return c.body(null, 200, { Location: `/${call.bucket}` });
}

export function headBucket(c: Context, call: S3Call): Response {
  call.objects.requireBucket(call.bucket!);
  return c.body(null, 200, { 'x-amz-bucket-region': call.objects.region });
}

export function deleteBucket(c: Context, call: S3Call): Response {
  call.objects.deleteBucket(call.bucket!);
  return c.body(null, 204);
}

export function getBucketLocation(c: Context, call: S3Call): Response {
  call.objects.requireBucket(call.bucket!);
  const region = call.objects.region === 'us-east-1' ? '' : call.objects.region;
  return xmlResponse(c, 'LocationConstraint', region);
}

function maxKeysOf(q: URLSearchParams, name: string): number {
  const v = q.get(name);
  if (v === null) return s3Limits.maxListKeys;
  if (!/^\d{1,10}$/.test(v))
    throw s3Errors.invalidArgument(`Provided ${name} not an integer or within integer range`, name, v);
  return Math.min(Number(v), s3Limits.maxListKeys);
}

const tokenPrefix = 'islet:';

function encodeToken(after: string): string {
  return Buffer.from(tokenPrefix + after).toString('base64url');
}

function decodeToken(token: string): string {
  const text = Buffer.from(token, 'base64url').toString('utf8');
  if (!text.startsWith(tokenPrefix) || encodeToken(text.slice(tokenPrefix.length)) !== token) {
    throw s3Errors.invalidArgument(
      'The continuation token provided is incorrect',
      'continuation-token',
      token,
    );
  }
  return text.slice(tokenPrefix.length);
}

/** ListObjects (v1, marker) and ListObjectsV2 (continuation token, start-after). */
export function listObjectsOf(c: Context, call: S3Call, v2: boolean): Response {
  const q = call.query;
  const bucket = call.bucket!;
  call.objects.requireBucket(bucket);
  const encodingType = q.get('encoding-type') ?? undefined;
  if (encodingType !== undefined && encodingType !== 'url') {
    throw s3Errors.invalidArgument(
      'Invalid Encoding Method specified in Request',
      'encoding-type',
      encodingType,
    );
  }
  const enc = (s: string) => (encodingType ? encodeURIComponent(s).replace(/%2F/g, '/') : s);
  const prefix = q.get('prefix') ?? '';
  const delimiter = q.get('delimiter') ?? '';
  const maxKeys = maxKeysOf(q, 'max-keys');
  const token = v2 ? (q.get('continuation-token') ?? undefined) : undefined;
  const startAfter = v2 ? (q.get('start-after') ?? '') : '';
  const marker = v2 ? '' : (q.get('marker') ?? '');
  const after = token !== undefined ? decodeToken(token) : v2 ? startAfter : marker;
  const page = listObjects(call.objects.store, bucket, { prefix, delimiter, after, maxKeys });
  const owner = v2 && q.get('fetch-owner') !== 'true' ? '' : ownerXml(call.accountId);
  const contents = page.objects
    .map(
      (o) =>
        `<Contents>${el('Key', enc(o.key))}${el('LastModified', isoTime(o.lastModified))}${el('ETag', quoted(o.etag))}${el('Size', o.size)}${owner}${el('StorageClass', 'STANDARD')}</Contents>`,
    )
    .join('');
  const prefixes = page.commonPrefixes
    .map((p) => `<CommonPrefixes>${el('Prefix', enc(p))}</CommonPrefixes>`)
    .join('');
  const head = [
    el('Name', bucket),
    el('Prefix', enc(prefix)),
    delimiter ? el('Delimiter', enc(delimiter)) : '',
    el('MaxKeys', maxKeys),
    encodingType ? el('EncodingType', encodingType) : '',
  ];
  if (v2) {
    head.push(
      el('KeyCount', page.objects.length + page.commonPrefixes.length),
      el('IsTruncated', page.truncated),
      token !== undefined ? el('ContinuationToken', token) : '',
      page.truncated && page.last !== undefined ? el('NextContinuationToken', encodeToken(page.last)) : '',
      startAfter ? el('StartAfter', enc(startAfter)) : '',
    );
  } else {
    head.push(
      el('Marker', enc(marker)),
      el('IsTruncated', page.truncated),
      page.truncated && delimiter && page.last !== undefined ? el('NextMarker', enc(page.last)) : '',
    );
  }
  return xmlResponse(c, 'ListBucketResult', head.join('') + contents + prefixes);
}

/** ListMultipartUploads: uploads in progress under a prefix. */
export function listMultipartUploads(c: Context, call: S3Call): Response {
  const q = call.query;
  const prefix = q.get('prefix') ?? '';
  const keyMarker = q.get('key-marker') ?? '';
  const uploadIdMarker = q.get('upload-id-marker') ?? '';
  const max = maxKeysOf(q, 'max-uploads');
  const page = call.multipart.listUploads(call.bucket!, prefix, keyMarker, uploadIdMarker, max);
  const last = page.items[page.items.length - 1];
  const uploads = page.items
    .map(
      (u) =>
        `<Upload>${el('Key', u.key)}${el('UploadId', u.uploadId)}${ownerXml(call.accountId).replace(/Owner>/g, 'Initiator>')}${ownerXml(call.accountId)}${el('StorageClass', 'STANDARD')}${el('Initiated', isoTime(u.initiated))}</Upload>`,
    )
    .join('');
  return xmlResponse(
    c,
    'ListMultipartUploadsResult',
    [
      el('Bucket', call.bucket),
      el('KeyMarker', keyMarker),
      el('UploadIdMarker', uploadIdMarker),
      el('NextKeyMarker', page.truncated ? last?.key : undefined),
      el('NextUploadIdMarker', page.truncated ? last?.uploadId : undefined),
      el('Prefix', prefix),
      el('MaxUploads', max),
      el('IsTruncated', page.truncated),
      uploads,
    ].join(''),
  );
}
