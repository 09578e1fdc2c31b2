import type { Readable } from 'node:stream';
import {
  BlobTooLargeError,
  type ObjectStore,
  type PendingBlob,
  type StoredObject,
} from '../store/object-store';
import { checkBucketName, checkKey, S3Failure, s3Errors, s3Limits } from './object-errors';
import {
  type NotifyObjectEvents,
  type ObjectEventName,
  objectEventRecord,
  type Requester,
} from './object-events';

/**
 * Checksums a client sent with a body, read once the body ended: base64 by algorithm (crc32,
 * sha256) and `content-sha256`, the signed payload hash in hex.
 */
export type ClaimedChecksums = () => Record<string, string>;

/** A body to store, as it arrives. */
export interface IncomingBody {
  stream: AsyncIterable<Uint8Array>;
  /** The length the client declared (Content-Length or x-amz-decoded-content-length), if any. */
  declaredSize?: number;
  /** Content-MD5 header (base64), checked after writing. */
  contentMd5?: string;
  checksums?: ClaimedChecksums;
}

/** The headers S3 stores with an object and returns on GET/HEAD. */
export const storedHeaders = [
  'content-type',
  'cache-control',
  'content-disposition',
  'content-encoding',
  'content-language',
  'expires',
  'x-amz-website-redirect-location',
] as const;

/** S3's default content type for an object stored without one. */
export const defaultContentType = 'binary/octet-stream';

/** Checks user metadata against S3's 2 KB limit (names and values, UTF-8). */
export function checkMetadata(metadata: Record<string, string>): void {
  let size = 0;
  for (const [k, v] of Object.entries(metadata)) size += Buffer.byteLength(k) + Buffer.byteLength(v);
  if (size > s3Limits.maxMetadataBytes) throw s3Errors.metadataTooLarge(size, s3Limits.maxMetadataBytes);
}

/**
 * The embedded S3's buckets and objects: validation, writes that become visible only once their
 * bytes are durable, and the object events each change fires (queued before the change is
 * acknowledged). Multipart uploads are in multipart.ts, listings in object-listing.ts.
 */
export class Objects {
  constructor(
    readonly store: ObjectStore,
    private readonly notify: NotifyObjectEvents,
    readonly region: string,
    private readonly now: () => number = Date.now,
  ) {}

  // ---- buckets

  createBucket(name: string): void {
    checkBucketName(name);
    if (!this.store.createBucket(name, this.now())) {
      throw new S3Failure(
        'BucketAlreadyOwnedByYou',
        409,
        'Your previous request to create the named bucket succeeded and you already own it.',
        { BucketName: name },
      );
    }
  }

  /** Throws NoSuchBucket unless the bucket exists. */
  requireBucket(name: string): void {
    if (!this.store.bucket(name)) throw s3Errors.noSuchBucket(name);
  }

  listBuckets(): Array<{ name: string; createdAt: number }> {
    return this.store.buckets();
  }

  deleteBucket(name: string): void {
    const outcome = this.store.deleteBucket(name);
    if (outcome === 'missing') throw s3Errors.noSuchBucket(name);
    if (outcome === 'not-empty') {
      throw new S3Failure('BucketNotEmpty', 409, 'The bucket you tried to delete is not empty', {
        BucketName: name,
      });
    }
  }

  // ---- objects

  /** Stores an object from a streamed body; returns it once it is durable and its events are queued. */
  async putObject(
    bucket: string,
    key: string,
    body: IncomingBody,
    headers: Record<string, string>,
    metadata: Record<string, string>,
    requester: Requester,
  ): Promise<StoredObject> {
    checkKey(key);
    this.requireBucket(bucket);
    checkMetadata(metadata);
    const pending = await this.receive(body, s3Limits.maxPutBytes);
    const object: StoredObject = {
      bucket,
      key,
      size: pending.size,
      etag: pending.md5.toString('hex'),
      blob: pending.sha256,
      lastModified: this.now(),
      headers: withDefaultType(headers),
      metadata,
    };
    // The bucket may have gone while the body streamed in.
    if (!this.store.bucket(bucket)) {
      this.store.discard(pending);
      throw s3Errors.noSuchBucket(bucket);
    }
    const sequence = this.store.putObject(object, pending);
    await this.fire('ObjectCreated:Put', object, sequence, requester);
    return object;
  }

  /**
   * Writes a body to a pending blob and checks it against the declared length, Content-MD5 and
   * any checksum the client sent; the blob is discarded on any mismatch.
   */
  async receive(body: IncomingBody, maxBytes: number): Promise<PendingBlob> {
    if (body.declaredSize !== undefined && body.declaredSize > maxBytes) {
      throw s3Errors.entityTooLarge(body.declaredSize, maxBytes);
    }
    let md5: Buffer | undefined;
    if (body.contentMd5 !== undefined) {
      md5 = Buffer.from(body.contentMd5, 'base64');
      if (md5.length !== 16 || md5.toString('base64') !== body.contentMd5.trim())
        throw s3Errors.invalidDigest();
    }
    let pending: PendingBlob;
    try {
      pending = await this.store.writeBlob(body.stream, maxBytes);
    } catch (e) {
      if (e instanceof BlobTooLargeError) throw s3Errors.entityTooLarge(body.declaredSize, maxBytes);
      throw e;
    }
    try {
      if (body.declaredSize !== undefined && pending.size !== body.declaredSize)
        throw s3Errors.incompleteBody();
      if (md5 && !md5.equals(pending.md5)) throw s3Errors.badDigest('Content-MD5');
      const claimed = body.checksums?.() ?? {};
      const signed = claimed['content-sha256'];
      if (signed !== undefined && signed !== pending.sha256) {
        throw new S3Failure(
          'XAmzContentSHA256Mismatch',
          400,
          "The provided 'x-amz-content-sha256' header does not match what was computed.",
          { ClientComputedContentSHA256: signed, S3ComputedContentSHA256: pending.sha256 },
        );
      }
      if (claimed.crc32 !== undefined) {
        const crc = Buffer.alloc(4);
        crc.writeUInt32BE(pending.crc32);
        if (crc.toString('base64') !== claimed.crc32) throw s3Errors.badDigest('CRC32');
      }
      if (
        claimed.sha256 !== undefined &&
        Buffer.from(pending.sha256, 'hex').toString('base64') !== claimed.sha256
      ) {
        throw s3Errors.badDigest('SHA256');
      }
    } catch (e) {
      this.store.discard(pending);
      throw e;
    }
    return pending;
  }

  /** The object at `key`; NoSuchBucket or NoSuchKey otherwise. */
  getObject(bucket: string, key: string): StoredObject {
    this.requireBucket(bucket);
    const object = this.store.object(bucket, key);
    if (!object) throw s3Errors.noSuchKey(key);
    return object;
  }

  /** The object's bytes `start` to `end` inclusive. */
  read(object: StoredObject, start: number, end: number): Readable {
    return this.store.readBlob(object.blob, start, end);
  }

  /**
   * Copies an object (no bytes are copied: content is shared). `replace` gives new headers and
   * metadata (REPLACE directive); otherwise the source's are kept (COPY).
   */
  async copyObject(
    source: StoredObject,
    bucket: string,
    key: string,
    replace: { headers: Record<string, string>; metadata: Record<string, string> } | undefined,
    requester: Requester,
  ): Promise<StoredObject> {
    checkKey(key);
    this.requireBucket(bucket);
    if (source.size > s3Limits.maxPutBytes) throw s3Errors.entityTooLarge(source.size, s3Limits.maxPutBytes);
    if (!replace && source.bucket === bucket && source.key === key) {
      throw s3Errors.invalidRequest(
        "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.",
      );
    }
    if (replace) checkMetadata(replace.metadata);
    const object: StoredObject = {
      ...source,
      bucket,
      key,
      lastModified: this.now(),
      headers: replace ? withDefaultType(replace.headers) : source.headers,
      metadata: replace ? replace.metadata : source.metadata,
    };
    // The source's content must still be there: store.putObject keeps it when the row commits.
    const current = this.store.object(source.bucket, source.key);
    if (!current || current.blob !== source.blob) throw s3Errors.noSuchKey(source.key);
    const sequence = this.store.putObject(object);
    await this.fire('ObjectCreated:Copy', object, sequence, requester);
    return object;
  }

  /** Deletes an object (nothing happens, and no event fires, when there is none). */
  async deleteObject(bucket: string, key: string, requester: Requester): Promise<void> {
    checkKey(key);
    this.requireBucket(bucket);
    const deleted = this.store.deleteObject(bucket, key);
    if (deleted) await this.fire('ObjectRemoved:Delete', deleted.object, deleted.sequence, requester);
  }

  /** Queues the event for the bucket's notification configuration. */
  async fire(
    eventName: ObjectEventName,
    object: StoredObject,
    sequence: number,
    requester: Requester,
  ): Promise<void> {
    await this.notify([
      objectEventRecord(eventName, object, sequence, requester, this.region, new Date(this.now())),
    ]);
  }
}

function withDefaultType(headers: Record<string, string>): Record<string, string> {
  return headers['content-type'] ? headers : { ...headers, 'content-type': defaultContentType };
}
