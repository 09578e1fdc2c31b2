import {
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import type { ServiceEndpoints } from './endpoints';
import { maxCallWireBytes, type Service, ServiceCallFailure } from './host';
import { asPrincipal, type EmbeddedS3Fetch, embeddedS3Client } from './s3-in-process';
import { type S3Operation, s3Request } from './s3-request';
import { clientSettings, EndpointClients, sendUpstream } from './upstream';

/**
 * Largest object body passed into or out of a function, in bytes. Bodies cross the call wire as
 * base64 (4 characters per 3 bytes) and the wire text is capped at maxCallWireBytes; 256 KiB is
 * left for the other members (S3 caps user metadata at 2 KB). The SDK shim applies the same cap.
 */
export const maxObjectBodyBytes = Math.floor(((maxCallWireBytes - 256 * 1024) * 3) / 4);

type CommandClass = new (input: never) => unknown;
const commands: Record<S3Operation, CommandClass> = {
  GetObject: GetObjectCommand,
  PutObject: PutObjectCommand,
  HeadObject: HeadObjectCommand,
  DeleteObject: DeleteObjectCommand,
  DeleteObjects: DeleteObjectsCommand,
  ListObjectsV2: ListObjectsV2Command,
  ListObjects: ListObjectsCommand,
  CopyObject: CopyObjectCommand,
  ListBuckets: ListBucketsCommand,
  HeadBucket: HeadBucketCommand,
  CreateBucket: CreateBucketCommand,
  DeleteBucket: DeleteBucketCommand,
};

/**
 * S3 as functions call it through the SDK shims. Each call is validated and authorised against
 * the function's role before anything is sent; then the real S3 client sends it to the endpoint
 * that serves the bucket, with islet's credentials (a function holds none). A bucket the services
 * file names no endpoint for lives in islet's embedded store: the same S3 client reaches it
 * in-process (its requests handed to the embedded S3's routes without a socket), so functions get
 * exactly the outputs, errors and object events an outside S3 client gets.
 */
export function s3Service(deps: {
  endpoints: ServiceEndpoints;
  /** The embedded store's S3 API; without it, unrouted buckets do not exist (NoSuchBucket). */
  embedded?: EmbeddedS3Fetch;
  region?: string;
}): Service & { close(): void } {
  const clients = new EndpointClients(
    (e) =>
      new S3Client({
        ...clientSettings(e),
        forcePathStyle: e.forcePathStyle,
        // S3-compatible servers (MinIO, Ceph, s3rver) vary in their support of the newer checksums.
        requestChecksumCalculation: 'WHEN_REQUIRED',
        responseChecksumValidation: 'WHEN_REQUIRED',
      }),
  );

  const embedded = deps.embedded ? embeddedS3Client(deps.embedded, deps.region ?? 'us-east-1') : undefined;

  /**
   * Which backend serves `bucket` (undefined: the default one, for ListBuckets): the endpoint the
   * services file gives, else the embedded store.
   */
  const backendFor = (bucket: string | undefined): S3Client | undefined => {
    // No bucket is named '' (names have 3 characters or more), so '' finds the default endpoint.
    const endpoint = deps.endpoints.for('s3', bucket ?? '');
    return endpoint ? clients.for(endpoint) : embedded;
  };

  const servedBackend = (bucket: string): S3Client => {
    const client = backendFor(bucket);
    if (!client) {
      throw new ServiceCallFailure(
        'NoSuchBucket',
        `The specified bucket does not exist: no S3 endpoint is configured for bucket ${bucket} (see islet's --services file)`,
        404,
      );
    }
    return client;
  };

  const service: Service = async (op, raw, ctx) => {
    const req = s3Request(op, raw);
    for (const a of req.access) ctx.authorize(a.action, a.resource);
    const send = (client: S3Client, what: string) =>
      sendUpstream(what, ctx.signal, async () => {
        const command = new commands[req.op](req.input as never);
        const answer: unknown = await asPrincipal(ctx.caller.functionName, () =>
          client.send(command as never, { abortSignal: ctx.signal }),
        );
        const { $metadata: _, ...out } = answer as Record<string, unknown>;
        return out;
      });

    if (req.op === 'ListBuckets') {
      const client = backendFor(undefined);
      if (!client) return { Buckets: [] };
      const out = await send(client, 'S3');
      // Buckets the services file routes to another endpoint are not this endpoint's to list.
      const buckets = (out.Buckets as Array<{ Name?: string }> | undefined) ?? [];
      return { ...out, Buckets: buckets.filter((b) => b.Name && backendFor(b.Name) === client) };
    }

    const bucket = req.bucket as string;
    const client = servedBackend(bucket);
    if (req.sourceBucket !== undefined && servedBackend(req.sourceBucket) !== client) {
      throw new ServiceCallFailure(
        'InvalidRequest',
        `CopyObject cannot copy from ${req.sourceBucket} to ${bucket}: the two buckets are served by different S3 endpoints`,
      );
    }
    if (req.op === 'PutObject') {
      const body = req.input.Body as string | Buffer | undefined;
      const size = typeof body === 'string' ? Buffer.byteLength(body) : (body?.length ?? 0);
      if (size > maxObjectBodyBytes) {
        throw new ServiceCallFailure(
          'EntityTooLarge',
          `Your proposed upload of ${size} bytes exceeds the largest body islet passes from a function to S3 (${maxObjectBodyBytes} bytes)`,
        );
      }
      // The client measures the body itself; a stale ContentLength would corrupt the request.
      delete req.input.ContentLength;
    }
    const out = await send(client, `S3 bucket ${bucket}`);
    if (req.op === 'GetObject') {
      const what = `s3://${bucket}/${String(req.input.Key)}`;
      out.Body = await readBody(out.Body, out.ContentLength, what, ctx.signal);
    }
    return out;
  };
  return Object.assign(service, {
    close: () => {
      clients.close();
      embedded?.destroy();
    },
  });
}

/** Reads a response body into memory, failing clearly (and early, when the length is known) above the cap. */
async function readBody(body: unknown, length: unknown, what: string, signal: AbortSignal): Promise<Buffer> {
  const stream = body as (AsyncIterable<Uint8Array> & { destroy?: () => void }) | undefined;
  if (!stream) return Buffer.alloc(0);
  const tooLarge = (size: string) => {
    stream.destroy?.();
    return new ServiceCallFailure(
      'ResponseTooLarge',
      `${what} is ${size} bytes; islet passes at most ${maxObjectBodyBytes} bytes of an object into a function (read it in parts with Range)`,
      413,
    );
  };
  if (typeof length === 'number' && length > maxObjectBodyBytes) throw tooLarge(String(length));
  const stop = () => stream.destroy?.();
  signal.addEventListener('abort', stop, { once: true });
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    for await (const chunk of stream) {
      total += chunk.length;
      if (total > maxObjectBodyBytes) throw tooLarge(`more than ${maxObjectBodyBytes}`);
      chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    }
    return Buffer.concat(chunks, total);
  } catch (e) {
    if (e instanceof ServiceCallFailure || signal.aborted) throw e;
    throw new ServiceCallFailure('ServiceUnavailable', `${what} could not be read to the end`, 503);
  } finally {
    signal.removeEventListener('abort', stop);
  }
}
