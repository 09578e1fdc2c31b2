import { createHash, randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { StoredObject, StoredPart, StoredUpload } from '../store/object-store';
import type { ByteRange } from './object-conditions';
import { checkKey, s3Errors, s3Limits } from './object-errors';
import type { Requester } from './object-events';
import { checkMetadata, type IncomingBody, type Objects } from './objects';

/** A part named in CompleteMultipartUpload. */
export interface CompletedPart {
  partNumber: number;
  etag: string;
}

/** A page of ListParts or ListMultipartUploads. */
export interface Page<T> {
  items: T[];
  truncated: boolean;
}

/**
 * S3 multipart uploads on the embedded store: parts are stored as they arrive (invisible), and
 * CompleteMultipartUpload assembles them into one object that appears at once, with S3's ETag
 * (`<MD5 of the parts' MD5s>-<count>`) and S3's rules (ascending parts, every part but the last
 * at least 5 MiB, ETags that match).
 */
export class Multipart {
  constructor(private readonly objects: Objects) {}

  private get store() {
    return this.objects.store;
  }

  create(
    bucket: string,
    key: string,
    headers: Record<string, string>,
    metadata: Record<string, string>,
  ): StoredUpload {
    checkKey(key);
    this.objects.requireBucket(bucket);
    checkMetadata(metadata);
    const upload: StoredUpload = {
      uploadId: randomBytes(24).toString('base64url'),
      bucket,
      key,
      initiated: Date.now(),
      headers,
      metadata,
    };
    this.store.createUpload(upload);
    return upload;
  }

  /** The upload, which must belong to bucket/key; NoSuchBucket or NoSuchUpload otherwise. */
  upload(bucket: string, key: string, uploadId: string): StoredUpload {
    this.objects.requireBucket(bucket);
    const upload = this.store.upload(uploadId);
    if (!upload || upload.bucket !== bucket || upload.key !== key) throw s3Errors.noSuchUpload(uploadId);
    return upload;
  }

  async uploadPart(
    bucket: string,
    key: string,
    uploadId: string,
    partNumber: number,
    body: IncomingBody,
  ): Promise<StoredPart> {
    checkPartNumber(partNumber);
    this.upload(bucket, key, uploadId);
    const pending = await this.objects.receive(body, s3Limits.maxPartBytes);
    const part: StoredPart = {
      partNumber,
      size: pending.size,
      etag: pending.md5.toString('hex'),
      blob: pending.sha256,
      lastModified: Date.now(),
    };
    if (!this.store.putPart(uploadId, part, pending)) throw s3Errors.noSuchUpload(uploadId);
    return part;
  }

  /** UploadPartCopy: a part made of (a range of) an existing object. */
  async uploadPartCopy(
    bucket: string,
    key: string,
    uploadId: string,
    partNumber: number,
    source: StoredObject,
    range: ByteRange | undefined,
  ): Promise<StoredPart> {
    checkPartNumber(partNumber);
    this.upload(bucket, key, uploadId);
    const start = range?.start ?? 0;
    const end = range?.end ?? source.size - 1;
    const stream = this.objects.read(source, start, end);
    return this.uploadPart(bucket, key, uploadId, partNumber, { stream, declaredSize: end - start + 1 });
  }

  async complete(
    bucket: string,
    key: string,
    uploadId: string,
    parts: CompletedPart[],
    requester: Requester,
  ): Promise<StoredObject> {
    const upload = this.upload(bucket, key, uploadId);
    if (parts.length === 0) throw s3Errors.malformedXml();
    const stored: StoredPart[] = [];
    for (let i = 0; i < parts.length; i++) {
      const { partNumber, etag } = parts[i];
      if (i > 0 && partNumber <= parts[i - 1].partNumber) throw s3Errors.invalidPartOrder();
      const part = this.store.part(uploadId, partNumber);
      if (!part || part.etag !== etag.trim().replace(/^"|"$/g, '')) throw s3Errors.invalidPart(partNumber);
      stored.push(part);
    }
    for (let i = 0; i < stored.length - 1; i++) {
      if (stored[i].size < s3Limits.minPartBytes) {
        throw s3Errors.entityTooSmall(stored[i].size, s3Limits.minPartBytes, stored[i].partNumber);
      }
    }
    const total = stored.reduce((n, p) => n + p.size, 0);
    if (total > s3Limits.maxObjectBytes) throw s3Errors.entityTooLarge(total, s3Limits.maxObjectBytes);
    const pending = await this.objects.receive(
      { stream: this.concatenate(stored, uploadId), declaredSize: total },
      s3Limits.maxObjectBytes,
    );
    const md5s = createHash('md5');
    for (const p of stored) md5s.update(Buffer.from(p.etag, 'hex'));
    const object: StoredObject = {
      bucket,
      key,
      size: pending.size,
      etag: `${md5s.digest('hex')}-${stored.length}`,
      blob: pending.sha256,
      lastModified: Date.now(),
      headers: upload.headers['content-type']
        ? upload.headers
        : { ...upload.headers, 'content-type': 'binary/octet-stream' },
      metadata: upload.metadata,
    };
    const sequence = this.store.completeUpload(uploadId, object, pending);
    if (sequence === undefined) throw s3Errors.noSuchUpload(uploadId);
    await this.objects.fire('ObjectCreated:CompleteMultipartUpload', object, sequence, requester);
    return object;
  }

  abort(bucket: string, key: string, uploadId: string): void {
    this.upload(bucket, key, uploadId);
    if (!this.store.abortUpload(uploadId)) throw s3Errors.noSuchUpload(uploadId);
  }

  listParts(
    bucket: string,
    key: string,
    uploadId: string,
    marker: number,
    maxParts: number,
  ): Page<StoredPart> & { upload: StoredUpload } {
    const upload = this.upload(bucket, key, uploadId);
    const rows = this.store.parts(uploadId, marker, maxParts + 1);
    return { upload, items: rows.slice(0, maxParts), truncated: rows.length > maxParts };
  }

  /** Uploads in progress under `prefix`, in (key, upload id) order after the markers. */
  listUploads(
    bucket: string,
    prefix: string,
    keyMarker: string,
    uploadIdMarker: string,
    maxUploads: number,
  ): Page<StoredUpload> {
    this.objects.requireBucket(bucket);
    const items: StoredUpload[] = [];
    let key = keyMarker;
    // A key marker alone skips every upload of that key (S3's rule).
    let id = uploadIdMarker || (keyMarker ? '\u{10ffff}' : '');
    for (;;) {
      const batch = this.store.uploadsAfter(bucket, key, id, 1000);
      for (const u of batch) {
        if (!u.key.startsWith(prefix)) continue;
        if (items.length === maxUploads) return { items, truncated: true };
        items.push(u);
      }
      if (batch.length < 1000) return { items, truncated: false };
      key = batch[batch.length - 1].key;
      id = batch[batch.length - 1].uploadId;
    }
  }

  /** The parts' bytes in order; a part replaced or aborted meanwhile fails the upload as InvalidPart. */
  private async *concatenate(parts: StoredPart[], uploadId: string): AsyncGenerator<Uint8Array> {
    for (const part of parts) {
      let stream: Readable;
      try {
        stream = this.store.readBlob(part.blob, 0, part.size - 1);
      } catch {
        throw this.store.upload(uploadId)
          ? s3Errors.invalidPart(part.partNumber)
          : s3Errors.noSuchUpload(uploadId);
      }
      yield* stream as AsyncIterable<Uint8Array>;
    }
  }
}

function checkPartNumber(n: number): void {
  if (!Number.isInteger(n) || n < 1 || n > s3Limits.maxParts) {
    throw s3Errors.invalidArgument(
      `Part number must be an integer between 1 and ${s3Limits.maxParts}, inclusive`,
      'partNumber',
      String(n),
    );
  }
}
