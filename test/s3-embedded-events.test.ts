import { AddPermissionCommand, PutFunctionConcurrencyCommand } from '@aws-sdk/client-lambda';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  PutBucketNotificationConfigurationCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deploy, invoke, invokeWhenFree } from './helpers/functions';
import { startServer, type TestServer } from './helpers/server';

// Object events of the embedded store run functions through the bucket's notification
// configuration; functions read and write the embedded store through the SDK shim by default.

const arn = (name: string) => `arn:aws:lambda:us-east-1:000000000000:function:${name}`;

const collector = `
const events = [];
exports.handler = async (event) => {
  if (event.read) return events;
  events.push(event);
  return 'kept';
};`;

/** Reads an object, writes a transformed copy, lists, copies and deletes through the SDK shim. */
const worker = `
const { S3Client, GetObjectCommand, PutObjectCommand, ListObjectsV2Command, CopyObjectCommand,
  DeleteObjectCommand, HeadObjectCommand, ListBucketsCommand, NoSuchKey } = require('@aws-sdk/client-s3');
const s3 = new S3Client({});
exports.handler = async (event) => {
  const got = await s3.send(new GetObjectCommand({ Bucket: event.bucket, Key: event.key }));
  const text = await got.Body.transformToString();
  const put = await s3.send(new PutObjectCommand({ Bucket: event.bucket, Key: 'out/' + event.key,
    Body: text.toUpperCase(), ContentType: 'text/plain', Metadata: { from: event.key } }));
  const bytes = await s3.send(new PutObjectCommand({ Bucket: event.bucket, Key: 'out/bytes', Body: new Uint8Array([0, 1, 254, 255]) }));
  const list = await s3.send(new ListObjectsV2Command({ Bucket: event.bucket, Prefix: 'out/' }));
  await s3.send(new CopyObjectCommand({ Bucket: event.bucket, Key: 'out/copy', CopySource: event.bucket + '/out/' + event.key }));
  const head = await s3.send(new HeadObjectCommand({ Bucket: event.bucket, Key: 'out/copy' }));
  await s3.send(new DeleteObjectCommand({ Bucket: event.bucket, Key: 'out/bytes' }));
  let missing;
  try { await s3.send(new GetObjectCommand({ Bucket: event.bucket, Key: 'nope' })); }
  catch (e) { missing = { name: e.name, isClass: e instanceof NoSuchKey, status: e.$metadata.httpStatusCode }; }
  let noBucket;
  try { await s3.send(new PutObjectCommand({ Bucket: 'not-a-bucket-here', Key: 'k', Body: 'x' })); }
  catch (e) { noBucket = { name: e.name, status: e.$metadata.httpStatusCode }; }
  const buckets = (await s3.send(new ListBucketsCommand({}))).Buckets.map((b) => b.Name);
  return { text, etag: put.ETag, bytesEtag: bytes.ETag, keys: list.Contents.map((o) => o.Key),
    copyMeta: head.Metadata, copyType: head.ContentType, missing, noBucket, buckets };
};`;

let server: TestServer;
let s3: S3Client;

beforeAll(async () => {
  server = await startServer({ args: ['--executors', '1', '--async-retry-base-ms', '100'] });
  const lambda = server.lambda();
  await deploy(lambda, 'on-upload', { 'index.js': collector });
  await deploy(lambda, 'worker', { 'index.js': worker });
  await lambda.send(
    new PutFunctionConcurrencyCommand({ FunctionName: 'on-upload', ReservedConcurrentExecutions: 1 }),
  );
  await lambda.send(
    new AddPermissionCommand({
      FunctionName: 'on-upload',
      StatementId: 's3-inbox',
      Action: 'lambda:InvokeFunction',
      Principal: 's3.amazonaws.com',
      SourceArn: 'arn:aws:s3:::inbox',
    }),
  );
  s3 = new S3Client({
    endpoint: server.url,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
    maxAttempts: 1,
  });
  await s3.send(new CreateBucketCommand({ Bucket: 'inbox' }));
  await s3.send(
    new PutBucketNotificationConfigurationCommand({
      Bucket: 'inbox',
      NotificationConfiguration: {
        LambdaFunctionConfigurations: [
          {
            Id: 'jpegs',
            LambdaFunctionArn: arn('on-upload'),
            Events: ['s3:ObjectCreated:*'],
            Filter: {
              Key: {
                FilterRules: [
                  { Name: 'prefix', Value: 'photos/' },
                  { Name: 'suffix', Value: '.jpg' },
                ],
              },
            },
          },
          { Id: 'removals', LambdaFunctionArn: arn('on-upload'), Events: ['s3:ObjectRemoved:Delete'] },
        ],
      },
    }),
  );
});
afterAll(async () => {
  s3?.destroy();
  await server?.stop();
  server?.cleanup();
});

async function collected(): Promise<any[]> {
  return (await invokeWhenFree(server.lambda(), 'on-upload', { read: true })).payload;
}

async function waitFor(count: number): Promise<any[]> {
  const end = Date.now() + 10_000;
  for (;;) {
    const events = await collected();
    if (events.length >= count) return events;
    if (Date.now() > end) throw new Error(`only ${events.length} of ${count} deliveries`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('object events of the embedded store', () => {
  it('a PUT, a copy, a multipart upload and a delete each run the function once with the S3 event', async () => {
    const put = await s3.send(
      new PutObjectCommand({ Bucket: 'inbox', Key: 'photos/a b.jpg', Body: 'jpeg bytes' }),
    );
    // Filtered out: wrong suffix, wrong prefix.
    await s3.send(new PutObjectCommand({ Bucket: 'inbox', Key: 'photos/a.png', Body: 'png' }));
    await s3.send(new PutObjectCommand({ Bucket: 'inbox', Key: 'other/a.jpg', Body: 'jpg' }));
    const [first] = await waitFor(1);
    const record = first.Records[0];
    expect(first.Records).toHaveLength(1);
    expect(record).toEqual({
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      awsRegion: 'us-east-1',
      eventTime: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      eventName: 'ObjectCreated:Put',
      userIdentity: { principalId: 'anonymous' },
      requestParameters: { sourceIPAddress: '127.0.0.1' },
      responseElements: { 'x-amz-request-id': expect.any(String), 'x-amz-id-2': expect.any(String) },
      s3: {
        s3SchemaVersion: '1.0',
        configurationId: 'jpegs',
        bucket: { name: 'inbox', ownerIdentity: { principalId: 'anonymous' }, arn: 'arn:aws:s3:::inbox' },
        object: {
          key: 'photos/a+b.jpg',
          size: 10,
          eTag: put.ETag!.replace(/"/g, ''),
          sequencer: expect.stringMatching(/^[0-9A-F]{16}$/),
        },
      },
    });

    await s3.send(
      new CopyObjectCommand({ Bucket: 'inbox', Key: 'photos/copy.jpg', CopySource: 'inbox/other/a.jpg' }),
    );
    const { UploadId } = await s3.send(
      new CreateMultipartUploadCommand({ Bucket: 'inbox', Key: 'photos/multi.jpg' }),
    );
    const part = await s3.send(
      new UploadPartCommand({
        Bucket: 'inbox',
        Key: 'photos/multi.jpg',
        UploadId,
        PartNumber: 1,
        Body: 'one part',
      }),
    );
    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: 'inbox',
        Key: 'photos/multi.jpg',
        UploadId,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] },
      }),
    );
    await s3.send(new DeleteObjectCommand({ Bucket: 'inbox', Key: 'other/a.jpg' }));
    // Deleting what is not there removes nothing and fires nothing.
    await s3.send(new DeleteObjectCommand({ Bucket: 'inbox', Key: 'never-there' }));
    const events = await waitFor(4);
    await new Promise((r) => setTimeout(r, 300)); // time for a wrong extra delivery to show
    const all = await collected();
    expect(
      all.map((e) => [e.Records[0].eventName, e.Records[0].s3.object.key, e.Records[0].s3.configurationId]),
    ).toEqual([
      ['ObjectCreated:Put', 'photos/a+b.jpg', 'jpegs'],
      ['ObjectCreated:Copy', 'photos/copy.jpg', 'jpegs'],
      ['ObjectCreated:CompleteMultipartUpload', 'photos/multi.jpg', 'jpegs'],
      ['ObjectRemoved:Delete', 'other/a.jpg', 'removals'],
    ]);
    expect(events[2].Records[0].s3.object).toMatchObject({ size: 8, eTag: expect.stringMatching(/-1$/) });
    // Sequencers grow with every change.
    const sequencers = all.map((e) => e.Records[0].s3.object.sequencer);
    expect([...sequencers].sort()).toEqual(sequencers);
    expect(new Set(sequencers).size).toBe(4);
  });
});

describe('functions reach the embedded store by default', () => {
  it('reads, writes, lists, copies and deletes objects through the SDK shim, with S3 errors', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'work' }));
    await s3.send(new PutObjectCommand({ Bucket: 'work', Key: 'in.txt', Body: 'hello from outside' }));
    // The function's own writes fire events too, with the function as the principal.
    await server.lambda().send(
      new AddPermissionCommand({
        FunctionName: 'on-upload',
        StatementId: 's3-work',
        Action: 'lambda:InvokeFunction',
        Principal: 's3.amazonaws.com',
        SourceArn: 'arn:aws:s3:::work',
      }),
    );
    await s3.send(
      new PutBucketNotificationConfigurationCommand({
        Bucket: 'work',
        NotificationConfiguration: {
          LambdaFunctionConfigurations: [
            {
              Id: 'outputs',
              LambdaFunctionArn: arn('on-upload'),
              Events: ['s3:ObjectCreated:Put'],
              Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'out/in' }] } },
            },
          ],
        },
      }),
    );
    const before = (await collected()).length;
    const out = await invoke(server.lambda(), 'worker', { bucket: 'work', key: 'in.txt' });
    expect(out.functionError).toBeUndefined();
    expect(out.payload).toEqual({
      text: 'hello from outside',
      etag: expect.stringMatching(/^"[0-9a-f]{32}"$/),
      bytesEtag: expect.stringMatching(/^"[0-9a-f]{32}"$/),
      keys: ['out/bytes', 'out/in.txt'],
      copyMeta: { from: 'in.txt' },
      copyType: 'text/plain',
      missing: { name: 'NoSuchKey', isClass: true, status: 404 },
      noBucket: { name: 'NoSuchBucket', status: 404 },
      buckets: ['inbox', 'work'],
    });
    // What the function wrote is in the store, seen from outside.
    const got = await s3.send(new GetObjectCommand({ Bucket: 'work', Key: 'out/in.txt' }));
    expect(await got.Body!.transformToString()).toBe('HELLO FROM OUTSIDE');
    expect(got.Metadata).toEqual({ from: 'in.txt' });
    await expect(s3.send(new GetObjectCommand({ Bucket: 'work', Key: 'out/bytes' }))).rejects.toMatchObject({
      name: 'NoSuchKey',
    });
    const events = await waitFor(before + 1);
    const record = events[before].Records[0];
    expect(record).toMatchObject({
      eventName: 'ObjectCreated:Put',
      userIdentity: { principalId: 'worker' },
      s3: { configurationId: 'outputs', bucket: { name: 'work' }, object: { key: 'out/in.txt', size: 18 } },
    });
  });
});
