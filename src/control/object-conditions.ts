import type { StoredObject } from '../store/object-store';
import { s3Errors } from './object-errors';

type Header = (name: string) => string | undefined;

const seconds = (ms: number) => Math.floor(ms / 1000);

function date(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : t;
}

/** Whether an If-Match / If-None-Match list names the object's ETag (`*` names any). */
function etagListMatches(list: string, etag: string): boolean {
  return list.split(',').some((v) => {
    const t = v.trim().replace(/^W\//, '');
    return t === '*' || t.replace(/^"|"$/g, '') === etag;
  });
}

/**
 * GET/HEAD conditions, in S3's order: If-Match (412; when it holds, If-Unmodified-Since is not
 * consulted), If-Unmodified-Since (412), If-None-Match (304; when it fails, If-Modified-Since is
 * not consulted), If-Modified-Since (304). Returns 'not-modified' or 'ok'; throws PreconditionFailed.
 */
export function checkConditions(object: StoredObject, header: Header): 'ok' | 'not-modified' {
  const ifMatch = header('if-match');
  const ifUnmodified = date(header('if-unmodified-since'));
  const ifNoneMatch = header('if-none-match');
  const ifModified = date(header('if-modified-since'));
  const modified = seconds(object.lastModified);
  if (ifMatch !== undefined) {
    if (!etagListMatches(ifMatch, object.etag)) throw s3Errors.preconditionFailed('If-Match');
  } else if (ifUnmodified !== undefined && modified > seconds(ifUnmodified)) {
    throw s3Errors.preconditionFailed('If-Unmodified-Since');
  }
  if (ifNoneMatch !== undefined) {
    if (etagListMatches(ifNoneMatch, object.etag)) return 'not-modified';
  } else if (ifModified !== undefined && modified <= seconds(ifModified)) {
    return 'not-modified';
  }
  return 'ok';
}

/** CopyObject / UploadPartCopy source conditions (x-amz-copy-source-if-*): each failure is 412. */
export function checkCopySourceConditions(object: StoredObject, header: Header): void {
  const h = (n: string) => header(`x-amz-copy-source-${n}`);
  const ifMatch = h('if-match');
  const ifNoneMatch = h('if-none-match');
  const ifUnmodified = date(h('if-unmodified-since'));
  const ifModified = date(h('if-modified-since'));
  const modified = seconds(object.lastModified);
  if (ifMatch !== undefined) {
    if (!etagListMatches(ifMatch, object.etag))
      throw s3Errors.preconditionFailed('x-amz-copy-source-If-Match');
  } else if (ifUnmodified !== undefined && modified > seconds(ifUnmodified)) {
    throw s3Errors.preconditionFailed('x-amz-copy-source-If-Unmodified-Since');
  }
  if (ifNoneMatch !== undefined) {
    if (etagListMatches(ifNoneMatch, object.etag))
      throw s3Errors.preconditionFailed('x-amz-copy-source-If-None-Match');
  } else if (ifModified !== undefined && modified <= seconds(ifModified)) {
    throw s3Errors.preconditionFailed('x-amz-copy-source-If-Modified-Since');
  }
}

/** An inclusive byte range. */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * A Range header for an object of `size` bytes: one `bytes=` range (first-last, first-, -suffix).
 * Syntax S3 does not serve (several ranges, other units, last < first) is ignored: the whole
 * object is sent. A range that starts at or past the end is InvalidRange (416).
 */
export function parseRange(header: string | undefined, size: number): ByteRange | undefined {
  if (header === undefined) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0 || size === 0) throw s3Errors.invalidRange(header, size);
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Number(m[2]);
  if (m[2] !== '' && end < start) return undefined;
  if (start >= size) throw s3Errors.invalidRange(header, size);
  return { start, end: Math.min(end, size - 1) };
}
