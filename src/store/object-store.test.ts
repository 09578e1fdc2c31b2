import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from './db';
import { BlobTooLargeError, ObjectStore, type StoredObject } from './object-store';

let dir: string;
let db: DatabaseSync;
let store: ObjectStore;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'islet-objects-'));
  db = openDatabase(dir);
  store = new ObjectStore(db, dir);
  store.createBucket('b1', 1);
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

async function* chunks(...parts: string[]): AsyncGenerator<Uint8Array> {
  for (const p of parts) yield Buffer.from(p);
}

async function read(blob: string, start: number, end: number): Promise<string> {
  const out: Buffer[] = [];
  for await (const c of store.readBlob(blob, start, end)) out.push(c as Buffer);
  return Buffer.concat(out).toString();
}

/** Every file under objects/, pending and committed. */
function files(): string[] {
  return readdirSync(join(dir, 'objects'), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => e.name);
}

const objectOf = (key: string, blob: string, size: number): StoredObject => ({
  bucket: 'b1',
  key,
  size,
  etag: 'e',
  blob,
  lastModified: 1000,
  headers: { 'content-type': 'text/plain' },
  metadata: { a: '1' },
});

describe('ObjectStore', () => {
  it('hashes a streamed body, keeps it invisible until committed, then reads ranges of it', async () => {
    const pending = await store.writeBlob(chunks('hello ', 'world'), 100);
    expect(pending.size).toBe(11);
    expect(pending.md5.toString('hex')).toBe(createHash('md5').update('hello world').digest('hex'));
    expect(pending.sha256).toBe(createHash('sha256').update('hello world').digest('hex'));
    expect(store.object('b1', 'k')).toBeUndefined();
    const seq1 = store.putObject(objectOf('k', pending.sha256, 11), pending);
    expect(store.object('b1', 'k')).toEqual(objectOf('k', pending.sha256, 11));
    expect(await read(pending.sha256, 6, 10)).toBe('world');
    expect(await read(pending.sha256, 0, -1)).toBe('');
    // Sequence numbers grow and are never reused, across deletes too.
    const seq2 = store.deleteObject('b1', 'k')!.sequence;
    expect(seq2).toBeGreaterThan(seq1);
    expect(store.deleteObject('b1', 'k')).toBeUndefined();
  });

  it('refuses a body over the limit and leaves no file behind', async () => {
    await expect(store.writeBlob(chunks('12345', '67890'), 8)).rejects.toBeInstanceOf(BlobTooLargeError);
    expect(files()).toEqual([]);
  });

  it('shares identical content between objects and removes it with the last reference', async () => {
    const a = await store.writeBlob(chunks('same'), 100);
    store.putObject(objectOf('a', a.sha256, 4), a);
    const b = await store.writeBlob(chunks('same'), 100);
    store.putObject(objectOf('b', b.sha256, 4), b);
    expect(files()).toEqual([a.sha256]);
    store.deleteObject('b1', 'a');
    expect(files()).toEqual([a.sha256]);
    // Replacing the last object that refers to it removes it.
    const c = await store.writeBlob(chunks('other'), 100);
    store.putObject(objectOf('b', c.sha256, 5), c);
    expect(files()).toEqual([c.sha256]);
  });

  it('collect() removes interrupted writes and content nothing refers to, and keeps parts', async () => {
    const kept = await store.writeBlob(chunks('kept'), 100);
    store.putObject(objectOf('k', kept.sha256, 4), kept);
    store.createUpload({ uploadId: 'u1', bucket: 'b1', key: 'm', initiated: 1, headers: {}, metadata: {} });
    const part = await store.writeBlob(chunks('part'), 100);
    expect(
      store.putPart('u1', { partNumber: 1, size: 4, etag: 'p', blob: part.sha256, lastModified: 1 }, part),
    ).toBe(true);
    await store.writeBlob(chunks('never committed'), 100); // a crash before the row
    const orphan = 'f'.repeat(64);
    mkdirSync(join(dir, 'objects', 'ff'));
    writeFileSync(join(dir, 'objects', 'ff', orphan), 'orphan');
    expect(store.collect()).toBe(2);
    expect(files().sort()).toEqual([kept.sha256, part.sha256].sort());
  });

  it('completes an upload in one step (parts gone, object there) and refuses a part for a gone upload', async () => {
    store.createUpload({ uploadId: 'u2', bucket: 'b1', key: 'm', initiated: 1, headers: {}, metadata: {} });
    const part = await store.writeBlob(chunks('p1'), 100);
    store.putPart('u2', { partNumber: 1, size: 2, etag: 'x', blob: part.sha256, lastModified: 1 }, part);
    const whole = await store.writeBlob(chunks('whole'), 100);
    expect(store.completeUpload('u2', objectOf('m', whole.sha256, 5), whole)).toBeGreaterThan(0);
    expect(store.upload('u2')).toBeUndefined();
    expect(store.parts('u2', 0, 10)).toEqual([]);
    expect(files()).toEqual([whole.sha256]);
    const late = await store.writeBlob(chunks('late'), 100);
    expect(
      store.putPart('u2', { partNumber: 2, size: 4, etag: 'y', blob: late.sha256, lastModified: 1 }, late),
    ).toBe(false);
    expect(files()).toEqual([whole.sha256]);
  });

  it('lists keys in UTF-8 byte order and deletes only empty buckets (with their uploads)', async () => {
    for (const key of ['b', 'a', 'é', 'z', 'A']) {
      const p = await store.writeBlob(chunks(key), 10);
      store.putObject(objectOf(key, p.sha256, p.size), p);
    }
    expect(store.objectsFrom('b1', '', true, 10).map((o) => o.key)).toEqual(['A', 'a', 'b', 'z', 'é']);
    expect(store.objectsFrom('b1', 'b', false, 2).map((o) => o.key)).toEqual(['z', 'é']);
    expect(store.deleteBucket('b1')).toBe('not-empty');
    for (const key of ['b', 'a', 'é', 'z', 'A']) store.deleteObject('b1', key);
    store.createUpload({ uploadId: 'u3', bucket: 'b1', key: 'm', initiated: 1, headers: {}, metadata: {} });
    expect(store.deleteBucket('b1')).toBe('deleted');
    expect(store.upload('u3')).toBeUndefined();
    expect(store.deleteBucket('b1')).toBe('missing');
    expect(files()).toEqual([]);
  });
});
