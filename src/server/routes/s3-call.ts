import type { IncomingMessage } from 'node:http';
import type { Context } from 'hono';
import type { Multipart } from '../../control/multipart';
import type { BucketNotifications } from '../../control/notifications';
import { s3Errors } from '../../control/object-errors';
import type { Requester } from '../../control/object-events';
import { type Objects, storedHeaders } from '../../control/objects';
import { InvalidRequestContentError, RequestTooLargeError } from '../../errors';
import { callerOf } from '../auth';
import { readBody } from '../body';
import { requestIdOf } from '../s3-xml';

/** What the embedded S3's routes are given. */
export interface S3Deps {
  notifications: BucketNotifications;
  objects: Objects;
  multipart: Multipart;
  accountId: string;
}

/** One S3 request, addressed and ready for its operation's handler. */
export interface S3Call extends S3Deps {
  bucket?: string;
  key?: string;
  query: URLSearchParams;
}

/** Largest XML request document (DeleteObjects of 1,000 long keys, CompleteMultipartUpload of 10,000 parts). */
const maxXmlBytes = 4 * 1024 * 1024;

/** Reads a small XML request body, refusing larger ones in S3's words. */
export async function readS3Body(c: Context): Promise<Buffer> {
  try {
    return await readBody(c, maxXmlBytes, 'S3');
  } catch (e) {
    if (e instanceof RequestTooLargeError) {
      throw s3Errors.invalidRequest(`The XML document is larger than ${maxXmlBytes} bytes`);
    }
    if (e instanceof InvalidRequestContentError) throw s3Errors.incompleteBody();
    throw e;
  }
}

/**
 * Who is asking, for object events: the verified user, the function calling through islet's SDK
 * shims (set by the in-process client, never by a request), else `anonymous`.
 */
export function requesterOf(c: Context): Requester {
  const env = c.env as { incoming?: IncomingMessage; isletPrincipal?: string } | undefined;
  const ip = env?.incoming?.socket?.remoteAddress?.replace(/^::ffff:/, '') ?? '127.0.0.1';
  return {
    principalId: env?.isletPrincipal ?? callerOf(c)?.userName ?? 'anonymous',
    sourceIp: ip,
    requestId: requestIdOf(c),
  };
}

/** The standard headers and `x-amz-meta-*` user metadata of a request, lower-case names. */
export function headersAndMetadata(c: Context): {
  headers: Record<string, string>;
  metadata: Record<string, string>;
} {
  const all = c.req.header();
  const headers: Record<string, string> = {};
  const metadata: Record<string, string> = {};
  for (const name of storedHeaders) {
    let v = all[name];
    if (name === 'content-encoding' && v !== undefined) {
      // aws-chunked is the transfer framing, not the object's encoding.
      v = v
        .split(',')
        .map((e) => e.trim())
        .filter((e) => e && e !== 'aws-chunked')
        .join(', ');
    }
    if (v) headers[name] = v;
  }
  for (const [name, v] of Object.entries(all)) {
    if (name.startsWith('x-amz-meta-')) metadata[name.slice('x-amz-meta-'.length)] = v;
  }
  return { headers, metadata };
}
