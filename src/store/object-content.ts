import { createHash, randomBytes } from 'node:crypto';
import {
  closeSync,
  createReadStream,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  renameSync,
  rmSync,
} from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { crc32 } from 'node:zlib';
import { fsyncDir } from './fs-atomic';

/** Bytes written to a temporary file and fsynced, not yet visible: commit or discard them. */
export interface PendingBlob {
  readonly tmpPath: string;
  readonly size: number;
  readonly md5: Buffer;
  /** Hex SHA-256: the content file's name once committed. */
  readonly sha256: string;
  readonly crc32: number;
}

/** The body was longer than the caller allows. */
export class BlobTooLargeError extends Error {}

/**
 * The embedded S3's content files: `objects/<2 hex>/<sha256 of the bytes>`, written as a temporary
 * file under `objects/.tmp/` (hashed on the way, fsynced), then renamed into place and the
 * directory fsynced. Rows in SQLite (object-store.ts) say which files are in use.
 */
export class ObjectContent {
  private readonly root: string;
  private readonly tmp: string;

  constructor(dataDir: string) {
    this.root = join(dataDir, 'objects');
    this.tmp = join(this.root, '.tmp');
    mkdirSync(this.tmp, { recursive: true });
  }

  /**
   * Streams a body into a temporary file, hashing it (MD5, SHA-256, CRC32) on the way, and fsyncs
   * it. Throws BlobTooLargeError (and removes the file) past `maxBytes`.
   */
  async write(body: AsyncIterable<Uint8Array>, maxBytes: number): Promise<PendingBlob> {
    const tmpPath = join(this.tmp, randomBytes(12).toString('hex'));
    const file = await open(tmpPath, 'wx', 0o600);
    const md5 = createHash('md5');
    const sha = createHash('sha256');
    let crc = 0;
    let size = 0;
    try {
      for await (const chunk of body) {
        size += chunk.length;
        if (size > maxBytes) throw new BlobTooLargeError(`the body is larger than ${maxBytes} bytes`);
        md5.update(chunk);
        sha.update(chunk);
        crc = crc32(chunk, crc);
        let off = 0;
        while (off < chunk.length) off += (await file.write(chunk, off, chunk.length - off)).bytesWritten;
      }
      await file.sync();
    } catch (e) {
      await file.close().catch(() => {});
      rmSync(tmpPath, { force: true });
      throw e;
    }
    await file.close();
    return { tmpPath, size, md5: md5.digest(), sha256: sha.digest('hex'), crc32: crc >>> 0 };
  }

  /** Removes a pending file that will not be committed. */
  discard(pending: PendingBlob): void {
    rmSync(pending.tmpPath, { force: true });
  }

  /** Renames pending bytes to their content name (keeping an identical existing file) and fsyncs. */
  place(pending: PendingBlob): void {
    const path = this.path(pending.sha256);
    const dir = join(this.root, pending.sha256.slice(0, 2));
    if (!existsSync(dir)) {
      mkdirSync(dir);
      fsyncDir(this.root);
    }
    if (existsSync(path)) rmSync(pending.tmpPath, { force: true });
    else renameSync(pending.tmpPath, path);
    fsyncDir(dir);
  }

  /**
   * A stream of content bytes `start` to `end` (inclusive). The file is opened at once, so the
   * stream reads the bytes even if the object is replaced or deleted meanwhile.
   */
  read(blob: string, start: number, end: number): Readable {
    const fd = openSync(this.path(blob), 'r');
    if (end < start) {
      closeSync(fd);
      return Readable.from([]);
    }
    return createReadStream('', { fd, start, end, autoClose: true, highWaterMark: 256 * 1024 });
  }

  /** Deletes a content file. */
  remove(blob: string): void {
    rmSync(this.path(blob), { force: true });
  }

  /** Removes every temporary file and every content file not in `used`; returns how many went. */
  collect(used: Set<string>): number {
    let removed = 0;
    for (const name of readdirSync(this.tmp)) {
      rmSync(join(this.tmp, name), { force: true });
      removed++;
    }
    for (const dir of readdirSync(this.root)) {
      if (dir === '.tmp') continue;
      const path = join(this.root, dir);
      for (const name of readdirSync(path)) {
        if (!used.has(name)) {
          rmSync(join(path, name), { force: true });
          removed++;
        }
      }
    }
    return removed;
  }

  private path(blob: string): string {
    if (!/^[0-9a-f]{64}$/.test(blob)) throw new Error(`not a content name: ${blob.slice(0, 80)}`);
    return join(this.root, blob.slice(0, 2), blob);
  }
}
