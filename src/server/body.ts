import type { IncomingMessage } from 'node:http';
import type { Context } from 'hono';
import { InvalidRequestContentError, RequestTooLargeError } from '../errors';

/**
 * Reads a request body up to `maxBytes`, refusing larger ones early (by Content-Length) or as
 * soon as the stream passes the cap, so an oversize upload never sits in memory whole.
 */
export async function readBody(c: Context, maxBytes: number, operation: string): Promise<Buffer> {
  const tooLarge = () =>
    new RequestTooLargeError(`Request must be smaller than ${maxBytes} bytes for the ${operation} operation`);
  const declared = Number(c.req.header('content-length') ?? '0');
  if (declared > maxBytes) throw tooLarge();
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  if (!incoming) {
    const buf = Buffer.from(await c.req.arrayBuffer());
    if (buf.length > maxBytes) throw tooLarge();
    return buf;
  }
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const onData = (chunk: Buffer) => {
      total += chunk.length;
      if (total > maxBytes) {
        incoming.off('data', onData);
        incoming.resume(); // drain the rest without keeping it, so the error response can be read
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    };
    incoming.on('data', onData);
    incoming.once('end', () => resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, total)));
    incoming.once('error', reject);
    incoming.once('aborted', () => reject(new InvalidRequestContentError('The request body was cut short')));
  });
}

/** Reads and parses a JSON object body (control-plane operations). */
export async function readJsonObject(
  c: Context,
  maxBytes: number,
  operation: string,
): Promise<Record<string, unknown>> {
  const buf = await readBody(c, maxBytes, operation);
  if (buf.length === 0) return {};
  let value: unknown;
  try {
    value = JSON.parse(buf.toString('utf8'));
  } catch {
    throw new InvalidRequestContentError(
      'Could not parse request body into json: the body is not valid JSON',
    );
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidRequestContentError('Could not parse request body into json: expected a JSON object');
  }
  return value as Record<string, unknown>;
}
