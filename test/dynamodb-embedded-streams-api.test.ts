import {
  CreateTableCommand,
  DynamoDBClient,
  PutItemCommand,
  UpdateTableCommand,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsCli } from './helpers/aws-cli';
import { startServer, type TestServer } from './helpers/server';

// The DynamoDB Streams API over islet's table streams, through the AWS CLI (aws dynamodbstreams).
let server: TestServer;
let ddb: DynamoDBClient;
let streamArn: string;

const cli = async (...args: string[]) =>
  JSON.parse((await awsCli(server.url, 'dynamodbstreams', ...args)).stdout);

/** A raw Streams API call (unsigned requests are accepted without access keys). */
async function raw(op: string, body: object) {
  const res = await fetch(server.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': `DynamoDBStreams_20120810.${op}`,
    },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

beforeAll(async () => {
  server = await startServer({ args: ['--executors', '1'] });
  ddb = new DynamoDBClient({
    endpoint: server.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
  const created = await ddb.send(
    new CreateTableCommand({
      TableName: 'watched',
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
    }),
  );
  streamArn = created.TableDescription!.LatestStreamArn!;
  await ddb.send(new PutItemCommand({ TableName: 'watched', Item: { id: { S: 'a' }, v: { N: '1' } } }));
  await ddb.send(new PutItemCommand({ TableName: 'watched', Item: { id: { S: 'a' }, v: { N: '2' } } }));
  await ddb.send(new PutItemCommand({ TableName: 'watched', Item: { id: { S: 'b' } } }));
}, 60_000);

afterAll(async () => {
  ddb?.destroy();
  await server?.stop();
  server?.cleanup();
});

describe('the DynamoDB Streams API', () => {
  it('list-streams, describe-stream, get-shard-iterator and get-records with the AWS CLI', async () => {
    const listed = await cli('list-streams', '--table-name', 'watched');
    expect(listed.Streams).toEqual([
      { StreamArn: streamArn, TableName: 'watched', StreamLabel: streamArn.split('/stream/')[1] },
    ]);
    const described = (await cli('describe-stream', '--stream-arn', streamArn)).StreamDescription;
    expect(described).toMatchObject({
      StreamArn: streamArn,
      StreamStatus: 'ENABLED',
      StreamViewType: 'NEW_AND_OLD_IMAGES',
      TableName: 'watched',
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
    });
    expect(described.Shards).toHaveLength(1);
    const shard = described.Shards[0];
    expect(shard.SequenceNumberRange.EndingSequenceNumber).toBeUndefined();

    const { ShardIterator } = await cli(
      'get-shard-iterator',
      '--stream-arn',
      streamArn,
      '--shard-id',
      shard.ShardId,
      '--shard-iterator-type',
      'TRIM_HORIZON',
    );
    const first = await cli('get-records', '--shard-iterator', ShardIterator, '--limit', '2');
    expect(first.Records.map((r: any) => r.eventName)).toEqual(['INSERT', 'MODIFY']);
    expect(first.Records[1].dynamodb).toMatchObject({
      Keys: { id: { S: 'a' } },
      OldImage: { id: { S: 'a' }, v: { N: '1' } },
      NewImage: { id: { S: 'a' }, v: { N: '2' } },
      StreamViewType: 'NEW_AND_OLD_IMAGES',
      SequenceNumber: shard.SequenceNumberRange.StartingSequenceNumber.replace(/1$/, '2'),
    });
    expect(first.Records[0].eventSource).toBe('aws:dynamodb');
    const rest = await cli('get-records', '--shard-iterator', first.NextShardIterator);
    expect(rest.Records.map((r: any) => `${r.eventName} ${r.dynamodb.Keys.id.S}`)).toEqual(['INSERT b']);

    const at = await cli(
      'get-shard-iterator',
      '--stream-arn',
      streamArn,
      '--shard-id',
      shard.ShardId,
      '--shard-iterator-type',
      'AT_SEQUENCE_NUMBER',
      '--sequence-number',
      first.Records[1].dynamodb.SequenceNumber,
    );
    const fromAt = await cli('get-records', '--shard-iterator', at.ShardIterator);
    expect(fromAt.Records).toHaveLength(2);
  }, 60_000);

  it('a disabled stream is DISABLED with an ending sequence number; its shard closes once read', async () => {
    await ddb.send(
      new UpdateTableCommand({ TableName: 'watched', StreamSpecification: { StreamEnabled: false } }),
    );
    const described = (await raw('DescribeStream', { StreamArn: streamArn })).body.StreamDescription;
    expect(described.StreamStatus).toBe('DISABLED');
    const shard = described.Shards[0];
    expect(shard.SequenceNumberRange.EndingSequenceNumber).toMatch(/^\d{21}$/);
    const it = await raw('GetShardIterator', {
      StreamArn: streamArn,
      ShardId: shard.ShardId,
      ShardIteratorType: 'LATEST',
    });
    const read = await raw('GetRecords', { ShardIterator: it.body.ShardIterator });
    expect(read.body).toEqual({ Records: [] });
  });

  it('unknown streams and shards, bad iterators and types get DynamoDB error codes', async () => {
    const missing = await raw('DescribeStream', {
      StreamArn: 'arn:aws:dynamodb:us-east-1:000000000000:table/watched/stream/2000-01-01T00:00:00.000',
    });
    expect(missing.status).toBe(400);
    expect(missing.body.__type).toBe('com.amazonaws.dynamodb.v20120810#ResourceNotFoundException');
    const badArn = await raw('DescribeStream', { StreamArn: 'not-an-arn' });
    expect(badArn.body.__type).toBe('com.amazon.coral.validate#ValidationException');
    const badShard = await raw('GetShardIterator', {
      StreamArn: streamArn,
      ShardId: 'shardId-nope',
      ShardIteratorType: 'LATEST',
    });
    expect(badShard.body.__type).toBe('com.amazonaws.dynamodb.v20120810#ResourceNotFoundException');
    const shardId = (await raw('DescribeStream', { StreamArn: streamArn })).body.StreamDescription.Shards[0]
      .ShardId;
    const badType = await raw('GetShardIterator', {
      StreamArn: streamArn,
      ShardId: shardId,
      ShardIteratorType: 'SIDEWAYS',
    });
    expect(badType.body.__type).toBe('com.amazon.coral.validate#ValidationException');
    expect(badType.body.message).toContain("'shardIteratorType'");
    const badIterator = await raw('GetRecords', { ShardIterator: 'garbage!' });
    expect(badIterator.body.__type).toBe('com.amazon.coral.validate#ValidationException');
    const forged = await raw('GetRecords', {
      ShardIterator: Buffer.from(
        JSON.stringify({ a: streamArn, p: 0, t: Date.now() - 16 * 60_000 }),
      ).toString('base64url'),
    });
    expect(forged.body.__type).toBe('com.amazonaws.dynamodb.v20120810#ExpiredIteratorException');
    const unknownOp = await raw('DeleteStream', {});
    expect(unknownOp.body.__type).toMatch(/UnknownOperationException/);
  });
});
