import {
  BatchWriteItemCommand,
  CreateTableCommand,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import {
  CreateEventSourceMappingCommand,
  GetEventSourceMappingCommand,
  InvalidParameterValueException,
  PutFunctionConcurrencyCommand,
} from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deploy, invoke, invokeWhenFree, waitFor } from './helpers/functions';
import { startServer, type TestServer } from './helpers/server';

// A table with a stream, written from outside and from a function (no --services file: the
// embedded tables serve both), delivered by an event source mapping to a collector function.
let server: TestServer;
const args = ['--executors', '1', '--stream-poll-ms', '50', '--async-retry-base-ms', '50'];

const client = () =>
  new DynamoDBClient({
    endpoint: server.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });

// Keeps every event it gets; {read:true} returns them (one environment: reserved concurrency 1).
const collector = `
const seen = [];
exports.handler = async (event) => {
  if (event.read) return seen;
  seen.push(event);
  return null;
};`;

// Writes and reads the table with the DocumentClient (v3) and the v2 DocumentClient.
const writer = `
const { DynamoDBClient, ListTablesCommand } = require('@aws-sdk/client-dynamodb');
const { DynamoDBDocumentClient, PutCommand, UpdateCommand, GetCommand } = require('@aws-sdk/lib-dynamodb');
const AWS = require('aws-sdk');
const low = new DynamoDBClient({});
const doc = DynamoDBDocumentClient.from(low);
exports.handler = async () => {
  await doc.send(new PutCommand({ TableName: 'feed', Item: { id: 'f', v: 'fn', bin: new Uint8Array([1, 2]) } }));
  await doc.send(new UpdateCommand({ TableName: 'feed', Key: { id: 'f' }, UpdateExpression: 'SET v = :v',
    ExpressionAttributeValues: { ':v': 'fn2' } }));
  const got = await doc.send(new GetCommand({ TableName: 'feed', Key: { id: 'f' } }));
  const v2 = await new AWS.DynamoDB.DocumentClient().get({ TableName: 'feed', Key: { id: 'f' } }).promise();
  let missing;
  try { await doc.send(new GetCommand({ TableName: 'no-such-table', Key: { id: 'f' } })); }
  catch (e) { missing = { name: e.name, message: e.message }; }
  return {
    v: got.Item.v,
    bin: Array.from(got.Item.bin),
    binIsBytes: got.Item.bin instanceof Uint8Array,
    v2: v2.Item.v,
    tables: (await low.send(new ListTablesCommand({}))).TableNames,
    missing,
  };
};`;

const collected = async (name: string): Promise<any[]> =>
  (await invokeWhenFree(server.lambda(), name, { read: true })).payload;
const records = (events: any[]) => events.flatMap((e) => e.Records ?? []);

beforeAll(async () => {
  server = await startServer({ args });
}, 60_000);

afterAll(async () => {
  await server?.stop();
  server?.cleanup();
});

describe('a table stream delivered by an event source mapping', () => {
  it('INSERT, MODIFY and REMOVE in write order with the right images, then resumes from its checkpoint after kill -9', async () => {
    const ddb = client();
    const created = await ddb.send(
      new CreateTableCommand({
        TableName: 'feed',
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
        StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
      }),
    );
    const streamArn = created.TableDescription!.LatestStreamArn!;
    const lambda = server.lambda();
    await deploy(lambda, 'feed-sink', { 'index.js': collector });
    await lambda.send(
      new PutFunctionConcurrencyCommand({ FunctionName: 'feed-sink', ReservedConcurrentExecutions: 1 }),
    );
    await deploy(lambda, 'feed-writer', { 'index.js': writer }, { Timeout: 10 });
    const mapping = await lambda.send(
      new CreateEventSourceMappingCommand({
        FunctionName: 'feed-sink',
        EventSourceArn: streamArn,
        StartingPosition: 'TRIM_HORIZON',
        BatchSize: 2,
      }),
    );
    expect(mapping.EventSourceArn).toBe(streamArn);

    const key = (id: string) => ({ id: { S: id } });
    await ddb.send(new PutItemCommand({ TableName: 'feed', Item: { ...key('a'), v: { N: '1' } } }));
    await ddb.send(
      new UpdateItemCommand({
        TableName: 'feed',
        Key: key('a'),
        UpdateExpression: 'SET v = :v',
        ExpressionAttributeValues: { ':v': { N: '2' } },
      }),
    );
    // Writes that change nothing leave no record.
    await ddb.send(new PutItemCommand({ TableName: 'feed', Item: { ...key('a'), v: { N: '2' } } }));
    await ddb.send(new DeleteItemCommand({ TableName: 'feed', Key: key('nobody') }));
    // Neither does a write refused by its condition.
    await expect(
      ddb.send(
        new PutItemCommand({
          TableName: 'feed',
          Item: { ...key('a'), v: { N: '3' } },
          ConditionExpression: 'attribute_not_exists(id)',
        }),
      ),
    ).rejects.toThrow('The conditional request failed');
    await ddb.send(
      new BatchWriteItemCommand({
        RequestItems: {
          feed: [
            { PutRequest: { Item: { ...key('b'), v: { N: '1' } } } },
            { PutRequest: { Item: { ...key('c'), v: { N: '1' } } } },
          ],
        },
      }),
    );
    await ddb.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          {
            Update: {
              TableName: 'feed',
              Key: key('c'),
              UpdateExpression: 'SET v = :v',
              ExpressionAttributeValues: { ':v': { N: '9' } },
            },
          },
          { Delete: { TableName: 'feed', Key: key('b') } },
        ],
      }),
    );
    const written = await invoke(lambda, 'feed-writer');
    expect(written.functionError).toBeUndefined();
    expect(written.payload).toMatchObject({ v: 'fn2', bin: [1, 2], binIsBytes: true, v2: 'fn2' });
    expect(written.payload.tables).toContain('feed');
    expect(written.payload.missing.name).toBe('ResourceNotFoundException');
    await ddb.send(new DeleteItemCommand({ TableName: 'feed', Key: key('a') }));

    const events = await waitFor(async () => {
      const e = await collected('feed-sink');
      return records(e).length >= 9 ? e : undefined;
    }, 15_000);
    const got = records(events);
    expect(got).toHaveLength(9);
    expect(events.every((e: any) => e.Records.length <= 2)).toBe(true);
    expect(got.map((r: any) => `${r.eventName} ${r.dynamodb.Keys.id.S}`)).toEqual([
      'INSERT a',
      'MODIFY a',
      'INSERT b',
      'INSERT c',
      'MODIFY c',
      'REMOVE b',
      'INSERT f',
      'MODIFY f',
      'REMOVE a',
    ]);
    const [insertA, modifyA] = got;
    expect(Object.keys(insertA).sort()).toEqual(
      [
        'awsRegion',
        'dynamodb',
        'eventID',
        'eventName',
        'eventSource',
        'eventSourceARN',
        'eventVersion',
      ].sort(),
    );
    expect(insertA).toMatchObject({
      eventSource: 'aws:dynamodb',
      eventVersion: '1.1',
      awsRegion: 'us-east-1',
      eventSourceARN: streamArn,
    });
    expect(insertA.dynamodb).toMatchObject({
      Keys: key('a'),
      NewImage: { ...key('a'), v: { N: '1' } },
      StreamViewType: 'NEW_AND_OLD_IMAGES',
    });
    expect(insertA.dynamodb.OldImage).toBeUndefined();
    expect(typeof insertA.dynamodb.ApproximateCreationDateTime).toBe('number');
    expect(insertA.dynamodb.SizeBytes).toBeGreaterThan(0);
    expect(modifyA.dynamodb.OldImage).toEqual({ ...key('a'), v: { N: '1' } });
    expect(modifyA.dynamodb.NewImage).toEqual({ ...key('a'), v: { N: '2' } });
    const insertF = got[6];
    expect(insertF.dynamodb.NewImage).toEqual({ ...key('f'), v: { S: 'fn' }, bin: { B: 'AQI=' } });
    const removeA = got[8];
    expect(removeA.dynamodb.OldImage).toEqual({ ...key('a'), v: { N: '2' } });
    expect(removeA.dynamodb.NewImage).toBeUndefined();
    const seqs = got.map((r: any) => BigInt(r.dynamodb.SequenceNumber));
    expect(seqs.every((s: bigint, i: number) => i === 0 || s > seqs[i - 1]!)).toBe(true);
    expect(new Set(got.map((r: any) => r.eventID)).size).toBe(9);
    ddb.destroy();

    // The checkpoint is durable: after kill -9 and restart, the mapping goes on from it.
    await server.kill9();
    server = await startServer({ dataDir: server.dataDir, args });
    const ddb2 = client();
    const kept = await ddb2.send(new GetItemCommand({ TableName: 'feed', Key: key('c') }));
    expect(kept.Item?.v).toEqual({ N: '9' });
    await ddb2.send(new PutItemCommand({ TableName: 'feed', Item: { ...key('g'), v: { N: '1' } } }));
    const after = await waitFor(async () => {
      const e = await collected('feed-sink');
      return records(e).length >= 1 ? e : undefined;
    }, 15_000);
    await new Promise((r) => setTimeout(r, 300)); // nothing older arrives late
    expect(
      records(await collected('feed-sink')).map((r: any) => `${r.eventName} ${r.dynamodb.Keys.id.S}`),
    ).toEqual(['INSERT g']);
    expect(records(after)[0].dynamodb.SequenceNumber > got[8].dynamodb.SequenceNumber).toBe(true);
    const state = await server.lambda().send(new GetEventSourceMappingCommand({ UUID: mapping.UUID }));
    expect(state.State).toBe('Enabled');
    ddb2.destroy();
  }, 60_000);

  it('KEYS_ONLY records carry no images; LATEST starts after what was written before the mapping', async () => {
    const ddb = client();
    const created = await ddb.send(
      new CreateTableCommand({
        TableName: 'keys-only',
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
        StreamSpecification: { StreamEnabled: true, StreamViewType: 'KEYS_ONLY' },
      }),
    );
    await ddb.send(new PutItemCommand({ TableName: 'keys-only', Item: { id: { S: 'before' } } }));
    const lambda = server.lambda();
    await deploy(lambda, 'keys-sink', { 'index.js': collector });
    await lambda.send(
      new PutFunctionConcurrencyCommand({ FunctionName: 'keys-sink', ReservedConcurrentExecutions: 1 }),
    );
    const m = await lambda.send(
      new CreateEventSourceMappingCommand({
        FunctionName: 'keys-sink',
        EventSourceArn: created.TableDescription!.LatestStreamArn,
        StartingPosition: 'LATEST',
      }),
    );
    // The runner takes its LATEST position when it starts; wait until it has.
    await new Promise((r) => setTimeout(r, 500));
    expect(m.State).toBeDefined();
    await ddb.send(
      new PutItemCommand({ TableName: 'keys-only', Item: { id: { S: 'after' }, v: { S: 'x' } } }),
    );
    const events = await waitFor(async () => {
      const e = await collected('keys-sink');
      return records(e).length >= 1 ? e : undefined;
    }, 15_000);
    const [r] = records(events);
    expect(records(events)).toHaveLength(1);
    expect(r.dynamodb.Keys).toEqual({ id: { S: 'after' } });
    expect(r.dynamodb.StreamViewType).toBe('KEYS_ONLY');
    expect(r.dynamodb.NewImage).toBeUndefined();
    expect(r.dynamodb.OldImage).toBeUndefined();
    ddb.destroy();
  }, 30_000);

  it('a mapping on a DynamoDB stream refuses AT_TIMESTAMP and malformed stream ARNs', async () => {
    const lambda = server.lambda();
    await deploy(lambda, 'picky-sink', { 'index.js': collector });
    const at = lambda.send(
      new CreateEventSourceMappingCommand({
        FunctionName: 'picky-sink',
        EventSourceArn: 'arn:aws:dynamodb:us-east-1:000000000000:table/feed/stream/2026-01-01T00:00:00.000',
        StartingPosition: 'AT_TIMESTAMP',
        StartingPositionTimestamp: new Date(),
      }),
    );
    await expect(at).rejects.toBeInstanceOf(InvalidParameterValueException);
    await expect(at).rejects.toThrow(/AT_TIMESTAMP is not supported for DynamoDB streams/);
    const bad = lambda.send(
      new CreateEventSourceMappingCommand({
        FunctionName: 'picky-sink',
        EventSourceArn: 'arn:aws:dynamodb:us-east-1:000000000000:table/feed',
        StartingPosition: 'LATEST',
      }),
    );
    await expect(bad).rejects.toBeInstanceOf(InvalidParameterValueException);
  });
});
