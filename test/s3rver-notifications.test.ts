import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AddPermissionCommand, PutFunctionConcurrencyCommand } from '@aws-sdk/client-lambda';
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  PutBucketNotificationConfigurationCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deploy, invokeWhenFree } from './helpers/functions';
import { startServer, type TestServer } from './helpers/server';

// s3rver ships no type declarations.
const S3rver = createRequire(__filename)('s3rver') as new (
  options: Record<string, unknown>,
) => {
  run(): Promise<{ address: string; port: number }>;
  close(): Promise<void>;
  on(event: 'event', listener: (event: { Records: any[] }) => void): void;
};

const arn = (name: string) => `arn:aws:lambda:us-east-1:000000000000:function:${name}`;

const collector = `
const events = [];
exports.handler = async (event) => {
  if (event.read) return events;
  events.push(event);
  return 'kept';
};`;

let server: TestServer;
let storage: InstanceType<typeof S3rver>;
let storageDir: string;
let objects: S3Client;
/** What s3rver emitted, and islet's answer to each POST of it. */
const emitted: Array<{ event: { Records: any[] }; answer: Promise<{ status: number; body: any }> }> = [];

beforeAll(async () => {
  // No --hook-token: islet accepts notifications from loopback senders only, as this one is.
  server = await startServer({ args: ['--executors', '1', '--async-retry-base-ms', '100'] });
  const client = server.lambda();
  await deploy(client, 'photo-handler', { 'index.js': collector });
  await client.send(
    new PutFunctionConcurrencyCommand({ FunctionName: 'photo-handler', ReservedConcurrentExecutions: 1 }),
  );
  await client.send(
    new AddPermissionCommand({
      FunctionName: 'photo-handler',
      StatementId: 's3-photos',
      Action: 'lambda:InvokeFunction',
      Principal: 's3.amazonaws.com',
      SourceArn: 'arn:aws:s3:::photos',
    }),
  );
  const control = new S3Client({
    endpoint: server.url,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
    maxAttempts: 1,
  });
  await control.send(
    new PutBucketNotificationConfigurationCommand({
      Bucket: 'photos',
      NotificationConfiguration: {
        LambdaFunctionConfigurations: [
          {
            Id: 'raw-photos',
            LambdaFunctionArn: arn('photo-handler'),
            Events: ['s3:ObjectCreated:*'],
            Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'raw/' }] } },
          },
        ],
      },
    }),
  );
  control.destroy();

  storageDir = mkdtempSync(join(tmpdir(), 'islet-s3rver-'));
  storage = new S3rver({
    port: 0,
    address: '127.0.0.1',
    silent: true,
    directory: storageDir,
    configureBuckets: [{ name: 'photos' }],
  });
  const address = await storage.run();
  // Wire s3rver's notifications to islet the way S3 delivers them: one POST per event.
  storage.on('event', (event) => {
    const answer = fetch(`${server.url}/hooks/storage`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(event),
    }).then(async (res) => ({ status: res.status, body: await res.json() }));
    emitted.push({ event, answer });
  });
  objects = new S3Client({
    endpoint: `http://127.0.0.1:${address.port}`,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    maxAttempts: 1,
  });
});
afterAll(async () => {
  objects?.destroy();
  await storage?.close();
  if (storageDir) rmSync(storageDir, { recursive: true, force: true });
  await server?.stop();
  server?.cleanup();
});

// The collector has one slot: a delivery may hold it for a moment.
async function collected(): Promise<any[]> {
  return (await invokeWhenFree(server.lambda(), 'photo-handler', { read: true })).payload;
}

async function waitForDeliveries(count: number, timeoutMs = 10_000): Promise<any[]> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const events = await collected();
    if (events.length >= count) return events;
    if (Date.now() > end) throw new Error(`only ${events.length} of ${count} deliveries`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Waits for s3rver's notification for a key and islet's answer to it. */
async function notificationFor(key: string, eventName: string) {
  const end = Date.now() + 5000;
  for (;;) {
    const found = emitted.find(
      (e) => e.event.Records[0].s3.object.key === key && e.event.Records[0].eventName === eventName,
    );
    if (found) return { record: found.event.Records[0], answer: await found.answer };
    if (Date.now() > end) throw new Error(`s3rver sent no ${eventName} for ${key}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const zero = { queued: 0, duplicates: 0, unmatched: 0, denied: 0, missing: 0 };

describe('s3rver bucket notifications to islet', () => {
  it('runs the function for objects under raw/ only, with the key, size and eTag s3rver reported', async () => {
    const raw = await objects.send(
      new PutObjectCommand({
        Bucket: 'photos',
        Key: 'raw/a.jpg',
        Body: 'jpeg bytes',
        ContentType: 'image/jpeg',
      }),
    );
    const other = await objects.send(
      new PutObjectCommand({ Bucket: 'photos', Key: 'other/b.jpg', Body: 'other bytes, longer' }),
    );

    const a = await notificationFor('raw/a.jpg', 'ObjectCreated:Put');
    const b = await notificationFor('other/b.jpg', 'ObjectCreated:Put');
    // islet accepted both posts from the loopback sender without a token.
    expect(a.answer).toEqual({ status: 200, body: { ...zero, queued: 1 } });
    expect(b.answer).toEqual({ status: 200, body: { ...zero, unmatched: 1 } });
    // What s3rver reported matches the upload.
    expect(a.record.s3.object.size).toBe(Buffer.byteLength('jpeg bytes'));
    expect(`"${a.record.s3.object.eTag}"`).toBe(raw.ETag);
    expect(`"${b.record.s3.object.eTag}"`).toBe(other.ETag);

    const events = await waitForDeliveries(1);
    await new Promise((r) => setTimeout(r, 300)); // time for a wrong second delivery to show
    expect(await collected()).toHaveLength(1);
    expect(events[0].Records).toHaveLength(1);
    const delivered = events[0].Records[0];
    expect(delivered.eventSource).toBe('aws:s3');
    expect(delivered.eventName).toBe('ObjectCreated:Put');
    expect(delivered.s3.bucket.name).toBe('photos');
    expect(delivered.s3.configurationId).toBe('raw-photos');
    expect(delivered.s3.object).toEqual({
      key: 'raw/a.jpg',
      size: 10,
      eTag: raw.ETag!.replace(/"/g, ''),
      sequencer: a.record.s3.object.sequencer,
    });
    // Everything else is the record s3rver sent, unchanged.
    expect(delivered).toEqual({ ...a.record, s3: { ...a.record.s3, configurationId: 'raw-photos' } });
  });

  it('runs it for a copy into raw/ and not for a delete', async () => {
    await objects.send(
      new CopyObjectCommand({ Bucket: 'photos', Key: 'raw/c.jpg', CopySource: '/photos/other/b.jpg' }),
    );
    await objects.send(new DeleteObjectCommand({ Bucket: 'photos', Key: 'raw/a.jpg' }));
    const copy = await notificationFor('raw/c.jpg', 'ObjectCreated:Copy');
    const removed = await notificationFor('raw/a.jpg', 'ObjectRemoved:Delete');
    expect(copy.answer).toEqual({ status: 200, body: { ...zero, queued: 1 } });
    expect(removed.answer).toEqual({ status: 200, body: { ...zero, unmatched: 1 } });

    const events = await waitForDeliveries(2);
    await new Promise((r) => setTimeout(r, 300));
    expect(await collected()).toHaveLength(2);
    const delivered = events[1].Records[0];
    expect(delivered.eventName).toBe('ObjectCreated:Copy');
    expect(delivered.eventSource).toBe('aws:s3');
    expect(delivered.s3.object.key).toBe('raw/c.jpg');
    expect(delivered.s3.object.size).toBe(Buffer.byteLength('other bytes, longer'));
    expect(delivered).toEqual({
      ...copy.record,
      s3: {
        ...copy.record.s3,
        configurationId: 'raw-photos',
        object: { ...copy.record.s3.object, size: Number(copy.record.s3.object.size) },
      },
    });
  });
});
