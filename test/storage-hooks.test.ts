import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  AddPermissionCommand,
  GetPolicyCommand,
  PutFunctionConcurrencyCommand,
  RemovePermissionCommand,
} from '@aws-sdk/client-lambda';
import {
  GetBucketNotificationConfigurationCommand,
  type LambdaFunctionConfiguration,
  ListObjectsV2Command,
  PutBucketNotificationConfigurationCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deploy, invoke, invokeWhenFree } from './helpers/functions';
import { startServer, type TestServer } from './helpers/server';

const token = 'hook-t0ken-for-tests';
const arn = (name: string) => `arn:aws:lambda:us-east-1:000000000000:function:${name}`;

// Keeps every event it receives; {read:true} returns them. Reserved concurrency 1 keeps a single
// environment, so its module state is the whole history of deliveries.
const collector = `
const events = [];
exports.handler = async (event) => {
  if (event.read) return events;
  events.push(event);
  return 'kept';
};`;

/** Buckets whose events S3 may send to the collector. */
const buckets = [
  'roundtrip',
  'guarded',
  'matching',
  'minio-bucket',
  'replayed',
  'signed',
  'unauthorised',
  'big-bucket',
  'sns-bucket',
  'ceph-bucket',
  'sentinel',
  'revoked',
];

let server: TestServer;
let s3: S3Client;

beforeAll(async () => {
  server = await startServer({
    args: ['--executors', '1', '--async-retry-base-ms', '100', '--hook-token', token],
  });
  s3 = new S3Client({
    endpoint: server.url,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
    maxAttempts: 1,
  });
  const client = server.lambda();
  await deploy(client, 'collector', { 'index.js': collector });
  await client.send(
    new PutFunctionConcurrencyCommand({ FunctionName: 'collector', ReservedConcurrentExecutions: 1 }),
  );
  await deploy(client, 'unpermitted', { 'index.js': 'exports.handler = async () => "never";' });
  // Every permission is granted before the first delivery, so no policy change happens while the
  // collector holds events (see 'a policy change keeps warm environments').
  for (const bucket of buckets) await allowBucket(bucket);
});
afterAll(async () => {
  s3?.destroy();
  await server?.stop();
  server?.cleanup();
});

/** Lets S3 invoke the collector for one bucket, as AWS's console does before a trigger is added. */
async function allowBucket(bucket: string): Promise<void> {
  await server.lambda().send(
    new AddPermissionCommand({
      FunctionName: 'collector',
      StatementId: `s3-${bucket}`,
      Action: 'lambda:InvokeFunction',
      Principal: 's3.amazonaws.com',
      SourceArn: `arn:aws:s3:::${bucket}`,
      SourceAccount: '000000000000',
    }),
  );
}

async function configure(bucket: string, configs: LambdaFunctionConfiguration[]): Promise<void> {
  const out = await s3.send(
    new PutBucketNotificationConfigurationCommand({
      Bucket: bucket,
      NotificationConfiguration: { LambdaFunctionConfigurations: configs },
    }),
  );
  expect(out.$metadata.httpStatusCode).toBe(200);
}

async function getConfigs(bucket: string): Promise<LambdaFunctionConfiguration[]> {
  const out = await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: bucket }));
  expect(out.$metadata.httpStatusCode).toBe(200);
  return out.LambdaFunctionConfigurations ?? [];
}

/** Expects an S3 call to fail with this S3 error code and HTTP status. */
async function s3Error(p: Promise<unknown>, code: string, status: number): Promise<S3ServiceException> {
  const e = await p.then(
    () => {
      throw new Error(`expected ${code}`);
    },
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(S3ServiceException);
  const err = e as S3ServiceException;
  expect(err.name).toBe(code);
  expect(err.$metadata.httpStatusCode).toBe(status);
  return err;
}

/** POSTs to the storage hook; authenticated with the bearer token unless headers say otherwise. */
async function hook(
  body: string | object,
  headers: Record<string, string> = { authorization: `Bearer ${token}` },
): Promise<{ status: number; body: any }> {
  const res = await fetch(`${server.url}/hooks/storage`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

// The collector has one slot: a delivery may hold it for a moment.
async function collected(): Promise<any[]> {
  return (await invokeWhenFree(server.lambda(), 'collector', { read: true })).payload;
}

/**
 * The records the collector received for a bucket, once there are at least `count`. Deliveries
 * and these reads compete for the collector's one slot, and a throttled delivery backs off
 * exponentially (from 100 ms here): on a loaded machine the last one can take over 10 s.
 */
async function deliveredFor(bucket: string, count: number, timeoutMs = 20_000): Promise<any[]> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const events = await collected();
    for (const e of events) expect(e.Records).toHaveLength(1); // one record per invocation, as S3 does
    const records = events.map((e) => e.Records[0]).filter((r) => r.s3.bucket.name === bucket);
    if (records.length >= count) return records;
    if (Date.now() > end) throw new Error(`only ${records.length} of ${count} deliveries for ${bucket}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const zero = { queued: 0, duplicates: 0, unmatched: 0, denied: 0, missing: 0 };

/** An AWS S3 record (eventName without the s3: prefix, URL-encoded key). */
function awsRecord(
  bucket: string,
  key: string,
  eventName = 'ObjectCreated:Put',
  sequencer = '0055AED6DCD90281E5',
) {
  return {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    awsRegion: 'us-east-1',
    eventTime: '2024-05-01T10:00:00.000Z',
    eventName,
    userIdentity: { principalId: 'AWS:AIDAINPONIXQXHT3IKHL2' },
    requestParameters: { sourceIPAddress: '205.255.255.255' },
    responseElements: {
      'x-amz-request-id': 'D82B88E5F771F645',
      'x-amz-id-2': 'vlR7PnpV2Ce81l0PRw6jlUpck7Jo5ZsQjryTjKlc5aLWGVHPZLj5NeC6qMa0emYBDXOo6QBU0Wo=',
    },
    s3: {
      s3SchemaVersion: '1.0',
      configurationId: 'set-by-s3',
      bucket: {
        name: bucket,
        ownerIdentity: { principalId: 'A3I5XTEXAMAI3E' },
        arn: `arn:aws:s3:::${bucket}`,
      },
      object: { key, size: 1305107, eTag: 'b21b84d653bb07b05b1e6b33684dc11b', sequencer },
    },
  };
}

/** A MinIO webhook post for one object (MinIO keeps the s3: prefix and adds source and metadata). */
function minioPost(bucket: string, key: string, sequencer = '17C9A4E1D2B3F4A6') {
  return {
    EventName: 's3:ObjectCreated:Put',
    Key: `${bucket}/${key}`,
    Records: [
      {
        eventVersion: '2.0',
        eventSource: 'minio:s3',
        awsRegion: '',
        eventTime: '2024-05-01T10:00:00.000Z',
        eventName: 's3:ObjectCreated:Put',
        userIdentity: { principalId: 'minioadmin' },
        requestParameters: { principalId: 'minioadmin', region: '', sourceIPAddress: '10.0.0.7' },
        responseElements: {
          'x-amz-id-2': 'dd9025bab4ad464b049177c95eb6ebf374d3b3fd1af9251148b658df7ac2e3e8',
          'x-amz-request-id': '17C9A4E1D2B3F4A5',
          'x-minio-deployment-id': '6d2b4fd0-6d28-4b3e-9b3c-0b1b1e0c1a2b',
          'x-minio-origin-endpoint': 'http://10.0.0.7:9000',
        },
        s3: {
          s3SchemaVersion: '1.0',
          configurationId: 'Config',
          bucket: {
            name: bucket,
            ownerIdentity: { principalId: 'minioadmin' },
            arn: `arn:aws:s3:::${bucket}`,
          },
          object: {
            key,
            size: 3,
            eTag: 'acbd18db4cc2f85cedef654fccc4a4d8',
            contentType: 'image/jpeg',
            userMetadata: { 'content-type': 'image/jpeg', 'X-Amz-Meta-Camera': 'x100' },
            sequencer,
          },
        },
        source: { host: '10.0.0.7', port: '', userAgent: 'MinIO (linux; amd64) minio-go/v7.0.70' },
      },
    ],
  };
}

describe('bucket notification configuration (S3 API on islet)', () => {
  it('round-trips LambdaFunctionConfigurations with events and Prefix/Suffix rules', async () => {
    expect(await getConfigs('roundtrip')).toEqual([]);
    await configure('roundtrip', [
      {
        Id: 'images',
        LambdaFunctionArn: arn('collector'),
        Events: ['s3:ObjectCreated:*', 's3:ObjectRestore:Completed'],
        Filter: {
          Key: {
            FilterRules: [
              { Name: 'prefix', Value: 'raw/' },
              { Name: 'suffix', Value: '.jpg' },
            ],
          },
        },
      },
      { Id: 'deletes', LambdaFunctionArn: arn('collector'), Events: ['s3:ObjectRemoved:Delete'] },
    ]);
    expect(await getConfigs('roundtrip')).toEqual([
      {
        Id: 'images',
        LambdaFunctionArn: arn('collector'),
        Events: ['s3:ObjectCreated:*', 's3:ObjectRestore:Completed'],
        Filter: {
          Key: {
            FilterRules: [
              { Name: 'Prefix', Value: 'raw/' },
              { Name: 'Suffix', Value: '.jpg' },
            ],
          },
        },
      },
      { Id: 'deletes', LambdaFunctionArn: arn('collector'), Events: ['s3:ObjectRemoved:Delete'] },
    ]);

    // A put replaces the whole configuration; without an Id, one is generated.
    await configure('roundtrip', [
      {
        LambdaFunctionArn: arn('collector'),
        Events: ['s3:ObjectCreated:Put'],
        Filter: { Key: { FilterRules: [{ Name: 'Suffix' as 'suffix', Value: '.png' }] } },
      },
    ]);
    const replaced = await getConfigs('roundtrip');
    expect(replaced).toHaveLength(1);
    expect(replaced[0].Id).toMatch(/^\S+$/);
    expect(replaced[0]).toEqual({
      Id: replaced[0].Id,
      LambdaFunctionArn: arn('collector'),
      Events: ['s3:ObjectCreated:Put'],
      Filter: { Key: { FilterRules: [{ Name: 'Suffix', Value: '.png' }] } },
    });

    // An empty configuration removes it.
    await configure('roundtrip', []);
    expect(await getConfigs('roundtrip')).toEqual([]);
  });

  it('shows the S3 permission in GetPolicy', async () => {
    const out = await server.lambda().send(new GetPolicyCommand({ FunctionName: 'collector' }));
    const policy = JSON.parse(out.Policy!);
    expect(policy.Version).toBe('2012-10-17');
    expect(policy.Statement).toContainEqual({
      Sid: 's3-roundtrip',
      Effect: 'Allow',
      Principal: { Service: 's3.amazonaws.com' },
      Action: 'lambda:InvokeFunction',
      Resource: arn('collector'),
      Condition: {
        ArnLike: { 'AWS:SourceArn': 'arn:aws:s3:::roundtrip' },
        StringEquals: { 'AWS:SourceAccount': '000000000000' },
      },
    });
  });

  it('refuses a function without the S3 permission, a missing function and bad events, storing nothing', async () => {
    const good: LambdaFunctionConfiguration = {
      Id: 'kept',
      LambdaFunctionArn: arn('collector'),
      Events: ['s3:ObjectCreated:*'],
    };
    await configure('guarded', [good]);

    const noPermission = await s3Error(
      configure('guarded', [
        good,
        { Id: 'new', LambdaFunctionArn: arn('unpermitted'), Events: ['s3:ObjectCreated:*'] },
      ]),
      'InvalidArgument',
      400,
    );
    expect(noPermission.message).toContain(arn('unpermitted'));
    const missing = await s3Error(
      configure('guarded', [
        { Id: 'gone', LambdaFunctionArn: arn('no-such-function'), Events: ['s3:ObjectCreated:*'] },
      ]),
      'InvalidArgument',
      400,
    );
    expect(missing.message).toContain(arn('no-such-function'));
    // The collector's permission names other buckets, not this one.
    await s3Error(
      configure('not-allowed-bucket', [
        { Id: 'x', LambdaFunctionArn: arn('collector'), Events: ['s3:ObjectCreated:*'] },
      ]),
      'InvalidArgument',
      400,
    );
    await s3Error(
      configure('guarded', [
        {
          Id: 'bad-event',
          LambdaFunctionArn: arn('collector'),
          Events: ['ObjectCreated:Put' as 's3:ObjectCreated:Put'],
        },
      ]),
      'InvalidArgument',
      400,
    );
    await s3Error(
      configure('guarded', [
        {
          Id: 'bad-rule',
          LambdaFunctionArn: arn('collector'),
          Events: ['s3:ObjectCreated:*'],
          Filter: { Key: { FilterRules: [{ Name: 'contains' as 'prefix', Value: 'x' }] } },
        },
      ]),
      'InvalidArgument',
      400,
    );

    // Nothing of the refused puts was stored.
    expect(await getConfigs('guarded')).toEqual([good]);
    expect(await getConfigs('not-allowed-bucket')).toEqual([]);
  });

  it('answers object operations on a bucket the embedded store does not hold with NoSuchBucket (404)', async () => {
    await s3Error(s3.send(new ListObjectsV2Command({ Bucket: 'guarded' })), 'NoSuchBucket', 404);
    await s3Error(
      s3.send(new PutObjectCommand({ Bucket: 'guarded', Key: 'a.txt', Body: 'hello' })),
      'NoSuchBucket',
      404,
    );
  });
});

describe('storage webhook', () => {
  it('answers MinIO probes: GET, HEAD and an empty POST, queueing nothing', async () => {
    const get = await fetch(`${server.url}/hooks/storage`);
    expect(get.status).toBe(200);
    await get.arrayBuffer();
    const head = await fetch(`${server.url}/hooks/storage`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    const empty = await hook('');
    expect(empty.status).toBe(200);
    expect(empty.body.queued).toBe(0);
    const testEvent = await hook({
      Service: 'Amazon S3',
      Event: 's3:TestEvent',
      Time: '2024-05-01T10:00:00.000Z',
      Bucket: 'guarded',
      RequestId: '5582815E1AEA5ADF',
      HostId: '8cLeGAmw098X5cv4Zkwcmo8vvZa3eH3eKxsPzbB9wrR+YstdA6Knx4Ip8EXAMPLE',
    });
    expect(testEvent.status).toBe(200);
    expect(testEvent.body.queued).toBe(0);
  });

  it('refuses bodies that are not notifications with 400', async () => {
    const notJson = await hook('this is not json');
    expect(notJson).toEqual({
      status: 400,
      body: { message: 'not a storage notification: the body is not JSON' },
    });
    const noRecords = await hook({ Bucket: 'guarded', Key: 'a.jpg' });
    expect(noRecords).toEqual({
      status: 400,
      body: { message: 'not a storage notification: no Records in the notification' },
    });
    const notS3 = await hook({ Records: [{ eventSource: 'aws:sqs', messageId: 'm', body: '{}' }] });
    expect(notS3).toEqual({
      status: 400,
      body: { message: 'not a storage notification: a record is not an S3 object notification' },
    });
  });

  it('matches records by event wildcard, exact event, prefix and decoded suffix; the rest is unmatched', async () => {
    await configure('matching', [
      {
        Id: 'created-raw',
        LambdaFunctionArn: arn('collector'),
        Events: ['s3:ObjectCreated:*'],
        Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'raw/' }] } },
      },
      {
        Id: 'put-png',
        LambdaFunctionArn: arn('collector'),
        Events: ['s3:ObjectCreated:Put'],
        Filter: { Key: { FilterRules: [{ Name: 'suffix', Value: '.png' }] } },
      },
      {
        Id: 'delete-jpg',
        LambdaFunctionArn: arn('collector'),
        Events: ['s3:ObjectRemoved:Delete'],
        Filter: { Key: { FilterRules: [{ Name: 'suffix', Value: ' final.jpg' }] } },
      },
      {
        Id: 'spaced',
        LambdaFunctionArn: arn('collector'),
        Events: ['s3:ObjectCreated:*'],
        Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'my photos/' }] } },
      },
    ]);
    const res = await hook({
      Records: [
        awsRecord('matching', 'raw/my+photo.jpg', 'ObjectCreated:Put', 'A1'), // created-raw
        awsRecord('matching', 'raw/x.png', 'ObjectCreated:Copy', 'A2'), // created-raw (Copy is not Put)
        awsRecord('matching', 'img/y.png', 'ObjectCreated:Put', 'A3'), // put-png
        awsRecord('matching', 'img/z+final.jpg', 'ObjectRemoved:Delete', 'A4'), // delete-jpg
        awsRecord('matching', 'img/w+final.jpg', 'ObjectRemoved:DeleteMarkerCreated', 'A5'), // unmatched
        awsRecord('matching', 'my+photos/a%2Bb.jpg', 'ObjectCreated:Post', 'A6'), // spaced
        awsRecord('matching', 'my%20photos/c.png', 'ObjectCreated:Put', 'A7'), // spaced and put-png
        awsRecord('matching', 'other/q.txt', 'ObjectCreated:Put', 'A8'), // unmatched
        awsRecord('matching', 'RAW/upper.jpg', 'ObjectCreated:Put', 'A9'), // unmatched: prefixes are case-sensitive
      ],
    });
    expect(res).toEqual({ status: 200, body: { ...zero, queued: 7, unmatched: 3 } });
    const records = await deliveredFor('matching', 7);
    // Give a wrong extra delivery time to arrive before checking there is none.
    await new Promise((r) => setTimeout(r, 300));
    const all = await deliveredFor('matching', 7);
    const seen = all.map((r) => `${r.s3.configurationId} ${r.eventName} ${r.s3.object.key}`).sort();
    expect(seen).toEqual(
      [
        'created-raw ObjectCreated:Put raw/my+photo.jpg',
        'created-raw ObjectCreated:Copy raw/x.png',
        'put-png ObjectCreated:Put img/y.png',
        'delete-jpg ObjectRemoved:Delete img/z+final.jpg',
        'spaced ObjectCreated:Post my+photos/a%2Bb.jpg',
        'spaced ObjectCreated:Put my%20photos/c.png',
        'put-png ObjectCreated:Put my%20photos/c.png',
      ].sort(),
    );
    // The handler gets the record as S3 sent it, with the configuration's Id.
    const first = records.find((r) => r.s3.object.sequencer === 'A1');
    const sent = awsRecord('matching', 'raw/my+photo.jpg', 'ObjectCreated:Put', 'A1');
    expect(first).toEqual({ ...sent, s3: { ...sent.s3, configurationId: 'created-raw' } });
  });

  it('delivers a MinIO post authenticated with Authorization: Bearer, eventName without s3: and source kept', async () => {
    await configure('minio-bucket', [
      { Id: 'minio-config', LambdaFunctionArn: arn('collector'), Events: ['s3:ObjectCreated:*'] },
    ]);
    const post = minioPost('minio-bucket', 'raw%2Fcam+1.jpg');
    const res = await hook(post, { authorization: `Bearer ${token}` });
    expect(res).toEqual({ status: 200, body: { ...zero, queued: 1 } });
    const [record] = await deliveredFor('minio-bucket', 1);
    const sent = post.Records[0];
    expect(record).toEqual({
      ...sent,
      awsRegion: 'us-east-1',
      eventName: 'ObjectCreated:Put',
      s3: { ...sent.s3, configurationId: 'minio-config' },
    });
    expect(record.eventSource).toBe('minio:s3');
    expect(record.source).toEqual({
      host: '10.0.0.7',
      port: '',
      userAgent: 'MinIO (linux; amd64) minio-go/v7.0.70',
    });
    expect(record.s3.object.contentType).toBe('image/jpeg');
    expect(record.s3.object.userMetadata).toEqual({
      'content-type': 'image/jpeg',
      'X-Amz-Meta-Camera': 'x100',
    });
  });

  it('runs the same MinIO record posted twice once', async () => {
    await configure('replayed', [
      { Id: 'replay-config', LambdaFunctionArn: arn('collector'), Events: ['s3:ObjectCreated:*'] },
    ]);
    const post = minioPost('replayed', 'once.jpg', '17C9A4E1D2B3F4FF');
    expect(await hook(post)).toEqual({ status: 200, body: { ...zero, queued: 1 } });
    expect(await hook(post)).toEqual({ status: 200, body: { ...zero, duplicates: 1 } });
    await deliveredFor('replayed', 1);
    // After the first delivery ran, a replay is still recognised.
    expect(await hook(JSON.stringify(post, null, 2))).toEqual({
      status: 200,
      body: { ...zero, duplicates: 1 },
    });
    // A new upload of the same key (new sequencer) is a new event.
    expect(await hook(minioPost('replayed', 'once.jpg', '17C9A4E1D2B3F500'))).toEqual({
      status: 200,
      body: { ...zero, queued: 1 },
    });
    await deliveredFor('replayed', 2);
    await new Promise((r) => setTimeout(r, 300));
    const records = await deliveredFor('replayed', 2);
    expect(records.map((r) => r.s3.object.sequencer)).toEqual(['17C9A4E1D2B3F4FF', '17C9A4E1D2B3F500']);
  });

  it('accepts an HMAC-SHA256 signature of the raw body', async () => {
    await configure('signed', [
      { Id: 'signed-config', LambdaFunctionArn: arn('collector'), Events: ['s3:ObjectCreated:*'] },
    ]);
    const body = JSON.stringify({ Records: [awsRecord('signed', 'ok.jpg', 'ObjectCreated:Put', 'S1')] });
    const signature = createHmac('sha256', token).update(body).digest('hex');
    expect(await hook(body, { 'x-islet-signature': `sha256=${signature}` })).toEqual({
      status: 200,
      body: { ...zero, queued: 1 },
    });
    const [record] = await deliveredFor('signed', 1);
    expect(record.s3.object.key).toBe('ok.jpg');
    expect(record.s3.configurationId).toBe('signed-config');
  });

  it('refuses missing (401) and wrong (403) credentials and queues nothing', async () => {
    // The bucket is configured and allowed: only the credentials stand in the way.
    await configure('unauthorised', [
      { Id: 'auth-config', LambdaFunctionArn: arn('collector'), Events: ['s3:ObjectCreated:*'] },
    ]);
    const body = JSON.stringify({
      Records: [awsRecord('unauthorised', 'secret.jpg', 'ObjectCreated:Put', 'U1')],
    });
    expect(await hook(body, {})).toEqual({
      status: 401,
      body: { message: 'a hook token is required: Authorization: Bearer or X-Islet-Signature' },
    });
    const invalid = { status: 403, body: { message: 'the hook credential is not valid' } };
    expect(await hook(body, { authorization: 'Bearer not-the-token' })).toEqual(invalid);
    expect(await hook(body, { authorization: `Bearer ${token}x` })).toEqual(invalid);
    expect(
      await hook(body, { authorization: `Basic ${Buffer.from(`u:${token}`).toString('base64')}` }),
    ).toEqual(invalid);
    const otherBody = JSON.stringify({ Records: [awsRecord('unauthorised', 'other.jpg')] });
    const signedOther = createHmac('sha256', token).update(otherBody).digest('hex');
    expect(await hook(body, { 'x-islet-signature': `sha256=${signedOther}` })).toEqual(invalid);
    const wrongKey = createHmac('sha256', 'not-the-token').update(body).digest('hex');
    expect(await hook(body, { 'x-islet-signature': `sha256=${wrongKey}` })).toEqual(invalid);
    expect(await hook(body, { 'x-islet-signature': 'md5=abc' })).toEqual(invalid);
    // Probes need the credential as well once a token is set.
    expect((await hook('', {})).status).toBe(401);
    // Checked at the end of the file: nothing for this bucket ever ran.
  });

  it('rejects a body over 1 MB with 413 and queues nothing', async () => {
    await configure('big-bucket', [
      { Id: 'big-config', LambdaFunctionArn: arn('collector'), Events: ['s3:ObjectCreated:*'] },
    ]);
    const record = awsRecord('big-bucket', 'huge.jpg', 'ObjectCreated:Put', 'B1');
    const big = JSON.stringify({ Records: [{ ...record, padding: 'x'.repeat(1024 * 1024) }] });
    const res = await hook(big);
    expect(res.status).toBe(413);
    // Streamed without a Content-Length, the cap still holds.
    const chunk = Buffer.from(big);
    const streamed = await fetch(`${server.url}/hooks/storage`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: new ReadableStream({
        start(controller) {
          for (let i = 0; i < chunk.length; i += 64 * 1024)
            controller.enqueue(chunk.subarray(i, i + 64 * 1024));
          controller.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    expect(streamed.status).toBe(413);
    await streamed.arrayBuffer();
    // A notification of ordinary size for the same bucket is delivered.
    expect(
      await hook({ Records: [awsRecord('big-bucket', 'small.jpg', 'ObjectCreated:Put', 'B2')] }),
    ).toEqual({
      status: 200,
      body: { ...zero, queued: 1 },
    });
    const [delivered] = await deliveredFor('big-bucket', 1);
    expect(delivered.s3.object.key).toBe('small.jpg');
  });
});

describe('SNS', () => {
  let subscribeServer: Server;
  const visits: Array<{ method: string; url: string }> = [];
  beforeAll(async () => {
    subscribeServer = createServer((req: IncomingMessage, res) => {
      visits.push({ method: req.method!, url: req.url! });
      if (req.url!.startsWith('/fail')) {
        res.writeHead(500).end('no');
        return;
      }
      res
        .writeHead(200, { 'content-type': 'text/xml' })
        .end(
          '<ConfirmSubscriptionResponse><ConfirmSubscriptionResult><SubscriptionArn>arn:aws:sns:us-east-1:123456789012:bucket-events:1</SubscriptionArn></ConfirmSubscriptionResult></ConfirmSubscriptionResponse>',
        );
    });
    await new Promise<void>((r) => subscribeServer.listen(0, '127.0.0.1', r));
  });
  afterAll(async () => {
    await new Promise((r) => subscribeServer?.close(r));
  });
  const topicArn = 'arn:aws:sns:us-east-1:123456789012:bucket-events';
  const subscribeUrl = (path: string) =>
    `http://127.0.0.1:${(subscribeServer.address() as AddressInfo).port}${path}?Action=ConfirmSubscription&TopicArn=${encodeURIComponent(topicArn)}&Token=2336412f37f`;
  const confirmation = (url: string) => ({
    Type: 'SubscriptionConfirmation',
    MessageId: '165545c9-2a5c-472c-8df2-7ff2be2b3b1b',
    Token: '2336412f37f',
    TopicArn: topicArn,
    Message: `You have chosen to subscribe to the topic ${topicArn}.`,
    SubscribeURL: url,
    Timestamp: '2024-05-01T10:00:00.000Z',
    SignatureVersion: '1',
    Signature: 'EXAMPLE',
    SigningCertURL: 'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0000.pem',
  });
  const snsHeaders = (type: string) => ({
    authorization: `Bearer ${token}`,
    'content-type': 'text/plain; charset=UTF-8',
    'x-amz-sns-message-type': type,
    'x-amz-sns-topic-arn': topicArn,
  });

  it('confirms a SubscriptionConfirmation by visiting SubscribeURL', async () => {
    const url = subscribeUrl('/confirm');
    const res = await hook(confirmation(url), snsHeaders('SubscriptionConfirmation'));
    expect(res).toEqual({ status: 200, body: { confirmed: topicArn } });
    expect(visits).toEqual([{ method: 'GET', url: url.slice(url.indexOf('/confirm')) }]);
  });

  it('answers 502 when SubscribeURL cannot be visited', async () => {
    visits.length = 0;
    const failing = await hook(confirmation(subscribeUrl('/fail')), snsHeaders('SubscriptionConfirmation'));
    expect(failing).toEqual({ status: 502, body: { message: 'could not confirm the SNS subscription' } });
    expect(visits.map((v) => v.url.split('?')[0])).toEqual(['/fail']);
    const unreachable = await hook(
      confirmation('http://127.0.0.1:1/confirm?Token=x'),
      snsHeaders('SubscriptionConfirmation'),
    );
    expect(unreachable.status).toBe(502);
  });

  it('delivers the S3 event in a Notification Message; an UnsubscribeConfirmation queues nothing', async () => {
    await configure('sns-bucket', [
      { Id: 'sns-config', LambdaFunctionArn: arn('collector'), Events: ['s3:ObjectCreated:*'] },
    ]);
    const sent = awsRecord('sns-bucket', 'via/sns.jpg', 'ObjectCreated:Put', 'N1');
    const res = await hook(
      {
        Type: 'Notification',
        MessageId: '22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324',
        TopicArn: topicArn,
        Subject: 'Amazon S3 Notification',
        Message: JSON.stringify({ Records: [sent] }),
        Timestamp: '2024-05-01T10:00:01.000Z',
        SignatureVersion: '1',
        Signature: 'EXAMPLE',
        SigningCertURL: 'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0000.pem',
        UnsubscribeURL: 'https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe',
      },
      snsHeaders('Notification'),
    );
    expect(res).toEqual({ status: 200, body: { ...zero, queued: 1 } });
    const [record] = await deliveredFor('sns-bucket', 1);
    expect(record).toEqual({ ...sent, s3: { ...sent.s3, configurationId: 'sns-config' } });
    expect(record.eventSource).toBe('aws:s3');

    const unsubscribe = await hook(
      { ...confirmation(subscribeUrl('/confirm')), Type: 'UnsubscribeConfirmation' },
      snsHeaders('UnsubscribeConfirmation'),
    );
    expect(unsubscribe.status).toBe(200);
    expect(unsubscribe.body.queued).toBe(0);
  });
});

describe('Ceph RGW', () => {
  it('delivers a push with a string size, keeping eventSource, eventId, opaqueData and bucket.id', async () => {
    await configure('ceph-bucket', [
      {
        Id: 'ceph-config',
        LambdaFunctionArn: arn('collector'),
        Events: ['s3:ObjectCreated:*'],
        Filter: { Key: { FilterRules: [{ Name: 'suffix', Value: '.pdf' }] } },
      },
    ]);
    const sent = {
      eventVersion: '2.2',
      eventSource: 'ceph:s3',
      awsRegion: 'default',
      eventTime: '2024-05-01T10:00:00.123456Z',
      eventName: 'ObjectCreated:Put',
      userIdentity: { principalId: 'tester' },
      requestParameters: { sourceIPAddress: '' },
      responseElements: { 'x-amz-request-id': '503a4c37.4135.1', 'x-amz-id-2': '1027-default-default' },
      s3: {
        s3SchemaVersion: '1.0',
        configurationId: 'mynotif',
        bucket: {
          name: 'ceph-bucket',
          ownerIdentity: { principalId: 'tester' },
          arn: 'arn:aws:s3:default::ceph-bucket',
          id: '503a4c37-85eb-47cd-8681-2817e80b4281.5332.38',
        },
        object: {
          key: 'docs/report.pdf',
          size: '1234',
          eTag: '37b51d194a7513e45b56f6524f2d51f2',
          versionId: '',
          sequencer: '',
          metadata: [{ key: 'x-amz-meta-owner', val: 'alice' }],
          tags: [{ key: 'project', val: 'islet' }],
        },
      },
      eventId: '1575221657.102001.80dad3aad8584778352c68ea8380bc1a',
      opaqueData: 'me@example.com',
    };
    expect(await hook({ Records: [sent] })).toEqual({ status: 200, body: { ...zero, queued: 1 } });
    // Ceph's eventId identifies a replay.
    expect(await hook({ Records: [sent] })).toEqual({ status: 200, body: { ...zero, duplicates: 1 } });
    const [record] = await deliveredFor('ceph-bucket', 1);
    expect(record).toEqual({
      ...sent,
      s3: { ...sent.s3, configurationId: 'ceph-config', object: { ...sent.s3.object, size: 1234 } },
    });
    expect(record.eventSource).toBe('ceph:s3');
    expect(record.eventId).toBe('1575221657.102001.80dad3aad8584778352c68ea8380bc1a');
    expect(record.opaqueData).toBe('me@example.com');
    expect(record.s3.bucket.id).toBe('503a4c37-85eb-47cd-8681-2817e80b4281.5332.38');
  });
});

describe('after all deliveries', () => {
  it('ran nothing that was refused, denied, oversize or a duplicate', async () => {
    // A last delivery through the same single-slot collector: once it has run, earlier ones have too.
    await configure('sentinel', [
      { Id: 'sentinel', LambdaFunctionArn: arn('collector'), Events: ['s3:ObjectCreated:*'] },
    ]);
    expect(await hook({ Records: [awsRecord('sentinel', 'last.jpg', 'ObjectCreated:Put', 'Z1')] })).toEqual({
      status: 200,
      body: { ...zero, queued: 1 },
    });
    await deliveredFor('sentinel', 1);
    await new Promise((r) => setTimeout(r, 300));
    const events = await collected();
    const perBucket: Record<string, number> = {};
    for (const e of events) {
      const name = e.Records[0].s3.bucket.name;
      perBucket[name] = (perBucket[name] ?? 0) + 1;
    }
    expect(perBucket).toEqual({
      matching: 7,
      'minio-bucket': 1,
      replayed: 2,
      signed: 1,
      'big-bucket': 1,
      'sns-bucket': 1,
      'ceph-bucket': 1,
      sentinel: 1,
    });
  });
});

describe('resource policy changes', () => {
  it('denies delivery after RemovePermission', async () => {
    await configure('revoked', [
      { Id: 'revoked-config', LambdaFunctionArn: arn('collector'), Events: ['s3:ObjectCreated:*'] },
    ]);
    await server
      .lambda()
      .send(new RemovePermissionCommand({ FunctionName: 'collector', StatementId: 's3-revoked' }));
    const policy = JSON.parse(
      (await server.lambda().send(new GetPolicyCommand({ FunctionName: 'collector' }))).Policy!,
    );
    expect(policy.Statement.map((s: { Sid: string }) => s.Sid)).not.toContain('s3-revoked');
    const sentinelsBefore = (await deliveredFor('sentinel', 0)).length;
    const res = await hook({ Records: [awsRecord('revoked', 'a.jpg', 'ObjectCreated:Put', 'R1')] });
    expect(res).toEqual({ status: 200, body: { ...zero, denied: 1 } });
    // A delivery queued after it runs, so once it has run the denied one would have too.
    expect(
      await hook({ Records: [awsRecord('sentinel', 'after-revoke.jpg', 'ObjectCreated:Put', 'Z2')] }),
    ).toEqual({
      status: 200,
      body: { ...zero, queued: 1 },
    });
    await deliveredFor('sentinel', sentinelsBefore + 1);
    await new Promise((r) => setTimeout(r, 300));
    expect(await deliveredFor('revoked', 0)).toEqual([]);
    // The configuration itself stays, as in S3.
    expect((await getConfigs('revoked')).map((c) => c.Id)).toEqual(['revoked-config']);
  });

  it('a policy change keeps warm environments', async () => {
    // Lambda keeps execution environments across AddPermission/RemovePermission: neither code nor
    // configuration changes, so module state survives.
    const client = server.lambda();
    await deploy(client, 'counter', { 'index.js': 'let n = 0; exports.handler = async () => ++n;' });
    expect((await invoke(client, 'counter')).payload).toBe(1);
    expect((await invoke(client, 'counter')).payload).toBe(2);
    await client.send(
      new AddPermissionCommand({
        FunctionName: 'counter',
        StatementId: 's3-any',
        Action: 'lambda:InvokeFunction',
        Principal: 's3.amazonaws.com',
      }),
    );
    expect((await invoke(client, 'counter')).payload).toBe(3);
    await client.send(new RemovePermissionCommand({ FunctionName: 'counter', StatementId: 's3-any' }));
    expect((await invoke(client, 'counter')).payload).toBe(4);
  });
});
