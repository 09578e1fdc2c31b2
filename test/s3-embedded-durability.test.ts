import { createHash, randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import {
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { afterEach, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from './helpers/server';

// kill -9 right after acknowledged writes loses nothing; interrupted writes leave nothing visible.

const started: TestServer[] = [];
afterEach(async () => {
  for (const s of started.splice(0)) {
    await s.kill9();
    s.cleanup();
  }
});

function client(server: TestServer): S3Client {
  return new S3Client({
    endpoint: server.url,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
    maxAttempts: 1,
  });
}

async function start(dataDir?: string): Promise<TestServer> {
  const s = await startServer({ dataDir, args: ['--executors', '1'] });
  if (!dataDir) started.push(s);
  return s;
}

/** Every file under <data>/objects (content files and leftovers of interrupted writes). */
function objectFiles(dataDir: string): string[] {
  const root = join(dataDir, 'objects');
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(root.length + 1));
}

describe('embedded S3 across kill -9', () => {
  it('an acknowledged PUT survives; a PUT cut off mid-body and a killed multipart upload leave nothing visible', async () => {
    const first = await start();
    const s3 = client(first);
    await s3.send(new CreateBucketCommand({ Bucket: 'durable' }));
    const data = randomBytes(3 * 1024 * 1024);
    await s3.send(
      new PutObjectCommand({ Bucket: 'durable', Key: 'acked.bin', Body: data, Metadata: { m: 'kept' } }),
    );

    // A multipart upload with one part stored, never completed.
    const { UploadId } = await s3.send(
      new CreateMultipartUploadCommand({ Bucket: 'durable', Key: 'multi.bin' }),
    );
    await s3.send(
      new UploadPartCommand({
        Bucket: 'durable',
        Key: 'multi.bin',
        UploadId,
        PartNumber: 1,
        Body: randomBytes(5 * 1024 * 1024),
      }),
    );
    s3.destroy();

    // A PUT that declares 2 MB and sends half, then the server dies under it.
    const partial = request({
      host: '127.0.0.1',
      port: first.port,
      path: '/durable/partial.bin',
      method: 'PUT',
      headers: {
        authorization:
          'AWS4-HMAC-SHA256 Credential=x/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=0',
        'content-length': String(2 * 1024 * 1024),
      },
    });
    partial.on('error', () => {});
    await new Promise<void>((resolve) => partial.write(randomBytes(1024 * 1024), () => resolve()));
    await new Promise((r) => setTimeout(r, 200));
    await first.kill9();
    partial.destroy();

    const second = await start(first.dataDir);
    try {
      const again = client(second);
      const got = await again.send(new GetObjectCommand({ Bucket: 'durable', Key: 'acked.bin' }));
      const body = Buffer.from(await got.Body!.transformToByteArray());
      expect(createHash('sha256').update(body).digest('hex')).toBe(
        createHash('sha256').update(data).digest('hex'),
      );
      expect(got.Metadata).toEqual({ m: 'kept' });
      await expect(
        again.send(new HeadObjectCommand({ Bucket: 'durable', Key: 'partial.bin' })),
      ).rejects.toMatchObject({
        $metadata: { httpStatusCode: 404 },
      });
      await expect(
        again.send(new HeadObjectCommand({ Bucket: 'durable', Key: 'multi.bin' })),
      ).rejects.toMatchObject({
        $metadata: { httpStatusCode: 404 },
      });
      const listed = await again.send(new ListObjectsV2Command({ Bucket: 'durable' }));
      expect(listed.Contents!.map((o) => o.Key)).toEqual(['acked.bin']);
      // The stored part is kept for the upload (which may still complete); the cut-off body is gone.
      const uploads = await again.send(new ListMultipartUploadsCommand({ Bucket: 'durable' }));
      expect(uploads.Uploads!.map((u) => u.UploadId)).toEqual([UploadId]);
      const files = objectFiles(second.dataDir);
      expect(files.filter((f) => f.startsWith('.tmp'))).toEqual([]);
      expect(files).toHaveLength(2); // acked.bin's content and the stored part
      again.destroy();
    } finally {
      await second.kill9();
      second.cleanup();
    }
  });
});
