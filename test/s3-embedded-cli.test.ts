import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsCli } from './helpers/aws-cli';
import { startServer, type TestServer } from './helpers/server';

// `aws s3` against islet's embedded storage: make a bucket, copy up (small and multipart) and
// down, list, remove.

let server: TestServer;
let dir: string;
const cli = (...args: string[]) => awsCli(server.url, ...args);

beforeAll(async () => {
  server = await startServer({ args: ['--executors', '1'] });
  dir = mkdtempSync(join(tmpdir(), 'islet-s3-cli-'));
});
afterAll(async () => {
  await server?.stop();
  server?.cleanup();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('aws s3 with --endpoint-url', () => {
  it('mb, cp up and down (a 12 MB file goes multipart), ls, rm', async () => {
    expect((await cli('s3', 'mb', 's3://uploads')).stdout).toContain('make_bucket: uploads');
    const failed = await cli('s3', 'mb', 's3://uploads').catch((e) => e);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('BucketAlreadyOwnedByYou');

    const small = join(dir, 'photo.jpg');
    const big = join(dir, 'video.bin');
    const smallData = randomBytes(2048);
    const bigData = randomBytes(12 * 1024 * 1024 + 321);
    writeFileSync(small, smallData);
    writeFileSync(big, bigData);
    await cli('s3', 'cp', small, 's3://uploads/');
    await cli('s3', 'cp', big, 's3://uploads/videos/video.bin');

    // The large file was assembled from parts: its ETag says how many.
    const s3 = new S3Client({
      endpoint: server.url,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
      maxAttempts: 1,
    });
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'uploads', Key: 'videos/video.bin' }));
    // The CLI guesses the type from the name and sends it.
    const photo = await s3.send(new HeadObjectCommand({ Bucket: 'uploads', Key: 'photo.jpg' }));
    s3.destroy();
    expect(head.ETag).toMatch(/^"[0-9a-f]{32}-2"$/);
    expect(head.ContentLength).toBe(bigData.length);
    expect(photo.ContentType).toBe('image/jpeg');

    const buckets = (await cli('s3', 'ls')).stdout;
    expect(buckets).toMatch(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d uploads/);
    const top = (await cli('s3', 'ls', 's3://uploads')).stdout;
    expect(top).toMatch(/PRE videos\//);
    expect(top).toMatch(/\s2048 photo\.jpg/);
    const all = (await cli('s3', 'ls', 's3://uploads', '--recursive')).stdout;
    expect(all).toMatch(/\s12583233 videos\/video\.bin/);

    await cli('s3', 'cp', 's3://uploads/photo.jpg', join(dir, 'photo-down.jpg'));
    await cli('s3', 'cp', 's3://uploads/videos/video.bin', join(dir, 'video-down.bin'));
    expect(readFileSync(join(dir, 'photo-down.jpg')).equals(smallData)).toBe(true);
    expect(readFileSync(join(dir, 'video-down.bin')).equals(bigData)).toBe(true);

    expect((await cli('s3', 'rm', 's3://uploads/photo.jpg')).stdout).toContain(
      'delete: s3://uploads/photo.jpg',
    );
    const after = (await cli('s3', 'ls', 's3://uploads', '--recursive')).stdout;
    expect(after).not.toContain('photo.jpg');
    expect(after).toContain('videos/video.bin');

    const missing = await cli('s3', 'cp', 's3://uploads/none', join(dir, 'none')).catch((e) => e);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/404|Not Found/);
    const noBucket = await cli('s3', 'ls', 's3://no-such-bucket').catch((e) => e);
    expect(noBucket.stderr).toContain('NoSuchBucket');
  });
});
