import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CopyObjectCommand,
  CreateBucketCommand,
  GetObjectCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from './helpers/server';
import { createKey, type Key, signedRequest } from './iam/api-auth-helpers';
import { awsCliAs } from './iam/sigv4-capture';

// The embedded S3 with access keys: signed requests, s3:* actions on bucket and object ARNs,
// uploads larger than any body the auth middleware holds, payload hashes checked as they stream.

let server: TestServer;
let dir: string;
let admin: Key;
let reader: Key;

const s3As = (k: Key) =>
  new S3Client({
    endpoint: server.url,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: k.id, secretAccessKey: k.secret },
    maxAttempts: 1,
  });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'islet-s3-auth-'));
  const dataDir = join(dir, 'data');
  admin = await createKey(dataDir, 'admin', '--admin');
  const policy = join(dir, 'reader.json');
  writeFileSync(
    policy,
    JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: ['s3:GetObject', 's3:ListBucket'],
          Resource: ['arn:aws:s3:::vault', 'arn:aws:s3:::vault/public/*'],
        },
        { Effect: 'Allow', Action: 's3:PutObject', Resource: 'arn:aws:s3:::drop/*' },
      ],
    }),
  );
  reader = await createKey(dataDir, 'reader', '--policy', policy);
  server = await startServer({ dataDir, args: ['--executors', '1'] });
  const s3 = s3As(admin);
  await s3.send(new CreateBucketCommand({ Bucket: 'vault' }));
  await s3.send(new CreateBucketCommand({ Bucket: 'drop' }));
  await s3.send(new PutObjectCommand({ Bucket: 'vault', Key: 'public/a.txt', Body: 'public' }));
  await s3.send(new PutObjectCommand({ Bucket: 'vault', Key: 'secret/b.txt', Body: 'secret' }));
  s3.destroy();
});
afterAll(async () => {
  await server?.stop();
  server?.cleanup();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (e) {
    if (e instanceof S3ServiceException) return `${e.name} ${e.$metadata.httpStatusCode}`;
    throw e;
  }
}

describe('embedded S3 with access keys', () => {
  it("authorises each operation against the user's policy, a copy's source included", async () => {
    const s3 = s3As(reader);
    const got = await s3.send(new GetObjectCommand({ Bucket: 'vault', Key: 'public/a.txt' }));
    expect(await got.Body!.transformToString()).toBe('public');
    expect(await code(s3.send(new GetObjectCommand({ Bucket: 'vault', Key: 'secret/b.txt' })))).toBe(
      'AccessDenied 403',
    );
    expect(await code(s3.send(new PutObjectCommand({ Bucket: 'vault', Key: 'public/new', Body: 'x' })))).toBe(
      'AccessDenied 403',
    );
    expect(await code(s3.send(new PutObjectCommand({ Bucket: 'drop', Key: 'in', Body: 'x' })))).toBe('ok');
    // May write to drop/ and read public/, not read secret/: the copy is refused.
    expect(
      await code(
        s3.send(new CopyObjectCommand({ Bucket: 'drop', Key: 'c1', CopySource: 'vault/public/a.txt' })),
      ),
    ).toBe('ok');
    expect(
      await code(
        s3.send(new CopyObjectCommand({ Bucket: 'drop', Key: 'c2', CopySource: 'vault/secret/b.txt' })),
      ),
    ).toBe('AccessDenied 403');
    expect(await code(s3.send(new CreateBucketCommand({ Bucket: 'other' })))).toBe('AccessDenied 403');
    s3.destroy();
    const stranger = s3As({ id: 'AKIANOSUCHKEY0000001', secret: 'x' });
    expect(await code(stranger.send(new GetObjectCommand({ Bucket: 'vault', Key: 'public/a.txt' })))).toBe(
      'InvalidAccessKeyId 403',
    );
    stranger.destroy();
  });

  it('the AWS CLI copies a 12 MB file up (8 MB parts with signed payload hashes) and down', async () => {
    const file = join(dir, 'big.bin');
    const data = randomBytes(12 * 1024 * 1024);
    writeFileSync(file, data);
    await awsCliAs(admin, server.url, 's3', 'cp', file, 's3://drop/big.bin');
    await awsCliAs(admin, server.url, 's3', 'cp', 's3://drop/big.bin', join(dir, 'down.bin'));
    expect(readFileSync(join(dir, 'down.bin')).equals(data)).toBe(true);
  });

  it('a signed payload hash that does not match the body stores nothing (XAmzContentSHA256Mismatch)', async () => {
    const send = await signedRequest(`${server.url}/drop/tampered`, admin, {
      method: 'PUT',
      body: 'the signed body',
      service: 's3',
      headers: { 'x-amz-content-sha256': 'a'.repeat(64) },
    });
    // The signature covers the claimed hash, so it verifies; the body does not match it.
    const res = await send('the signed body');
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('<Code>XAmzContentSHA256Mismatch</Code>');
    const s3 = s3As(admin);
    expect(await code(s3.send(new GetObjectCommand({ Bucket: 'drop', Key: 'tampered' })))).toBe(
      'NoSuchKey 404',
    );
    s3.destroy();
  });
});
