import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  ListShardsCommand,
} from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
// kinesalite has no types; it is a real Kinesis-API server (LevelDB in memory).
// @ts-expect-error untyped module
import kinesalite from 'kinesalite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deploy, invoke } from '../helpers/functions';
import { startServer, type TestServer } from '../helpers/server';

let kinesisServer: { listen: Function; close: Function; address(): AddressInfo };
let outside: KinesisClient;
let server: TestServer;
let dir: string;

const failHelper = `
const fail = async (p, Cls) => {
  try { await p; return 'no error'; } catch (e) {
    return { name: e.name, code: e.code, message: e.message, status: e.$metadata ? e.$metadata.httpStatusCode : e.statusCode,
      isClass: Cls ? e instanceof Cls : undefined };
  }
};`;

const v3 = `
import { KinesisClient, Kinesis, PutRecordCommand, PutRecordsCommand, ListStreamsCommand, DescribeStreamSummaryCommand,
  GetRecordsCommand, ResourceNotFoundException, KinesisServiceException } from '@aws-sdk/client-kinesis';
const client = new KinesisClient({ region: 'eu-west-1' });
${failHelper}
export const handler = async (e) => {
  switch (e.action) {
    case 'put': {
      const out = await client.send(new PutRecordCommand({ StreamName: 'clicks', PartitionKey: 'p1', Data: new Uint8Array(e.bytes) }));
      return { shard: out.ShardId, seq: out.SequenceNumber, status: out.$metadata.httpStatusCode };
    }
    case 'put-arn': {
      const out = await new Kinesis({}).putRecord({ StreamARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/clicks',
        PartitionKey: 'p2', Data: new TextEncoder().encode('by arn') });
      return { seq: out.SequenceNumber };
    }
    case 'puts': {
      const out = await client.send(new PutRecordsCommand({ StreamName: 'clicks', Records: e.texts.map((t, i) => ({
        PartitionKey: 'k' + i, Data: new TextEncoder().encode(t) })) }));
      return { failed: out.FailedRecordCount, seqs: out.Records.map((r) => r.SequenceNumber) };
    }
    case 'describe': {
      const d = await client.send(new DescribeStreamSummaryCommand({ StreamName: 'clicks' }));
      const l = await client.send(new ListStreamsCommand({}));
      const s = d.StreamDescriptionSummary;
      return { status: s.StreamStatus, shards: s.OpenShardCount, arn: s.StreamARN, created: s.StreamCreationTimestamp instanceof Date,
        names: l.StreamNames };
    }
    case 'errors':
      return {
        missing: await fail(client.send(new PutRecordCommand({ StreamName: 'no-such-stream', PartitionKey: 'p', Data: new Uint8Array([1]) })), ResourceNotFoundException),
        base: await client.send(new PutRecordCommand({ StreamName: 'no-such-stream', PartitionKey: 'p', Data: new Uint8Array([1]) }))
          .catch((err) => err instanceof KinesisServiceException),
        unsupported: await fail(client.send(new GetRecordsCommand({ ShardIterator: 'x' }))),
        noData: await fail(client.send(new PutRecordCommand({ StreamName: 'clicks', PartitionKey: 'p' }))),
        badName: await fail(client.send(new PutRecordCommand({ StreamName: 'a b', PartitionKey: 'p', Data: new Uint8Array([1]) }))),
        mismatch: await fail(client.send(new PutRecordCommand({ StreamName: 'other',
          StreamARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/clicks', PartitionKey: 'p', Data: new Uint8Array([1]) }))),
        tooMany: await fail(client.send(new PutRecordsCommand({ StreamName: 'clicks', Records: [] }))),
        keyTooLong: await fail(client.send(new PutRecordCommand({ StreamName: 'clicks', PartitionKey: 'k'.repeat(257), Data: new Uint8Array([1]) }))),
      };
  }
};`;

const v2 = `
const AWS = require('aws-sdk');
const Kinesis = require('aws-sdk/clients/kinesis');
const kinesis = new AWS.Kinesis();
exports.handler = async (e) => {
  if (e.action === 'put') {
    const one = await kinesis.putRecord({ StreamName: 'clicks', PartitionKey: 'v2', Data: 'héllo from v2' }).promise();
    const buf = await new Promise((resolve, reject) => kinesis.putRecord({ StreamName: 'clicks', PartitionKey: 'v2',
      Data: Buffer.from([0, 255, 128]) }, (err, data) => (err ? reject(err) : resolve(data))));
    const many = await kinesis.putRecords({ StreamName: 'clicks', Records: [{ PartitionKey: 'a', Data: 'first' },
      { PartitionKey: 'b', Data: Buffer.from('second') }] }).promise();
    return { sameClass: Kinesis === AWS.Kinesis, seqs: [one.SequenceNumber, buf.SequenceNumber, ...many.Records.map((r) => r.SequenceNumber)] };
  }
  return new Promise((resolve) => kinesis.putRecord({ StreamName: 'no-such-stream', PartitionKey: 'p', Data: 'x' },
    (err) => resolve({ code: err.code, statusCode: err.statusCode })));
};`;

/** Every record of a stream, read from outside islet: sequence number -> data. */
async function readAll(stream: string): Promise<Map<string, Buffer>> {
  const seen = new Map<string, Buffer>();
  const shards = await outside.send(new ListShardsCommand({ StreamName: stream }));
  for (const shard of shards.Shards ?? []) {
    let iterator = (
      await outside.send(
        new GetShardIteratorCommand({
          StreamName: stream,
          ShardId: shard.ShardId,
          ShardIteratorType: 'TRIM_HORIZON',
        }),
      )
    ).ShardIterator;
    for (;;) {
      const page = await outside.send(new GetRecordsCommand({ ShardIterator: iterator }));
      for (const r of page.Records ?? []) seen.set(r.SequenceNumber!, Buffer.from(r.Data!));
      if (!page.Records?.length) break;
      iterator = page.NextShardIterator;
    }
  }
  return seen;
}

beforeAll(async () => {
  kinesisServer = kinesalite({ createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0 });
  await new Promise<void>((r) => kinesisServer.listen(0, '127.0.0.1', () => r()));
  const endpoint = `http://127.0.0.1:${kinesisServer.address().port}`;
  outside = new KinesisClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
    requestHandler: new NodeHttpHandler(),
  });
  await outside.send(new CreateStreamCommand({ StreamName: 'clicks', ShardCount: 2 }));
  await new Promise((r) => setTimeout(r, 50));
  dir = mkdtempSync(join(tmpdir(), 'islet-kinesis-'));
  const services = join(dir, 'services.json');
  writeFileSync(
    services,
    JSON.stringify({
      kinesis: { default: { endpoint, region: 'us-east-1', accessKeyId: 'x', secretAccessKey: 'y' } },
    }),
  );
  server = await startServer({ args: ['--executors', '1', '--services', services] });
  await deploy(server.lambda(), 'kinesis-v3', { 'index.mjs': v3 }, { Timeout: 10 });
  await deploy(server.lambda(), 'kinesis-v2', { 'index.js': v2 }, { Timeout: 10 });
}, 60_000);

afterAll(async () => {
  await server?.stop();
  server?.cleanup();
  outside?.destroy();
  await new Promise((r) => kinesisServer.close(r));
  rmSync(dir, { recursive: true, force: true });
});

async function run(fn: string, event: Record<string, unknown>) {
  const r = await invoke(server.lambda(), fn, event);
  expect(r.functionError, JSON.stringify(r.payload)).toBeUndefined();
  return r.payload;
}

describe('@aws-sdk/client-kinesis inside a function', () => {
  it('puts a record whose bytes read back exactly from the stream', async () => {
    const bytes = Array.from({ length: 256 }, (_, i) => i);
    const r = await run('kinesis-v3', { action: 'put', bytes });
    expect(r.status).toBe(200);
    expect(r.shard).toMatch(/^shardId-/);
    const stored = await readAll('clicks');
    expect(stored.get(r.seq)).toEqual(Buffer.from(bytes));
  });

  it('addresses a stream by its ARN', async () => {
    const r = await run('kinesis-v3', { action: 'put-arn' });
    expect((await readAll('clicks')).get(r.seq)?.toString()).toBe('by arn');
  });

  it('puts several records at once', async () => {
    const texts = ['one', 'two', 'three'];
    const r = await run('kinesis-v3', { action: 'puts', texts });
    expect(r.failed).toBe(0);
    const stored = await readAll('clicks');
    expect(r.seqs.map((s: string) => stored.get(s)?.toString())).toEqual(texts);
  });

  it('describes and lists streams', async () => {
    expect(await run('kinesis-v3', { action: 'describe' })).toEqual({
      status: 'ACTIVE',
      shards: 2,
      arn: 'arn:aws:kinesis:us-east-1:000000000000:stream/clicks',
      created: true,
      names: ['clicks'],
    });
  });

  it('raises the service’s errors as its exception classes; refuses bad input', async () => {
    const r = await run('kinesis-v3', { action: 'errors' });
    expect(r.missing).toMatchObject({ name: 'ResourceNotFoundException', status: 400, isClass: true });
    expect(r.base).toBe(true);
    expect(r.unsupported.name).toBe('UnknownOperationException');
    expect(r.unsupported.message).toContain('GetRecords');
    expect(r.noData).toMatchObject({ name: 'ValidationException', status: 400 });
    expect(r.noData.message).toContain('Data');
    expect(r.badName).toMatchObject({ name: 'ValidationException', status: 400 });
    expect(r.mismatch).toMatchObject({ name: 'InvalidArgumentException', status: 400 });
    expect(r.tooMany).toMatchObject({ name: 'ValidationException', status: 400 });
    // Checked by the backend, as Kinesis does.
    expect(r.keyTooLong).toMatchObject({ name: 'ValidationException', status: 400 });
  });
});

describe('aws-sdk (v2) Kinesis inside a function', () => {
  it('puts strings as UTF-8 and Buffers as they are, with promise() and callbacks', async () => {
    const r = await run('kinesis-v2', { action: 'put' });
    expect(r.sameClass).toBe(true);
    const stored = await readAll('clicks');
    const data = r.seqs.map((s: string) => stored.get(s));
    expect(data[0]?.toString()).toBe('héllo from v2');
    expect(data[1]).toEqual(Buffer.from([0, 255, 128]));
    expect(data[2]?.toString()).toBe('first');
    expect(data[3]?.toString()).toBe('second');
  });

  it('reports a missing stream with v2’s code and statusCode', async () => {
    expect(await run('kinesis-v2', { action: 'missing' })).toEqual({
      code: 'ResourceNotFoundException',
      statusCode: 400,
    });
  });
});
