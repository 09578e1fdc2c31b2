import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateRoleCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { CreateFunctionCommand } from '@aws-sdk/client-lambda';
import { CreateBucketCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { invoke } from '../helpers/functions';
import { startServer, type TestServer } from '../helpers/server';
import { makeZip } from '../helpers/zip';
import { type S3Storage, startS3Storage } from './s3-storage';

let storage: S3Storage;
let servicesDir: string;
let direct: S3Client;
let server: TestServer;

const role = 'arn:aws:iam::000000000000:role/public-writer';

beforeAll(async () => {
  storage = await startS3Storage();
  direct = new S3Client({
    endpoint: storage.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
  await direct.send(new CreateBucketCommand({ Bucket: 'fn-data' }));
  await direct.send(new PutObjectCommand({ Bucket: 'fn-data', Key: 'private/secret.txt', Body: 'secret' }));
  await direct.send(new PutObjectCommand({ Bucket: 'fn-data', Key: 'public/keep.txt', Body: 'keep' }));
  servicesDir = mkdtempSync(join(tmpdir(), 'islet-services-'));
  const servicesFile = join(servicesDir, 'services.json');
  const endpoint = { endpoint: storage.endpoint, accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
  writeFileSync(servicesFile, JSON.stringify({ s3: { buckets: { 'fn-data': endpoint } } }));
  server = await startServer({ args: ['--executors', '1', '--services', servicesFile] });
  const iam = new IAMClient({
    endpoint: server.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
  await iam.send(
    new CreateRoleCommand({
      RoleName: 'public-writer',
      AssumeRolePolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
        ],
      }),
    }),
  );
  await iam.send(
    new PutRolePolicyCommand({
      RoleName: 'public-writer',
      PolicyName: 'public-only',
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
            Resource: 'arn:aws:s3:::fn-data/public/*',
          },
          { Effect: 'Allow', Action: 's3:ListBucket', Resource: 'arn:aws:s3:::fn-data' },
        ],
      }),
    }),
  );
  iam.destroy();
  await server.lambda().send(
    new CreateFunctionCommand({
      FunctionName: 's3-limited',
      Runtime: 'nodejs20.x',
      Role: role,
      Handler: 'index.handler',
      Code: {
        ZipFile: await makeZip({
          'index.mjs': `import { S3Client, PutObjectCommand, GetObjectCommand, DeleteObjectsCommand, CopyObjectCommand,
              ListBucketsCommand, ListObjectsV2Command, AccessDenied } from '@aws-sdk/client-s3';
            const s3 = new S3Client({});
            const attempt = async (command) => {
              try {
                const out = await s3.send(command);
                return { ok: true, keys: out.Contents?.map((o) => o.Key) };
              } catch (e) {
                return { name: e.name, isClass: e instanceof AccessDenied, status: e.$metadata.httpStatusCode, message: e.message };
              }
            };
            export const handler = async () => ({
              putPublic: await attempt(new PutObjectCommand({ Bucket: 'fn-data', Key: 'public/ok.txt', Body: 'ok' })),
              putPrivate: await attempt(new PutObjectCommand({ Bucket: 'fn-data', Key: 'private/new.txt', Body: 'no' })),
              getPrivate: await attempt(new GetObjectCommand({ Bucket: 'fn-data', Key: 'private/secret.txt' })),
              deleteMixed: await attempt(new DeleteObjectsCommand({ Bucket: 'fn-data',
                Delete: { Objects: [{ Key: 'public/keep.txt' }, { Key: 'private/secret.txt' }] } })),
              copyOut: await attempt(new CopyObjectCommand({ Bucket: 'fn-data', Key: 'public/leak.txt',
                CopySource: 'fn-data/private/secret.txt' })),
              unrouted: await attempt(new GetObjectCommand({ Bucket: 'no-endpoint-bucket', Key: 'public/x' })),
              listBuckets: await attempt(new ListBucketsCommand({})),
              list: await attempt(new ListObjectsV2Command({ Bucket: 'fn-data', Prefix: 'public/' })),
            });`,
        }),
      },
    }),
  );
}, 60_000);

afterAll(async () => {
  direct?.destroy();
  await server?.stop();
  server?.cleanup();
  await storage?.stop();
  rmSync(servicesDir, { recursive: true, force: true });
});

const exists = (key: string) =>
  direct.send(new HeadObjectCommand({ Bucket: 'fn-data', Key: key })).then(
    () => true,
    () => false,
  );

describe("S3 calls are authorised by the function's role before anything is sent", () => {
  it('allows what the role allows and refuses the rest with AccessDenied, changing nothing', async () => {
    const r = await invoke(server.lambda(), 's3-limited');
    expect(r.functionError, JSON.stringify(r.payload)).toBeUndefined();
    const denied = (action: string, resource: string) => ({
      name: 'AccessDenied',
      isClass: true,
      status: 403,
      message: expect.stringContaining(`perform: ${action} on resource: ${resource}`),
    });
    expect(r.payload).toEqual({
      putPublic: { ok: true },
      putPrivate: denied('s3:PutObject', 'arn:aws:s3:::fn-data/private/new.txt'),
      getPrivate: denied('s3:GetObject', 'arn:aws:s3:::fn-data/private/secret.txt'),
      // One key of the batch is not the role's: none is deleted.
      deleteMixed: denied('s3:DeleteObject', 'arn:aws:s3:::fn-data/private/secret.txt'),
      // The destination is allowed, the source is not.
      copyOut: denied('s3:GetObject', 'arn:aws:s3:::fn-data/private/secret.txt'),
      // Refused before islet looks for an endpoint: the caller learns nothing about the setup.
      unrouted: denied('s3:GetObject', 'arn:aws:s3:::no-endpoint-bucket/public/x'),
      listBuckets: denied('s3:ListAllMyBuckets', '*'),
      list: { ok: true, keys: ['public/keep.txt', 'public/ok.txt'] },
    });
    expect(await exists('public/keep.txt')).toBe(true);
    expect(await exists('private/secret.txt')).toBe(true);
    expect(await exists('private/new.txt')).toBe(false);
    expect(await exists('public/leak.txt')).toBe(false);
  });
});
