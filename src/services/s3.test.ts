import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maxObjectBodyBytes as shimMaxObjectBodyBytes } from '../shims/aws/s3-body';
import { ServiceEndpoints } from './endpoints';
import { type CallContext, ServiceCallFailure } from './host';
import { maxObjectBodyBytes, s3Service } from './s3';

// s3rver ships no type declarations.
const S3rver = createRequire(import.meta.url)('s3rver') as new (
  options: Record<string, unknown>,
) => { run(): Promise<{ port: number }>; close(): Promise<void> };

let storage: InstanceType<typeof S3rver>;
let dir: string;
let direct: S3Client;
let service: ReturnType<typeof s3Service>;

/** Nothing listens on port 1: an endpoint there cannot be reached. */
const unreachable = { endpoint: 'http://127.0.0.1:1', accessKeyId: 'k', secretAccessKey: 's' };

function context(deny?: string) {
  const asked: string[] = [];
  const ctx: CallContext = {
    caller: { functionName: 'fn', functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:fn' },
    signal: AbortSignal.timeout(20_000),
    authorize(action, resource) {
      asked.push(`${action} ${resource}`);
      if (action === deny) throw new ServiceCallFailure('AccessDenied', `not allowed: ${action}`, 403);
    },
  };
  return { ctx, asked };
}

async function failure(op: string, input: Record<string, unknown>, deny?: string) {
  const { ctx, asked } = context(deny);
  try {
    await service(op, input, ctx);
  } catch (e) {
    const err = e as ServiceCallFailure;
    return { code: err.code ?? err.name, status: err.statusCode, message: err.message, asked };
  }
  throw new Error(`${op} succeeded`);
}

const call = (op: string, input: Record<string, unknown>) => service(op, input, context().ctx);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'islet-s3-unit-'));
  storage = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: dir });
  const { port } = await storage.run();
  const url = `http://127.0.0.1:${port}`;
  direct = new S3Client({
    endpoint: url,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
  const local = { endpoint: url, accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
  const endpoints = new ServiceEndpoints(
    { s3: { default: local, buckets: { 'far-bucket': unreachable } } },
    { region: 'us-east-1' },
  );
  service = s3Service({ endpoints });
  await call('CreateBucket', { Bucket: 'near-bucket' });
});

afterAll(async () => {
  service?.close();
  direct?.destroy();
  await storage?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the S3 service', () => {
  it('answers with plain data: a Buffer body, Dates, numbers, no $metadata', async () => {
    await call('PutObject', {
      Bucket: 'near-bucket',
      Key: 'a.txt',
      Body: Buffer.from('hello'),
      ContentLength: 99,
    });
    const out = (await call('GetObject', { Bucket: 'near-bucket', Key: 'a.txt' })) as Record<string, unknown>;
    expect(Buffer.isBuffer(out.Body) && out.Body.toString()).toBe('hello');
    expect(out.LastModified).toBeInstanceOf(Date);
    expect(out.ContentLength).toBe(5);
    expect(out).not.toHaveProperty('$metadata');
  });

  it('asks for every permission before sending anything', async () => {
    // The source is denied: the copy is refused before the endpoint (unreachable) is even chosen.
    const r = await failure(
      'CopyObject',
      { Bucket: 'far-bucket', Key: 'b', CopySource: 'near-bucket/a.txt' },
      's3:GetObject',
    );
    expect(r).toMatchObject({ code: 'AccessDenied', status: 403 });
    expect(r.asked).toEqual(['s3:GetObject arn:aws:s3:::near-bucket/a.txt']);
    const batch = await failure(
      'DeleteObjects',
      { Bucket: 'near-bucket', Delete: { Objects: [{ Key: 'x' }, { Key: 'y' }] } },
      's3:DeleteObject',
    );
    expect(batch.code).toBe('AccessDenied');
    expect(await call('HeadObject', { Bucket: 'near-bucket', Key: 'a.txt' })).toMatchObject({
      ContentLength: 5,
    });
  });

  it('copies only between buckets that one endpoint serves', async () => {
    const r = await failure('CopyObject', { Bucket: 'near-bucket', Key: 'b', CopySource: 'far-bucket/a' });
    expect(r).toMatchObject({ code: 'InvalidRequest', status: 400 });
    expect(r.message).toMatch(/served by different S3 endpoints/);
    expect(r.asked).toHaveLength(2);
  });

  it('lists only the buckets the default endpoint serves', async () => {
    // This store has a far-bucket too, but the services file sends far-bucket's calls elsewhere.
    await direct.send(new CreateBucketCommand({ Bucket: 'far-bucket' }));
    await call('CreateBucket', { Bucket: 'other-bucket' });
    const out = (await call('ListBuckets', {})) as { Buckets: Array<{ Name: string }> };
    expect(out.Buckets.map((b) => b.Name).sort()).toEqual(['near-bucket', 'other-bucket']);
  });

  it('says which bucket could not be reached, never where its endpoint is', async () => {
    const r = await failure('GetObject', { Bucket: 'far-bucket', Key: 'k' });
    expect(r).toMatchObject({ code: 'ServiceUnavailable', status: 503 });
    expect(r.message).toMatch(/far-bucket/);
    expect(r.message).not.toMatch(/127\.0\.0\.1|:1\b/);
  });

  it('caps bodies at the size the SDK shim caps them at', () => {
    expect(maxObjectBodyBytes).toBe(shimMaxObjectBodyBytes);
    expect(maxObjectBodyBytes).toBe(12_386_304);
  });

  it('refuses a body over the cap on the way in and on the way out', async () => {
    const put = await failure('PutObject', {
      Bucket: 'near-bucket',
      Key: 'big',
      Body: Buffer.alloc(maxObjectBodyBytes + 1),
    });
    expect(put).toMatchObject({ code: 'EntityTooLarge', status: 400 });
    await direct.send(
      new PutObjectCommand({
        Bucket: 'near-bucket',
        Key: 'big',
        Body: Buffer.alloc(maxObjectBodyBytes + 10),
      }),
    );
    // A ranged read of a large object stays under the cap; the whole object does not.
    const part = (await call('GetObject', { Bucket: 'near-bucket', Key: 'big', Range: 'bytes=0-9' })) as {
      Body: Buffer;
    };
    expect(part.Body.length).toBe(10);
    const whole = await failure('GetObject', { Bucket: 'near-bucket', Key: 'big' });
    expect(whole).toMatchObject({ code: 'ResponseTooLarge', status: 413 });
    expect(whole.message).toMatch(/s3:\/\/near-bucket\/big is \d+ bytes/);
  });
});
