import { randomBytes } from 'node:crypto';
import { XMLParser } from 'fast-xml-parser';
import type { Context } from 'hono';
import type { S3Error } from '../control/notifications';
import { S3Failure, s3Errors } from '../control/object-errors';
import { escapeXml } from './xml';

/** S3's REST-XML wire: documents, errors and request ids. */

export const xmlHeader = '<?xml version="1.0" encoding="UTF-8"?>\n';
export const s3Namespace = 'http://s3.amazonaws.com/doc/2006-03-01/';

/** Escapes text for an XML element or attribute. */
export function esc(s: string): string {
  return escapeXml(s).replace(/\r/g, '&#13;');
}

/** `<Name>value</Name>`, escaped; nothing for undefined. */
export function el(name: string, value: string | number | boolean | undefined): string {
  return value === undefined ? '' : `<${name}>${esc(String(value))}</${name}>`;
}

/** A complete XML response with S3's namespace on the root element. */
export function xmlResponse(c: Context, root: string, inner: string, status = 200): Response {
  return c.body(`${xmlHeader}<${root} xmlns="${s3Namespace}">${inner}</${root}>`, status as 200, {
    'Content-Type': 'application/xml',
  });
}

/** S3's request id for one request (x-amz-request-id), set on the response. */
export function requestIdOf(c: Context): string {
  let id = c.get('s3RequestId' as never) as string | undefined;
  if (!id) {
    id = randomBytes(8).toString('hex').toUpperCase();
    c.set('s3RequestId' as never, id as never);
    c.header('x-amz-request-id', id);
    c.header('x-amz-id-2', id);
  }
  return id;
}

/** An S3 error as S3 sends it: `<Error>` with Code, Message, the extra elements, Resource, RequestId. */
export function s3ErrorResponse(c: Context, e: S3Error): Response {
  const requestId = requestIdOf(c);
  if (c.req.method === 'HEAD') return c.body(null, e.status as 400);
  const detail = e instanceof S3Failure ? e.detail : {};
  const extra = Object.entries(detail)
    .map(([k, v]) => el(k, v))
    .join('');
  return c.body(
    `${xmlHeader}<Error>${el('Code', e.code)}${el('Message', e.message)}${extra}${el('Resource', c.req.path)}${el('RequestId', requestId)}</Error>`,
    e.status as 400,
    { 'Content-Type': 'application/xml' },
  );
}

/** S3's ISO 8601 timestamps with milliseconds. */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}

/** An ETag as S3 quotes it. */
export function quoted(etag: string): string {
  return `"${etag}"`;
}

const parser = new XMLParser({
  ignoreAttributes: true,
  removeNSPrefix: true,
  parseTagValue: false,
  trimValues: false,
  isArray: (name) => ['Object', 'Part'].includes(name),
});

/** Parses a request document and returns its root element; MalformedXML otherwise. */
export function parseXmlRoot(text: string, root: string): Record<string, any> {
  let doc: Record<string, any>;
  try {
    doc = parser.parse(text, true);
  } catch {
    throw s3Errors.malformedXml();
  }
  const value = doc[root];
  if (value === undefined) throw s3Errors.malformedXml();
  return typeof value === 'object' && value !== null ? value : {};
}

/** A text member of a parsed element, or undefined. */
export function text(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'object' && v !== null && typeof (v as any)['#text'] === 'string')
    return (v as any)['#text'];
  if (v === '' || (typeof v === 'object' && v !== null && Object.keys(v).length === 0)) return '';
  return undefined;
}
