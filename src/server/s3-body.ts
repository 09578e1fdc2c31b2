import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import type { Context } from 'hono';
import { s3Errors } from '../control/object-errors';
import type { IncomingBody } from '../control/objects';

/**
 * Request bodies of S3 uploads as they stream in: plain, or in the `aws-chunked` framing the SDKs
 * and CLIs use for STREAMING-AWS4-HMAC-SHA256-PAYLOAD(-TRAILER) and
 * STREAMING-UNSIGNED-PAYLOAD-TRAILER: `<hex size>[;chunk-signature=...]\r\n<bytes>\r\n` ... `0...\r\n`,
 * then trailer lines (`x-amz-checksum-crc32:...`) and an empty line. The seed signature covers
 * the headers (checked by the auth middleware); chunk signatures are not verified.
 */

const maxLineBytes = 16 * 1024;

/** The raw body stream: Node's request (or the auth middleware's replay of it), else the fetch body. */
function rawStream(c: Context): AsyncIterable<Uint8Array> {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  if (incoming) return incoming;
  const body = c.req.raw.body;
  return body ? Readable.fromWeb(body as any) : Readable.from([]);
}

/** Decodes aws-chunked framing, collecting the trailers into `trailers` once the body ends. */
async function* decodeChunks(
  source: AsyncIterable<Uint8Array>,
  trailers: Record<string, string>,
): AsyncGenerator<Uint8Array> {
  let buf: Buffer = Buffer.alloc(0);
  type State = 'size' | 'data' | 'data-end' | 'trailer' | 'done';
  let state = 'size' as State;
  let remaining = 0;
  const malformed = () => s3Errors.incompleteBody('The aws-chunked body is not framed correctly.');
  for await (const chunk of source) {
    const piece = Buffer.isBuffer(chunk)
      ? chunk
      : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    buf = buf.length ? Buffer.concat([buf, piece]) : piece;
    for (;;) {
      if (state === 'size' || state === 'trailer') {
        const end = buf.indexOf('\r\n');
        if (end < 0) {
          if (buf.length > maxLineBytes) throw malformed();
          break;
        }
        const line = buf.subarray(0, end).toString('latin1');
        buf = buf.subarray(end + 2);
        if (state === 'size') {
          const size = line.split(';')[0].trim();
          if (!/^[0-9a-fA-F]{1,15}$/.test(size)) throw malformed();
          remaining = Number.parseInt(size, 16);
          state = remaining === 0 ? 'trailer' : 'data';
        } else if (line === '') {
          state = 'done';
        } else {
          const colon = line.indexOf(':');
          if (colon <= 0) throw malformed();
          trailers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
        }
      } else if (state === 'data') {
        if (buf.length === 0) break;
        const take = Math.min(remaining, buf.length);
        yield buf.subarray(0, take);
        buf = buf.subarray(take);
        remaining -= take;
        if (remaining === 0) state = 'data-end';
      } else if (state === 'data-end') {
        if (buf.length < 2) break;
        if (buf[0] !== 13 || buf[1] !== 10) throw malformed();
        buf = buf.subarray(2);
        state = 'size';
      } else {
        buf = Buffer.alloc(0); // bytes after the final empty line are ignored
        break;
      }
    }
  }
  // Some clients end right after the last chunk's line, without trailers or the empty line.
  if (state !== 'done' && !(state === 'trailer' && buf.length === 0)) throw s3Errors.incompleteBody();
}

/** Whether a request's body is aws-chunked. */
function isChunked(c: Context): boolean {
  const sha = c.req.header('x-amz-content-sha256') ?? '';
  const encoding = c.req.header('content-encoding') ?? '';
  return sha.startsWith('STREAMING-') || encoding.split(',').some((e) => e.trim() === 'aws-chunked');
}

/** The checksum headers S3 verifies (others are accepted as they are). */
const checksumNames: Record<string, string> = {
  'x-amz-checksum-crc32': 'crc32',
  'x-amz-checksum-sha256': 'sha256',
};

/** The body of an upload, decoded, with the length and digests the client declared. */
export function uploadBody(c: Context): IncomingBody {
  const chunked = isChunked(c);
  const trailers: Record<string, string> = {};
  const lengthHeader = chunked
    ? c.req.header('x-amz-decoded-content-length')
    : c.req.header('content-length');
  let declaredSize: number | undefined;
  if (lengthHeader !== undefined) {
    if (!/^\d{1,16}$/.test(lengthHeader.trim())) {
      throw s3Errors.invalidArgument(
        'The length of the body is not a number',
        'Content-Length',
        lengthHeader,
      );
    }
    declaredSize = Number(lengthHeader);
  }
  const raw = rawStream(c);
  return {
    stream: chunked ? decodeChunks(raw, trailers) : raw,
    declaredSize,
    contentMd5: c.req.header('content-md5'),
    checksums: () => {
      const out: Record<string, string> = {};
      for (const [name, algorithm] of Object.entries(checksumNames)) {
        const v = trailers[name] ?? c.req.header(name);
        if (v !== undefined) out[algorithm] = v.trim();
      }
      // The signed payload hash (checked here rather than by the auth middleware: the body streams).
      const signed = c.req.header('x-amz-content-sha256')?.trim();
      if (signed && /^[0-9a-fA-F]{64}$/.test(signed)) out['content-sha256'] = signed.toLowerCase();
      return out;
    },
  };
}
