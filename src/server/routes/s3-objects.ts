import { Readable } from 'node:stream';
import type { Context } from 'hono';
import { checkConditions, checkCopySourceConditions, parseRange } from '../../control/object-conditions';
import { S3Failure, s3Errors, s3Limits } from '../../control/object-errors';
import { storedHeaders } from '../../control/objects';
import { parseCopySourceHeader } from '../../control/s3-operations';
import type { StoredObject } from '../../store/object-store';
import { uploadBody } from '../s3-body';
import { el, isoTime, parseXmlRoot, quoted, text, xmlResponse } from '../s3-xml';
import { headersAndMetadata, readS3Body, requesterOf, type S3Call } from './s3-call';

/** S3 object operations of the embedded store: thin translation to control/. */

/** The response-* query parameters GetObject and HeadObject accept, and the header each overrides. */
const overrides: Record<string, string> = {
  'response-content-type': 'Content-Type',
  'response-content-language': 'Content-Language',
  'response-expires': 'Expires',
  'response-cache-control': 'Cache-Control',
  'response-content-disposition': 'Content-Disposition',
  'response-content-encoding': 'Content-Encoding',
};

const titleCase = (name: string) => name.replace(/(^|-)([a-z])/g, (_m, d, ch) => d + ch.toUpperCase());

/** The headers GET and HEAD answer with: ETag, Last-Modified, the stored headers, user metadata. */
function objectHeaders(o: StoredObject, query: URLSearchParams): Record<string, string> {
  const h: Record<string, string> = {
    ETag: quoted(o.etag),
    'Last-Modified': new Date(o.lastModified).toUTCString(),
    'Accept-Ranges': 'bytes',
  };
  for (const name of storedHeaders) {
    const v = o.headers[name];
    if (v !== undefined) h[titleCase(name)] = v;
  }
  for (const [k, v] of Object.entries(o.metadata)) h[`x-amz-meta-${k}`] = v;
  for (const [param, header] of Object.entries(overrides)) {
    const v = query.get(param);
    if (v !== null) h[header] = v;
  }
  return h;
}

export async function putObject(c: Context, call: S3Call): Promise<Response> {
  const { headers, metadata } = headersAndMetadata(c);
  const object = await call.objects.putObject(
    call.bucket!,
    call.key!,
    uploadBody(c),
    headers,
    metadata,
    requesterOf(c),
  );
  return c.body(null, 200, { ETag: quoted(object.etag) });
}

/** GetObject and HeadObject: conditions (304/412), a Range (206/416), response-* overrides. */
export function getObject(c: Context, call: S3Call, head: boolean): Response {
  const object = call.objects.getObject(call.bucket!, call.key!);
  const headers = objectHeaders(object, call.query);
  if (checkConditions(object, (n) => c.req.header(n)) === 'not-modified') {
    return c.body(null, 304, { ETag: headers.ETag, 'Last-Modified': headers['Last-Modified'] });
  }
  const range = parseRange(c.req.header('range'), object.size);
  const start = range?.start ?? 0;
  const end = range?.end ?? object.size - 1;
  headers['Content-Length'] = String(end - start + 1);
  if (range) headers['Content-Range'] = `bytes ${start}-${end}/${object.size}`;
  const status = range ? 206 : 200;
  if (head) return c.body(null, status, headers);
  const stream = call.objects.read(object, start, end);
  return c.body(Readable.toWeb(stream) as ReadableStream, status, headers);
}

/** The source object of a copy (x-amz-copy-source), its conditions checked. */
export function copySource(c: Context, call: S3Call): StoredObject {
  const header = c.req.header('x-amz-copy-source') ?? '';
  const source = parseCopySourceHeader(header);
  if (!source)
    throw s3Errors.invalidArgument(
      'Copy Source must mention the source bucket and key: sourcebucket/sourcekey',
      'x-amz-copy-source',
      header,
    );
  if (source.versionId !== undefined && source.versionId !== 'null') {
    throw new S3Failure('NoSuchVersion', 404, 'The specified version does not exist.', {
      Key: source.key,
      VersionId: source.versionId,
    });
  }
  const object = call.objects.getObject(source.bucket, source.key);
  checkCopySourceConditions(object, (n) => c.req.header(n));
  return object;
}

export async function copyObject(c: Context, call: S3Call): Promise<Response> {
  const source = copySource(c, call);
  const directive = c.req.header('x-amz-metadata-directive') ?? 'COPY';
  if (directive !== 'COPY' && directive !== 'REPLACE') {
    throw s3Errors.invalidArgument('Unknown metadata directive.', 'x-amz-metadata-directive', directive);
  }
  const object = await call.objects.copyObject(
    source,
    call.bucket!,
    call.key!,
    directive === 'REPLACE' ? headersAndMetadata(c) : undefined,
    requesterOf(c),
  );
  return xmlResponse(
    c,
    'CopyObjectResult',
    el('LastModified', isoTime(object.lastModified)) + el('ETag', quoted(object.etag)),
  );
}

export async function deleteObject(c: Context, call: S3Call): Promise<Response> {
  await call.objects.deleteObject(call.bucket!, call.key!, requesterOf(c));
  return c.body(null, 204);
}

/** DeleteObjects: up to 1,000 keys; Quiet answers only the failures. */
export async function deleteObjects(c: Context, call: S3Call): Promise<Response> {
  const body = await readS3Body(c);
  const root = parseXmlRoot(body.toString('utf8'), 'Delete');
  const entries = (root.Object ?? []) as unknown[];
  if (entries.length === 0 || entries.length > s3Limits.maxDeleteKeys) throw s3Errors.malformedXml();
  const quiet = text(root.Quiet)?.trim() === 'true';
  const keys = entries.map((e) => {
    const key = text((e as Record<string, unknown>)?.Key);
    if (key === undefined) throw s3Errors.malformedXml();
    return key;
  });
  call.objects.requireBucket(call.bucket!);
  const requester = requesterOf(c);
  const parts: string[] = [];
  for (const key of keys) {
    try {
      await call.objects.deleteObject(call.bucket!, key, requester);
      if (!quiet) parts.push(`<Deleted>${el('Key', key)}</Deleted>`);
    } catch (e) {
      if (!(e instanceof S3Failure)) throw e;
      parts.push(`<Error>${el('Key', key)}${el('Code', e.code)}${el('Message', e.message)}</Error>`);
    }
  }
  return xmlResponse(c, 'DeleteResult', parts.join(''));
}
