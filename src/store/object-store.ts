import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { Readable } from 'node:stream';
import { ObjectContent, type PendingBlob } from './object-content';

export { BlobTooLargeError, type PendingBlob } from './object-content';

/** An object as the embedded S3 keeps it. */
export interface StoredObject {
  bucket: string;
  key: string;
  /** Bytes. */
  size: number;
  /** Without quotes: hex MD5, or `<md5 of part MD5s>-<parts>` for multipart uploads. */
  etag: string;
  /** Name of the content file (hex SHA-256 of the bytes). */
  blob: string;
  /** Milliseconds since the epoch. */
  lastModified: number;
  /** Standard headers stored with the object (content-type, cache-control, ...), lower-case names. */
  headers: Record<string, string>;
  /** User metadata (`x-amz-meta-*` without the prefix), lower-case names. */
  metadata: Record<string, string>;
}

/** A multipart upload in progress. */
export interface StoredUpload {
  uploadId: string;
  bucket: string;
  key: string;
  initiated: number;
  headers: Record<string, string>;
  metadata: Record<string, string>;
}

/** One uploaded part. */
export interface StoredPart {
  partNumber: number;
  size: number;
  etag: string;
  blob: string;
  lastModified: number;
}

type Row = Record<string, string | number>;

function objectOf(r: Row): StoredObject {
  return {
    bucket: r.bucket as string,
    key: r.key as string,
    size: r.size as number,
    etag: r.etag as string,
    blob: r.blob as string,
    lastModified: r.last_modified as number,
    headers: JSON.parse(r.headers as string),
    metadata: JSON.parse(r.metadata as string),
  };
}

function uploadOf(r: Row): StoredUpload {
  return {
    uploadId: r.upload_id as string,
    bucket: r.bucket as string,
    key: r.key as string,
    initiated: r.initiated as number,
    headers: JSON.parse(r.headers as string),
    metadata: JSON.parse(r.metadata as string),
  };
}

function partOf(r: Row): StoredPart {
  return {
    partNumber: r.part_number as number,
    size: r.size as number,
    etag: r.etag as string,
    blob: r.blob as string,
    lastModified: r.last_modified as number,
  };
}

/**
 * The embedded S3's storage: buckets, object metadata and multipart uploads in SQLite, object
 * bytes in content-addressed files `objects/<2 hex>/<sha256>`. Bytes are written to a temporary
 * file, fsynced and renamed into place (directory fsynced) before the row that refers to them
 * commits, so an acknowledged write survives kill -9 and a partial one is never visible. Content
 * no row refers to is removed at startup (`collect`) and when the last reference goes.
 */
export class ObjectStore {
  private readonly content: ObjectContent;
  private readonly stmt: Record<string, StatementSync>;

  constructor(
    private readonly db: DatabaseSync,
    dataDir: string,
  ) {
    this.content = new ObjectContent(dataDir);
    const q = (sql: string) => db.prepare(sql);
    this.stmt = {
      bucket: q('SELECT name, created_at FROM s3_buckets WHERE name = ?'),
      buckets: q('SELECT name, created_at FROM s3_buckets ORDER BY name'),
      createBucket: q('INSERT INTO s3_buckets (name, created_at) VALUES (?, ?) ON CONFLICT DO NOTHING'),
      deleteBucket: q('DELETE FROM s3_buckets WHERE name = ?'),
      anyObject: q('SELECT 1 FROM s3_objects WHERE bucket = ? LIMIT 1'),
      object: q('SELECT * FROM s3_objects WHERE bucket = ? AND key = ?'),
      putObject: q(
        `INSERT INTO s3_objects (bucket, key, size, etag, blob, last_modified, headers, metadata)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (bucket, key) DO UPDATE SET size = excluded.size, etag = excluded.etag,
           blob = excluded.blob, last_modified = excluded.last_modified, headers = excluded.headers,
           metadata = excluded.metadata`,
      ),
      deleteObject: q('DELETE FROM s3_objects WHERE bucket = ? AND key = ?'),
      keysAfter: q('SELECT * FROM s3_objects WHERE bucket = ? AND key > ? ORDER BY key LIMIT ?'),
      keysFrom: q('SELECT * FROM s3_objects WHERE bucket = ? AND key >= ? ORDER BY key LIMIT ?'),
      sequence: q('UPDATE s3_sequence SET value = value + 1 WHERE id = 1 RETURNING value'),
      upload: q('SELECT * FROM s3_uploads WHERE upload_id = ?'),
      createUpload: q(
        'INSERT INTO s3_uploads (upload_id, bucket, key, initiated, headers, metadata) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      deleteUpload: q('DELETE FROM s3_uploads WHERE upload_id = ?'),
      uploadsOf: q('SELECT upload_id FROM s3_uploads WHERE bucket = ?'),
      uploadsAfter: q(
        `SELECT * FROM s3_uploads WHERE bucket = ? AND (key > ? OR (key = ? AND upload_id > ?))
         ORDER BY key, upload_id LIMIT ?`,
      ),
      part: q('SELECT * FROM s3_parts WHERE upload_id = ? AND part_number = ?'),
      parts: q('SELECT * FROM s3_parts WHERE upload_id = ? AND part_number > ? ORDER BY part_number LIMIT ?'),
      putPart: q(
        `INSERT INTO s3_parts (upload_id, part_number, size, etag, blob, last_modified) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (upload_id, part_number) DO UPDATE SET size = excluded.size, etag = excluded.etag,
           blob = excluded.blob, last_modified = excluded.last_modified`,
      ),
      deleteParts: q('DELETE FROM s3_parts WHERE upload_id = ? RETURNING blob'),
      blobUsed: q(
        'SELECT EXISTS (SELECT 1 FROM s3_objects WHERE blob = ?1) OR EXISTS (SELECT 1 FROM s3_parts WHERE blob = ?1) AS used',
      ),
      allBlobs: q('SELECT blob FROM s3_objects UNION SELECT blob FROM s3_parts'),
    };
  }

  // ---- buckets

  /** Creates a bucket; false when it already exists. */
  createBucket(name: string, now: number): boolean {
    return Number(this.stmt.createBucket.run(name, now).changes) > 0;
  }

  /** A bucket's creation time (ms), or undefined when it does not exist. */
  bucket(name: string): { name: string; createdAt: number } | undefined {
    const r = this.stmt.bucket.get(name) as Row | undefined;
    return r ? { name: r.name as string, createdAt: r.created_at as number } : undefined;
  }

  buckets(): Array<{ name: string; createdAt: number }> {
    return (this.stmt.buckets.all() as Row[]).map((r) => ({
      name: r.name as string,
      createdAt: r.created_at as number,
    }));
  }

  /** Deletes an empty bucket and its unfinished uploads: 'deleted', 'missing' or 'not-empty'. */
  deleteBucket(name: string): 'deleted' | 'missing' | 'not-empty' {
    if (!this.bucket(name)) return 'missing';
    if (this.stmt.anyObject.get(name)) return 'not-empty';
    const blobs: string[] = [];
    this.transaction(() => {
      for (const u of this.stmt.uploadsOf.all(name) as Row[]) {
        blobs.push(...this.dropUpload(u.upload_id as string));
      }
      this.stmt.deleteBucket.run(name);
    });
    this.release(blobs);
    return 'deleted';
  }

  // ---- content (content files: object-content.ts)

  /** Streams a body into a pending content file (see ObjectContent.write). */
  writeBlob(body: AsyncIterable<Uint8Array>, maxBytes: number): Promise<PendingBlob> {
    return this.content.write(body, maxBytes);
  }

  /** Removes a pending blob that will not be committed. */
  discard(blob: PendingBlob): void {
    this.content.discard(blob);
  }

  /** Content bytes `start` to `end` inclusive (see ObjectContent.read). */
  readBlob(blob: string, start: number, end: number): Readable {
    return this.content.read(blob, start, end);
  }

  // ---- objects

  object(bucket: string, key: string): StoredObject | undefined {
    const r = this.stmt.object.get(bucket, key) as Row | undefined;
    return r ? objectOf(r) : undefined;
  }

  /**
   * Makes an object visible: the pending bytes (if any) are renamed into place and fsynced first,
   * then the row commits. Returns the change's sequence number (increasing, never reused).
   */
  putObject(object: StoredObject, pending?: PendingBlob): number {
    if (pending) this.content.place(pending);
    const previous = this.object(object.bucket, object.key);
    const sequence = this.transaction(() => {
      this.stmt.putObject.run(
        object.bucket,
        object.key,
        object.size,
        object.etag,
        object.blob,
        object.lastModified,
        JSON.stringify(object.headers),
        JSON.stringify(object.metadata),
      );
      return this.nextSequence();
    });
    if (previous && previous.blob !== object.blob) this.release([previous.blob]);
    return sequence;
  }

  /** Deletes an object; returns it and the change's sequence number, or undefined when absent. */
  deleteObject(bucket: string, key: string): { object: StoredObject; sequence: number } | undefined {
    const object = this.object(bucket, key);
    if (!object) return undefined;
    const sequence = this.transaction(() => {
      this.stmt.deleteObject.run(bucket, key);
      return this.nextSequence();
    });
    this.release([object.blob]);
    return { object, sequence };
  }

  /** Up to `limit` objects of a bucket in key order (UTF-8 byte order), after `start` (or from it). */
  objectsFrom(bucket: string, start: string, inclusive: boolean, limit: number): StoredObject[] {
    const stmt = inclusive ? this.stmt.keysFrom : this.stmt.keysAfter;
    return (stmt.all(bucket, start, limit) as Row[]).map(objectOf);
  }

  // ---- multipart uploads

  createUpload(upload: StoredUpload): void {
    this.stmt.createUpload.run(
      upload.uploadId,
      upload.bucket,
      upload.key,
      upload.initiated,
      JSON.stringify(upload.headers),
      JSON.stringify(upload.metadata),
    );
  }

  upload(uploadId: string): StoredUpload | undefined {
    const r = this.stmt.upload.get(uploadId) as Row | undefined;
    return r ? uploadOf(r) : undefined;
  }

  /** Uploads of a bucket in (key, upload id) order after the given markers. */
  uploadsAfter(bucket: string, keyMarker: string, uploadIdMarker: string, limit: number): StoredUpload[] {
    return (this.stmt.uploadsAfter.all(bucket, keyMarker, keyMarker, uploadIdMarker, limit) as Row[]).map(
      uploadOf,
    );
  }

  /** Stores a part (replacing one with the same number); false when the upload is gone. */
  putPart(uploadId: string, part: StoredPart, pending?: PendingBlob): boolean {
    if (pending) this.content.place(pending);
    const previous = this.stmt.part.get(uploadId, part.partNumber) as Row | undefined;
    const stored = this.transaction(() => {
      if (!this.stmt.upload.get(uploadId)) return false;
      this.stmt.putPart.run(uploadId, part.partNumber, part.size, part.etag, part.blob, part.lastModified);
      return true;
    });
    const orphans = [previous && previous.blob !== part.blob ? (previous.blob as string) : undefined];
    if (!stored) orphans.push(part.blob);
    this.release(orphans.filter((b): b is string => b !== undefined));
    return stored;
  }

  part(uploadId: string, partNumber: number): StoredPart | undefined {
    const r = this.stmt.part.get(uploadId, partNumber) as Row | undefined;
    return r ? partOf(r) : undefined;
  }

  /** Parts after `marker` in number order. */
  parts(uploadId: string, marker: number, limit: number): StoredPart[] {
    return (this.stmt.parts.all(uploadId, marker, limit) as Row[]).map(partOf);
  }

  /**
   * Completes an upload: the assembled object becomes visible and the upload and its parts go, in
   * one transaction. Returns the sequence number, or undefined when the upload was already gone.
   */
  completeUpload(uploadId: string, object: StoredObject, pending: PendingBlob): number | undefined {
    this.content.place(pending);
    const previous = this.object(object.bucket, object.key);
    const blobs: string[] = [];
    const sequence = this.transaction(() => {
      if (!this.stmt.upload.get(uploadId)) return undefined;
      blobs.push(...this.dropUpload(uploadId));
      this.stmt.putObject.run(
        object.bucket,
        object.key,
        object.size,
        object.etag,
        object.blob,
        object.lastModified,
        JSON.stringify(object.headers),
        JSON.stringify(object.metadata),
      );
      return this.nextSequence();
    });
    if (sequence === undefined) blobs.push(object.blob);
    else if (previous && previous.blob !== object.blob) blobs.push(previous.blob);
    this.release(blobs);
    return sequence;
  }

  /** Aborts an upload, removing its parts; false when there was none. */
  abortUpload(uploadId: string): boolean {
    if (!this.upload(uploadId)) return false;
    const blobs = this.transaction(() => this.dropUpload(uploadId));
    this.release(blobs);
    return true;
  }

  // ---- collection

  /**
   * Removes leftovers of interrupted writes and content no object or part refers to (run at
   * startup, before any request). Returns how many files went.
   */
  collect(): number {
    return this.content.collect(new Set((this.stmt.allBlobs.all() as Row[]).map((r) => r.blob as string)));
  }

  // ---- internals

  /** Deletes content files no row refers to any more. */
  private release(blobs: string[]): void {
    for (const blob of new Set(blobs)) {
      const row = this.stmt.blobUsed.get(blob) as { used: number } | undefined;
      if (!row?.used) this.content.remove(blob);
    }
  }

  /** Deletes an upload's rows (inside a transaction); returns its parts' content names. */
  private dropUpload(uploadId: string): string[] {
    const blobs = (this.stmt.deleteParts.all(uploadId) as Row[]).map((r) => r.blob as string);
    this.stmt.deleteUpload.run(uploadId);
    return blobs;
  }

  private nextSequence(): number {
    return Number((this.stmt.sequence.get() as { value: number }).value);
  }

  private transaction<T>(fn: () => T): T {
    this.db.exec('BEGIN IMMEDIATE');
    try {
      const out = fn();
      this.db.exec('COMMIT');
      return out;
    } catch (e) {
      this.db.exec('ROLLBACK');
      throw e;
    }
  }
}
