import type { Context } from 'hono';
import type { CompletedPart } from '../../control/multipart';
import { parseRange } from '../../control/object-conditions';
import { s3Errors } from '../../control/object-errors';
import { uploadBody } from '../s3-body';
import { el, isoTime, parseXmlRoot, quoted, text, xmlResponse } from '../s3-xml';
import { ownerXml } from './s3-buckets';
import { headersAndMetadata, readS3Body, requesterOf, type S3Call } from './s3-call';
import { copySource } from './s3-objects';

/** S3 multipart uploads of the embedded store: thin translation to control/multipart. */

export function createMultipartUpload(c: Context, call: S3Call): Response {
  const { headers, metadata } = headersAndMetadata(c);
  const upload = call.multipart.create(call.bucket!, call.key!, headers, metadata);
  return xmlResponse(
    c,
    'InitiateMultipartUploadResult',
    el('Bucket', upload.bucket) + el('Key', upload.key) + el('UploadId', upload.uploadId),
  );
}

function partNumberOf(call: S3Call): number {
  const v = call.query.get('partNumber') ?? '';
  if (!/^\d{1,6}$/.test(v)) {
    throw s3Errors.invalidArgument(
      'Part number must be an integer between 1 and 10000, inclusive',
      'partNumber',
      v,
    );
  }
  return Number(v);
}

function uploadIdOf(call: S3Call): string {
  return call.query.get('uploadId') ?? '';
}

export async function uploadPart(c: Context, call: S3Call): Promise<Response> {
  const part = await call.multipart.uploadPart(
    call.bucket!,
    call.key!,
    uploadIdOf(call),
    partNumberOf(call),
    uploadBody(c),
  );
  return c.body(null, 200, { ETag: quoted(part.etag) });
}

export async function uploadPartCopy(c: Context, call: S3Call): Promise<Response> {
  const partNumber = partNumberOf(call);
  const source = copySource(c, call);
  const rangeHeader = c.req.header('x-amz-copy-source-range');
  let range: { start: number; end: number } | undefined;
  if (rangeHeader !== undefined) {
    const m = /^bytes=(\d+)-(\d+)$/.exec(rangeHeader.trim());
    if (!m)
      throw s3Errors.invalidArgument(
        'The x-amz-copy-source-range value must be of the form bytes=first-last',
        'x-amz-copy-source-range',
        rangeHeader,
      );
    range = parseRange(rangeHeader, source.size);
    if (!range || Number(m[2]) >= source.size) throw s3Errors.invalidRange(rangeHeader, source.size);
  }
  const part = await call.multipart.uploadPartCopy(
    call.bucket!,
    call.key!,
    uploadIdOf(call),
    partNumber,
    source,
    range,
  );
  return xmlResponse(
    c,
    'CopyPartResult',
    el('LastModified', isoTime(part.lastModified)) + el('ETag', quoted(part.etag)),
  );
}

export async function completeMultipartUpload(c: Context, call: S3Call): Promise<Response> {
  const body = await readS3Body(c);
  const root = parseXmlRoot(body.toString('utf8'), 'CompleteMultipartUpload');
  const parts: CompletedPart[] = ((root.Part ?? []) as Array<Record<string, unknown>>).map((p) => {
    const n = text(p?.PartNumber)?.trim() ?? '';
    const etag = text(p?.ETag);
    if (!/^\d{1,6}$/.test(n) || etag === undefined) throw s3Errors.malformedXml();
    return { partNumber: Number(n), etag };
  });
  const object = await call.multipart.complete(
    call.bucket!,
    call.key!,
    uploadIdOf(call),
    parts,
    requesterOf(c),
  );
  const location = `${new URL(c.req.url).origin}/${encodeURIComponent(object.bucket)}/${object.key
    .split('/')
    .map(encodeURIComponent)
    .join('/')}`;
  return xmlResponse(
    c,
    'CompleteMultipartUploadResult',
    el('Location', location) +
      el('Bucket', object.bucket) +
      el('Key', object.key) +
      el('ETag', quoted(object.etag)),
  );
}

export function abortMultipartUpload(c: Context, call: S3Call): Response {
  call.multipart.abort(call.bucket!, call.key!, uploadIdOf(call));
  return c.body(null, 204);
}

export function listParts(c: Context, call: S3Call): Response {
  const markerText = call.query.get('part-number-marker') ?? '0';
  const maxText = call.query.get('max-parts') ?? '1000';
  if (!/^\d{1,6}$/.test(markerText) || !/^\d{1,10}$/.test(maxText)) {
    throw s3Errors.invalidArgument(
      'part-number-marker and max-parts must be whole numbers',
      'max-parts',
      maxText,
    );
  }
  const max = Math.min(Number(maxText), 1000);
  const page = call.multipart.listParts(call.bucket!, call.key!, uploadIdOf(call), Number(markerText), max);
  const parts = page.items
    .map(
      (p) =>
        `<Part>${el('PartNumber', p.partNumber)}${el('LastModified', isoTime(p.lastModified))}${el('ETag', quoted(p.etag))}${el('Size', p.size)}</Part>`,
    )
    .join('');
  const last = page.items[page.items.length - 1];
  const owner = ownerXml(call.accountId);
  return xmlResponse(
    c,
    'ListPartsResult',
    [
      el('Bucket', call.bucket),
      el('Key', call.key),
      el('UploadId', page.upload.uploadId),
      owner.replace(/Owner>/g, 'Initiator>'),
      owner,
      el('StorageClass', 'STANDARD'),
      el('PartNumberMarker', Number(markerText)),
      el('NextPartNumberMarker', last?.partNumber ?? 0),
      el('MaxParts', max),
      el('IsTruncated', page.truncated),
      parts,
    ].join(''),
  );
}
