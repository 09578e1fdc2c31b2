import type { AddressInfo } from 'node:net';
import { CreateStreamCommand, KinesisClient, PutRecordCommand } from '@aws-sdk/client-kinesis';
import {
  CreateEventSourceMappingCommand,
  DeleteEventSourceMappingCommand,
  GetEventSourceMappingCommand,
  InvalidParameterValueException,
  ListEventSourceMappingsCommand,
  PutFunctionConcurrencyCommand,
  ResourceNotFoundException,
  UpdateEventSourceMappingCommand,
} from '@aws-sdk/client-lambda';
import { NodeHttpHandler } from '@smithy/node-http-handler';
// kinesalite has no types; it is a real Kinesis-API server (LevelDB in memory).
// @ts-expect-error untyped module
import kinesalite from 'kinesalite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deploy, invokeWhenFree, waitFor } from './helpers/functions';
import { startServer, type TestServer } from './helpers/server';

const streamArn = (name: string) => `arn:aws:kinesis:us-east-1:000000000000:stream/${name}`;
const fnArn = (name: string) => `arn:aws:lambda:us-east-1:000000000000:function:${name}`;

let kinesisServer: { listen: Function; close: Function; address(): AddressInfo };
let kinesis: KinesisClient;
let server: TestServer;
let serverArgs: string[];

// Keeps every event it gets; {read:true} returns them (one environment: reserved concurrency 1).
const collector = `
const seen = [];
exports.handler = async (event) => {
  if (event.read) return seen;
  seen.push(event);
  return null;
};`;

// The collector has one slot: a delivery may hold it for a moment.
async function collected(name: string): Promise<any[]> {
  return (await invokeWhenFree(server.lambda(), name, { read: true })).payload;
}

async function createStream(name: string, shards = 1) {
  await kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }));
  await new Promise((r) => setTimeout(r, 50));
}

async function put(stream: string, data: string, key = 'k') {
  const out = await kinesis.send(
    new PutRecordCommand({ StreamName: stream, PartitionKey: key, Data: Buffer.from(data) }),
  );
  return out.SequenceNumber!;
}

const records = (events: any[]) => events.flatMap((e) => e.Records ?? []);
const payloads = (events: any[]) =>
  records(events).map((r: any) => Buffer.from(r.kinesis.data, 'base64').toString());

/** Stream deliveries go through polling, retries and backoff: allow them 15 s. */
const waitForStream = <T>(probe: () => Promise<T | undefined>) => waitFor(probe, 15_000);

beforeAll(async () => {
  kinesisServer = kinesalite({ createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0 });
  await new Promise<void>((r) => kinesisServer.listen(0, '127.0.0.1', () => r()));
  const endpoint = `http://127.0.0.1:${kinesisServer.address().port}`;
  kinesis = new KinesisClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
    requestHandler: new NodeHttpHandler(),
  });
  serverArgs = [
    '--executors',
    '1',
    '--kinesis-endpoint',
    endpoint,
    '--stream-poll-ms',
    '50',
    '--async-retry-base-ms',
    '50',
  ];
  server = await startServer({ args: serverArgs });
});
afterAll(async () => {
  await server.stop();
  server.cleanup();
  await new Promise((r) => kinesisServer.close(r));
});

describe('event source mappings API', () => {
  it('creates, gets, lists, updates and deletes a Kinesis mapping; refuses bad input', async () => {
    const client = server.lambda();
    await deploy(client, 'esm-api', { 'index.js': 'exports.handler = async () => null;' });
    await createStream('api-stream');
    const created = await client.send(
      new CreateEventSourceMappingCommand({
        FunctionName: 'esm-api',
        EventSourceArn: streamArn('api-stream'),
        StartingPosition: 'TRIM_HORIZON',
        BatchSize: 10,
        Enabled: false,
      }),
    );
    expect(created.$metadata.httpStatusCode).toBe(202);
    expect(created.FunctionArn).toBe(fnArn('esm-api'));
    expect(created.State).toBe('Disabled');
    const got = await client.send(new GetEventSourceMappingCommand({ UUID: created.UUID }));
    expect(got.BatchSize).toBe(10);
    expect(got.EventSourceArn).toBe(streamArn('api-stream'));
    const updated = await client.send(
      new UpdateEventSourceMappingCommand({
        UUID: created.UUID,
        BatchSize: 5,
        BisectBatchOnFunctionError: true,
      }),
    );
    expect(updated.BatchSize).toBe(5);
    expect(updated.BisectBatchOnFunctionError).toBe(true);
    const list = await client.send(new ListEventSourceMappingsCommand({ FunctionName: 'esm-api' }));
    expect(list.EventSourceMappings?.map((m) => m.UUID)).toEqual([created.UUID]);
    for (const bad of [
      { EventSourceArn: 'arn:aws:sqs:us-east-1:000000000000:q', StartingPosition: 'LATEST' as const },
      { EventSourceArn: streamArn('api-stream'), StartingPosition: undefined },
      { EventSourceArn: streamArn('other'), StartingPosition: 'LATEST' as const, BatchSize: 0 },
      { EventSourceArn: streamArn('other'), StartingPosition: 'LATEST' as const, MaximumRetryAttempts: -2 },
    ]) {
      await expect(
        client.send(new CreateEventSourceMappingCommand({ FunctionName: 'esm-api', ...bad })),
      ).rejects.toBeInstanceOf(InvalidParameterValueException);
    }
    await expect(
      client.send(
        new CreateEventSourceMappingCommand({
          FunctionName: 'nope',
          EventSourceArn: streamArn('x'),
          StartingPosition: 'LATEST',
        }),
      ),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);
    const deleted = await client.send(new DeleteEventSourceMappingCommand({ UUID: created.UUID }));
    expect(deleted.State).toBe('Deleting');
    await expect(
      client.send(new GetEventSourceMappingCommand({ UUID: created.UUID })),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);
  });
});

describe('Kinesis delivery', () => {
  it('delivers records in order per shard, in the exact Kinesis event shape, and resumes from its checkpoint after kill -9', async () => {
    const client = server.lambda();
    await deploy(client, 'ordered', { 'index.js': collector });
    await client.send(
      new PutFunctionConcurrencyCommand({ FunctionName: 'ordered', ReservedConcurrentExecutions: 1 }),
    );
    await createStream('orders');
    const seqs: string[] = [];
    for (let i = 0; i < 5; i++) seqs.push(await put('orders', `order-${i}`, 'p1'));
    await client.send(
      new CreateEventSourceMappingCommand({
        FunctionName: 'ordered',
        EventSourceArn: streamArn('orders'),
        StartingPosition: 'TRIM_HORIZON',
        BatchSize: 2,
      }),
    );
    const events = await waitForStream(async () => {
      const e = await collected('ordered');
      return records(e).length >= 5 ? e : undefined;
    });
    expect(payloads(events)).toEqual(['order-0', 'order-1', 'order-2', 'order-3', 'order-4']);
    expect(events.every((e: any) => e.Records.length <= 2)).toBe(true);
    const r = events[0].Records[0];
    expect(Object.keys(r).sort()).toEqual(
      [
        'awsRegion',
        'eventID',
        'eventName',
        'eventSource',
        'eventSourceARN',
        'eventVersion',
        'invokeIdentityArn',
        'kinesis',
      ].sort(),
    );
    expect(r).toMatchObject({
      eventSource: 'aws:kinesis',
      eventVersion: '1.0',
      eventName: 'aws:kinesis:record',
      eventID: `shardId-000000000000:${seqs[0]}`,
      awsRegion: 'us-east-1',
      eventSourceARN: streamArn('orders'),
      invokeIdentityArn: 'arn:aws:iam::123456789012:role/islet-test',
    });
    expect(r.kinesis).toMatchObject({
      kinesisSchemaVersion: '1.0',
      partitionKey: 'p1',
      sequenceNumber: seqs[0],
    });
    expect(typeof r.kinesis.approximateArrivalTimestamp).toBe('number');

    // kill -9, then more records: after restart none is skipped and the old ones are not replayed.
    await server.kill9();
    for (let i = 5; i < 8; i++) await put('orders', `order-${i}`, 'p1');
    server = await startServer({ dataDir: server.dataDir, args: serverArgs });
    const after = await waitForStream(async () => {
      const e = await collected('ordered');
      return records(e).length >= 3 ? e : undefined;
    });
    expect(payloads(after)).toEqual(['order-5', 'order-6', 'order-7']);
  });

  it('bisects a failing batch, retries up to MaximumRetryAttempts, and sends the bad record to OnFailure', async () => {
    const client = server.lambda();
    await deploy(client, 'bisect-dlq', { 'index.js': collector });
    await client.send(
      new PutFunctionConcurrencyCommand({ FunctionName: 'bisect-dlq', ReservedConcurrentExecutions: 1 }),
    );
    await deploy(client, 'picky', {
      'index.js': `
const ok = [];
exports.handler = async (event) => {
  if (event.read) return ok;
  const data = event.Records.map((r) => Buffer.from(r.kinesis.data, 'base64').toString());
  if (data.includes('poison')) throw new Error('poison in batch of ' + data.length);
  ok.push(...data);
  return null;
};`,
    });
    await client.send(
      new PutFunctionConcurrencyCommand({ FunctionName: 'picky', ReservedConcurrentExecutions: 1 }),
    );
    await createStream('mixed');
    for (const d of ['a', 'b', 'poison', 'c']) await put('mixed', d);
    await client.send(
      new CreateEventSourceMappingCommand({
        FunctionName: 'picky',
        EventSourceArn: streamArn('mixed'),
        StartingPosition: 'TRIM_HORIZON',
        BatchSize: 4,
        BisectBatchOnFunctionError: true,
        MaximumRetryAttempts: 3,
        DestinationConfig: { OnFailure: { Destination: fnArn('bisect-dlq') } },
      }),
    );
    const ok = await waitForStream(async () => {
      const got = await collected('picky');
      return got.length >= 3 ? got : undefined;
    });
    expect(ok).toEqual(['a', 'b', 'c']);
    const dlq = await waitForStream(async () => {
      const got = await collected('bisect-dlq');
      return got.length ? got : undefined;
    });
    expect(dlq).toHaveLength(1);
    expect(dlq[0].requestContext.condition).toBe('RetryAttemptsExhausted');
    expect(dlq[0].KinesisBatchInfo).toMatchObject({
      shardId: 'shardId-000000000000',
      batchSize: 1,
      streamArn: streamArn('mixed'),
    });
  });

  it('does not poll while disabled, and delivers once enabled', async () => {
    const client = server.lambda();
    await deploy(client, 'paused-sink', { 'index.js': collector });
    await client.send(
      new PutFunctionConcurrencyCommand({ FunctionName: 'paused-sink', ReservedConcurrentExecutions: 1 }),
    );
    await createStream('paused');
    await put('paused', 'waiting');
    const m = await client.send(
      new CreateEventSourceMappingCommand({
        FunctionName: 'paused-sink',
        EventSourceArn: streamArn('paused'),
        StartingPosition: 'TRIM_HORIZON',
        Enabled: false,
      }),
    );
    await new Promise((r) => setTimeout(r, 500));
    expect(await collected('paused-sink')).toEqual([]);
    const enabled = await client.send(new UpdateEventSourceMappingCommand({ UUID: m.UUID, Enabled: true }));
    expect(enabled.State).toBe('Updating');
    const got = await waitForStream(async () => {
      const e = await collected('paused-sink');
      return e.length ? e : undefined;
    });
    expect(payloads(got)).toEqual(['waiting']);
  });

  it('with ReportBatchItemFailures retries from the lowest failed record only', async () => {
    const client = server.lambda();
    await deploy(client, 'partial', {
      'index.js': `
const seen = [];
let failedOnce = false;
exports.handler = async (event) => {
  if (event.read) return seen;
  const failures = [];
  for (const r of event.Records) {
    const d = Buffer.from(r.kinesis.data, 'base64').toString();
    if (d === 'flaky' && !failedOnce) { failedOnce = true; failures.push({ itemIdentifier: r.kinesis.sequenceNumber }); continue; }
    if (failures.length) continue; // after a failure, later records are retried too
    seen.push(d);
  }
  return { batchItemFailures: failures };
};`,
    });
    await client.send(
      new PutFunctionConcurrencyCommand({ FunctionName: 'partial', ReservedConcurrentExecutions: 1 }),
    );
    await createStream('partial-stream');
    for (const d of ['one', 'flaky', 'three']) await put('partial-stream', d);
    await client.send(
      new CreateEventSourceMappingCommand({
        FunctionName: 'partial',
        EventSourceArn: streamArn('partial-stream'),
        StartingPosition: 'TRIM_HORIZON',
        BatchSize: 3,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
      }),
    );
    const seen = await waitForStream(async () => {
      const got = await collected('partial');
      return got.length >= 3 ? got : undefined;
    });
    // 'one' was checkpointed and is not delivered again; 'flaky' and 'three' come back in order.
    expect(seen).toEqual(['one', 'flaky', 'three']);
  });
});
