import type { AddressInfo } from 'node:net';
import { CreateStreamCommand, KinesisClient } from '@aws-sdk/client-kinesis';
import { AddPermissionCommand } from '@aws-sdk/client-lambda';
import { PutBucketNotificationConfigurationCommand, S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
// @ts-expect-error kinesalite ships no types; it is a real Kinesis-API server (LevelDB in memory)
import kinesalite from 'kinesalite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { islet } from './helpers/cli';
import { deploy } from './helpers/functions';
import { startServer, type TestServer } from './helpers/server';

let kinesisServer: { listen: Function; close: Function; address(): AddressInfo };
let server: TestServer;
const source = 'arn:aws:kinesis:us-east-1:000000000000:stream/cli-orders';

beforeAll(async () => {
  kinesisServer = kinesalite({ createStreamMs: 0 });
  await new Promise<void>((r) => kinesisServer.listen(0, '127.0.0.1', () => r()));
  const endpoint = `http://127.0.0.1:${kinesisServer.address().port}`;
  const kinesis = new KinesisClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
    requestHandler: new NodeHttpHandler(),
  });
  await kinesis.send(new CreateStreamCommand({ StreamName: 'cli-orders', ShardCount: 1 }));
  server = await startServer({ args: ['--executors', '1', '--kinesis-endpoint', endpoint] });
  await deploy(server.lambda(), 'orders', { 'index.js': 'exports.handler = async () => null;' });
}, 60_000);

afterAll(async () => {
  await server.stop();
  server.cleanup();
  await new Promise((r) => kinesisServer.close(r));
});

describe('islet mappings', () => {
  it('creates, lists and deletes a stream mapping', async () => {
    const at = ['--endpoint', server.url];
    const created = await islet(
      'mappings',
      'create',
      '--function',
      'orders',
      '--source',
      source,
      '--batch-size',
      '5',
      ...at,
    );
    expect(created.status).toBe(0);
    const uuid = /^created ([0-9a-f-]{36}) \(/.exec(created.stdout)?.[1];
    expect(uuid).toBeDefined();
    const table = await islet('mappings', 'list', ...at);
    expect(table.stdout).toMatch(
      new RegExp(`^${uuid}\\s+orders\\s+${source.replaceAll('/', '\\/')}\\s+\\w+\\s+5$`, 'm'),
    );
    const listed = JSON.parse(
      (await islet('mappings', 'list', '--function', 'orders', '--json', ...at)).stdout,
    );
    expect(listed.map((m: { UUID: string }) => m.UUID)).toEqual([uuid]);
    expect((await islet('mappings', 'delete', uuid!, ...at)).stdout).toBe(`deleted ${uuid}\n`);
  });

  it('islet triggers lists bucket notifications and stream mappings of a function', async () => {
    const at = ['--endpoint', server.url];
    expect((await islet('triggers', 'orders', ...at)).stdout).toBe(
      'nothing invokes orders but its callers\n',
    );
    await server.lambda().send(
      new AddPermissionCommand({
        FunctionName: 'orders',
        StatementId: 'uploads',
        Action: 'lambda:InvokeFunction',
        Principal: 's3.amazonaws.com',
        SourceArn: 'arn:aws:s3:::uploads',
      }),
    );
    const s3 = new S3Client({
      endpoint: server.url,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    await s3.send(
      new PutBucketNotificationConfigurationCommand({
        Bucket: 'uploads',
        NotificationConfiguration: {
          LambdaFunctionConfigurations: [
            {
              LambdaFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:orders',
              Events: ['s3:ObjectCreated:*'],
              Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'in/' }] } },
            },
          ],
        },
      }),
    );
    s3.destroy();
    await islet('mappings', 'create', '--function', 'orders', '--source', source, ...at);
    const table = (await islet('triggers', 'orders', ...at)).stdout;
    expect(table).toMatch(/^KIND\s+SOURCE\s+DETAIL$/m);
    expect(table).toMatch(/^s3\s+s3:\/\/uploads\/in\/\*\s+s3:ObjectCreated:\*$/m);
    expect(table).toMatch(new RegExp(`^stream\\s+${source.replaceAll('/', '\\/')}\\s+\\w+, batch 100$`, 'm'));
    const json = JSON.parse((await islet('triggers', 'orders', '--json', ...at)).stdout);
    expect(json.BucketNotifications).toHaveLength(1);
    expect(json.EventSourceMappings).toHaveLength(1);
    const ghost = await islet('triggers', 'ghost', ...at);
    expect(ghost.status).toBe(1);
    expect(ghost.stderr).toMatch(/ResourceNotFoundException/);
  });

  it('exits 1 with the API error for an unknown function or mapping', async () => {
    const at = ['--endpoint', server.url];
    const bad = await islet('mappings', 'create', '--function', 'ghost', '--source', source, ...at);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/ResourceNotFoundException/);
    const gone = await islet('mappings', 'delete', '00000000-0000-4000-8000-000000000000', ...at);
    expect(gone.status).toBe(1);
    expect(gone.stderr).toMatch(/ResourceNotFoundException/);
  });
});
