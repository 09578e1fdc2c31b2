import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  BatchWriteItemCommand,
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  PutItemCommand,
  ScanCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { CreateEventSourceMappingCommand, PutFunctionConcurrencyCommand } from '@aws-sdk/client-lambda';
import { afterAll, describe, expect, it } from 'vitest';
import { deploy, invokeWhenFree, waitFor } from './helpers/functions';
import { startServer, type TestServer } from './helpers/server';

// Acknowledged writes to islet's own tables survive kill -9 of islet: LevelDB appends each write
// to its log before the call returns, and the stream log is SQLite with full sync.
let server: TestServer | undefined;

const client = (s: TestServer) =>
  new DynamoDBClient({
    endpoint: s.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });

async function scanAll(ddb: DynamoDBClient, table: string): Promise<Record<string, any>[]> {
  const items: Record<string, any>[] = [];
  let start: Record<string, any> | undefined;
  do {
    const page = await ddb.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start }));
    items.push(...page.Items!);
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

afterAll(async () => {
  await server?.stop();
  server?.cleanup();
});

describe('kill -9 after acknowledged writes', () => {
  it('loses no item, no update and no table', async () => {
    server = await startServer({ args: ['--executors', '1'] });
    expect(existsSync(join(server.dataDir, 'dynamodb'))).toBe(true);
    let ddb = client(server);
    await ddb.send(
      new CreateTableCommand({
        TableName: 'durable',
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'N' }],
        BillingMode: 'PAY_PER_REQUEST',
        StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' },
      }),
    );
    // 150 single writes in flight at once, a batch, and a counter updated 20 times in a row.
    await Promise.all(
      Array.from({ length: 150 }, (_, i) =>
        ddb.send(
          new PutItemCommand({
            TableName: 'durable',
            Item: { id: { N: String(i) }, body: { S: `item ${i}` } },
          }),
        ),
      ),
    );
    await ddb.send(
      new BatchWriteItemCommand({
        RequestItems: {
          durable: Array.from({ length: 25 }, (_, i) => ({
            PutRequest: { Item: { id: { N: String(1000 + i) } } },
          })),
        },
      }),
    );
    for (let i = 0; i < 20; i++) {
      await ddb.send(
        new UpdateItemCommand({
          TableName: 'durable',
          Key: { id: { N: '-1' } },
          UpdateExpression: 'ADD hits :one',
          ExpressionAttributeValues: { ':one': { N: '1' } },
        }),
      );
    }
    ddb.destroy();
    await server.kill9();

    server = await startServer({
      dataDir: server.dataDir,
      args: ['--executors', '1', '--stream-poll-ms', '50'],
    });
    ddb = client(server);
    const table = await ddb.send(new DescribeTableCommand({ TableName: 'durable' }));
    expect(table.Table?.StreamSpecification).toEqual({ StreamEnabled: true, StreamViewType: 'NEW_IMAGE' });
    const items = await scanAll(ddb, 'durable');
    expect(items).toHaveLength(150 + 25 + 1);
    expect(items.find((i) => i.id.N === '149')?.body).toEqual({ S: 'item 149' });
    expect(items.find((i) => i.id.N === '-1')?.hits).toEqual({ N: '20' });

    // Every write left its stream record: 150 + 25 inserts, 1 insert and 19 modifications.
    const lambda = server.lambda();
    await deploy(lambda, 'counter', {
      'index.js': `let n = 0; exports.handler = async (e) => { if (e.read) return n; n += e.Records.length; return null; };`,
    });
    await lambda.send(
      new PutFunctionConcurrencyCommand({ FunctionName: 'counter', ReservedConcurrentExecutions: 1 }),
    );
    await lambda.send(
      new CreateEventSourceMappingCommand({
        FunctionName: 'counter',
        EventSourceArn: table.Table?.LatestStreamArn,
        StartingPosition: 'TRIM_HORIZON',
        BatchSize: 100,
      }),
    );
    const count = async () => (await invokeWhenFree(lambda, 'counter', { read: true })).payload as number;
    await waitFor(async () => ((await count()) >= 195 ? true : undefined), 15_000);
    await new Promise((r) => setTimeout(r, 200));
    expect(await count()).toBe(195);
    ddb.destroy();
  }, 60_000);
});
