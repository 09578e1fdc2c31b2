import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  ConditionalCheckFailedException,
  CreateTableCommand,
  DeleteItemCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  GetItemCommand,
  ListTablesCommand,
  PutItemCommand,
  QueryCommand,
  ResourceInUseException,
  ResourceNotFoundException,
  ScanCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  UpdateItemCommand,
  UpdateTableCommand,
} from '@aws-sdk/client-dynamodb';
import {
  QueryCommand as DocQuery,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
} from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsCli } from './helpers/aws-cli';
import { startServer, type TestServer } from './helpers/server';

// islet's own tables through the DynamoDB API on islet's port: the official SDK and the AWS CLI.
let server: TestServer;
let ddb: DynamoDBClient;

const keyed = (name: string, extra: Record<string, unknown> = {}) =>
  new CreateTableCommand({
    TableName: name,
    KeySchema: [
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ],
    AttributeDefinitions: [
      { AttributeName: 'pk', AttributeType: 'S' },
      { AttributeName: 'sk', AttributeType: 'N' },
    ],
    BillingMode: 'PAY_PER_REQUEST',
    ...extra,
  });

/** The error a promise rejects with. */
async function failure(p: Promise<unknown>): Promise<any> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected the call to fail');
}

beforeAll(async () => {
  server = await startServer({ args: ['--executors', '1'] });
  ddb = new DynamoDBClient({
    endpoint: server.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
}, 60_000);

afterAll(async () => {
  ddb?.destroy();
  await server?.stop();
  server?.cleanup();
});

describe('tables', () => {
  it('are created, described, listed and deleted', async () => {
    const created = await ddb.send(keyed('orders'));
    expect(created.TableDescription).toMatchObject({
      TableName: 'orders',
      TableArn: 'arn:aws:dynamodb:us-east-1:000000000000:table/orders',
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
    });
    expect(created.TableDescription?.StreamSpecification).toBeUndefined();
    // Usable at once: CreateTable answers when the table is ACTIVE, as DynamoDB Local does.
    expect(created.TableDescription?.TableStatus).toBe('ACTIVE');
    const described = await ddb.send(new DescribeTableCommand({ TableName: 'orders' }));
    expect(described.Table?.TableStatus).toBe('ACTIVE');
    expect(described.Table?.LatestStreamArn).toBeUndefined();
    await ddb.send(keyed('zz-last'));
    const listed = await ddb.send(new ListTablesCommand({ Limit: 1 }));
    expect(listed.TableNames).toHaveLength(1);
    const rest = await ddb.send(
      new ListTablesCommand({ ExclusiveStartTableName: listed.LastEvaluatedTableName }),
    );
    expect([...listed.TableNames!, ...rest.TableNames!]).toEqual(
      expect.arrayContaining(['orders', 'zz-last']),
    );

    expect(await failure(ddb.send(keyed('orders')))).toBeInstanceOf(ResourceInUseException);
    await ddb.send(new DeleteTableCommand({ TableName: 'zz-last' }));
    const gone = await failure(ddb.send(new DescribeTableCommand({ TableName: 'zz-last' })));
    expect(gone).toBeInstanceOf(ResourceNotFoundException);
    expect(gone.$metadata.httpStatusCode).toBe(400);
  });

  it('StreamSpecification gives a table a stream ARN; UpdateTable turns it off and on', async () => {
    const created = await ddb.send(
      keyed('streamed', { StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' } }),
    );
    const arn = created.TableDescription?.LatestStreamArn;
    expect(arn).toMatch(
      /^arn:aws:dynamodb:us-east-1:000000000000:table\/streamed\/stream\/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}$/,
    );
    expect(created.TableDescription?.StreamSpecification).toEqual({
      StreamEnabled: true,
      StreamViewType: 'NEW_IMAGE',
    });
    expect(created.TableDescription?.LatestStreamLabel).toBe(arn!.split('/stream/')[1]);
    const again = await failure(
      ddb.send(
        new UpdateTableCommand({
          TableName: 'streamed',
          StreamSpecification: { StreamEnabled: true, StreamViewType: 'KEYS_ONLY' },
        }),
      ),
    );
    expect(again.name).toBe('ValidationException');
    expect(again.message).toContain(arn);
    const off = await ddb.send(
      new UpdateTableCommand({ TableName: 'streamed', StreamSpecification: { StreamEnabled: false } }),
    );
    expect(off.TableDescription?.StreamSpecification).toBeUndefined();
    expect(off.TableDescription?.LatestStreamArn).toBe(arn);
    const on = await ddb.send(
      new UpdateTableCommand({
        TableName: 'streamed',
        StreamSpecification: { StreamEnabled: true, StreamViewType: 'KEYS_ONLY' },
      }),
    );
    expect(on.TableDescription?.LatestStreamArn).not.toBe(arn);
    expect(on.TableDescription?.StreamSpecification?.StreamViewType).toBe('KEYS_ONLY');
  });

  it('a bad StreamSpecification is a ValidationException', async () => {
    const bad = await failure(
      ddb.send(keyed('bad-stream', { StreamSpecification: { StreamEnabled: true, StreamViewType: 'ALL' } })),
    );
    expect(bad.name).toBe('ValidationException');
    expect(bad.message).toContain('streamSpecification.streamViewType');
    const missing = await failure(
      ddb.send(keyed('bad-stream', { StreamSpecification: { StreamEnabled: true } })),
    );
    expect(missing.name).toBe('ValidationException');
    expect(await failure(ddb.send(new DescribeTableCommand({ TableName: 'bad-stream' })))).toBeInstanceOf(
      ResourceNotFoundException,
    );
  });
});

describe('items', () => {
  beforeAll(async () => {
    await ddb.send(keyed('items'));
  });

  it('put, get, update and delete, with condition and update expressions', async () => {
    await ddb.send(
      new PutItemCommand({
        TableName: 'items',
        Item: {
          pk: { S: 'a' },
          sk: { N: '1' },
          n: { N: '5' },
          tags: { SS: ['x'] },
          raw: { B: new Uint8Array([0, 255]) },
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    const got = await ddb.send(
      new GetItemCommand({ TableName: 'items', Key: { pk: { S: 'a' }, sk: { N: '1' } } }),
    );
    expect(got.Item?.n).toEqual({ N: '5' });
    expect([...(got.Item?.raw.B ?? [])]).toEqual([0, 255]);

    const dup = await failure(
      ddb.send(
        new PutItemCommand({
          TableName: 'items',
          Item: { pk: { S: 'a' }, sk: { N: '1' } },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
    expect(dup).toBeInstanceOf(ConditionalCheckFailedException);

    const updated = await ddb.send(
      new UpdateItemCommand({
        TableName: 'items',
        Key: { pk: { S: 'a' }, sk: { N: '1' } },
        UpdateExpression: 'SET n = n + :one, #s = :s ADD tags :t REMOVE #r',
        ConditionExpression: 'n = :five',
        ExpressionAttributeNames: { '#s': 'status', '#r': 'raw' },
        ExpressionAttributeValues: {
          ':one': { N: '1' },
          ':five': { N: '5' },
          ':s': { S: 'open' },
          ':t': { SS: ['y'] },
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
    expect(updated.Attributes).toEqual({
      pk: { S: 'a' },
      sk: { N: '1' },
      n: { N: '6' },
      status: { S: 'open' },
      tags: { SS: ['x', 'y'] },
    });
    const stale = await failure(
      ddb.send(
        new UpdateItemCommand({
          TableName: 'items',
          Key: { pk: { S: 'a' }, sk: { N: '1' } },
          UpdateExpression: 'SET n = :n',
          ConditionExpression: 'n = :n',
          ExpressionAttributeValues: { ':n': { N: '5' } },
        }),
      ),
    );
    expect(stale).toBeInstanceOf(ConditionalCheckFailedException);

    const removed = await ddb.send(
      new DeleteItemCommand({
        TableName: 'items',
        Key: { pk: { S: 'a' }, sk: { N: '1' } },
        ReturnValues: 'ALL_OLD',
      }),
    );
    expect(removed.Attributes?.n).toEqual({ N: '6' });
    const after = await ddb.send(
      new GetItemCommand({ TableName: 'items', Key: { pk: { S: 'a' }, sk: { N: '1' } } }),
    );
    expect(after.Item).toBeUndefined();
  });

  it('batch writes and reads; query and scan page through', async () => {
    const puts = Array.from({ length: 25 }, (_, i) => ({
      PutRequest: { Item: { pk: { S: 'q' }, sk: { N: String(i) }, even: { BOOL: i % 2 === 0 } } },
    }));
    const written = await ddb.send(new BatchWriteItemCommand({ RequestItems: { items: puts } }));
    expect(written.UnprocessedItems ?? {}).toEqual({});
    const read = await ddb.send(
      new BatchGetItemCommand({
        RequestItems: {
          items: {
            Keys: [
              { pk: { S: 'q' }, sk: { N: '3' } },
              { pk: { S: 'q' }, sk: { N: '99' } },
            ],
          },
        },
      }),
    );
    expect(read.Responses?.items).toEqual([{ pk: { S: 'q' }, sk: { N: '3' }, even: { BOOL: false } }]);

    const seen: string[] = [];
    let start: Record<string, any> | undefined;
    let pages = 0;
    do {
      const page = await ddb.send(
        new QueryCommand({
          TableName: 'items',
          KeyConditionExpression: 'pk = :p AND sk >= :from',
          ExpressionAttributeValues: { ':p': { S: 'q' }, ':from': { N: '5' } },
          Limit: 7,
          ExclusiveStartKey: start,
        }),
      );
      seen.push(...page.Items!.map((i) => i.sk.N!));
      start = page.LastEvaluatedKey;
      pages++;
    } while (start);
    expect(seen).toEqual(Array.from({ length: 20 }, (_, i) => String(i + 5)));
    expect(pages).toBe(3);

    const scanned = await ddb.send(
      new ScanCommand({
        TableName: 'items',
        FilterExpression: 'even = :t',
        ExpressionAttributeValues: { ':t': { BOOL: true } },
        Limit: 10,
      }),
    );
    expect(scanned.ScannedCount).toBe(10);
    expect(scanned.LastEvaluatedKey).toBeDefined();
    const desc = await ddb.send(
      new QueryCommand({
        TableName: 'items',
        KeyConditionExpression: 'pk = :p',
        ExpressionAttributeValues: { ':p': { S: 'q' } },
        ScanIndexForward: false,
        Limit: 2,
      }),
    );
    expect(desc.Items!.map((i) => i.sk.N)).toEqual(['24', '23']);
  });

  it('transactions: all writes or none, with the reasons of a cancelled one', async () => {
    const put = (sk: string) => ({
      Put: {
        TableName: 'items',
        Item: { pk: { S: 't' }, sk: { N: sk } },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    });
    await ddb.send(new TransactWriteItemsCommand({ TransactItems: [put('1'), put('2')] }));
    const cancelled = await failure(
      ddb.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            put('3'),
            put('1'),
            {
              Update: {
                TableName: 'items',
                Key: { pk: { S: 't' }, sk: { N: '2' } },
                UpdateExpression: 'SET v = :v',
                ExpressionAttributeValues: { ':v': { S: 'x' } },
              },
            },
          ],
        }),
      ),
    );
    expect(cancelled).toBeInstanceOf(TransactionCanceledException);
    expect(cancelled.CancellationReasons.map((r: { Code: string }) => r.Code)).toEqual([
      'None',
      'ConditionalCheckFailed',
      'None',
    ]);
    expect(cancelled.message).toBe(
      'Transaction cancelled, please refer cancellation reasons for specific reasons [None, ConditionalCheckFailed, None]',
    );
    const three = await ddb.send(
      new GetItemCommand({ TableName: 'items', Key: { pk: { S: 't' }, sk: { N: '3' } } }),
    );
    expect(three.Item).toBeUndefined();
    const two = await ddb.send(
      new GetItemCommand({ TableName: 'items', Key: { pk: { S: 't' }, sk: { N: '2' } } }),
    );
    expect(two.Item?.v).toBeUndefined();

    // A write the engine refuses midway (a type mismatch) puts back what was already written.
    const midway = await failure(
      ddb.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            { Put: { TableName: 'items', Item: { pk: { S: 't' }, sk: { N: '1' }, v: { S: 'changed' } } } },
            {
              Update: {
                TableName: 'items',
                Key: { pk: { S: 't' }, sk: { N: '2' } },
                UpdateExpression: 'SET v = pk + :n',
                ExpressionAttributeValues: { ':n': { N: '1' } },
              },
            },
          ],
        }),
      ),
    );
    expect(midway).toBeInstanceOf(TransactionCanceledException);
    expect(midway.CancellationReasons.map((r: { Code: string }) => r.Code)).toEqual([
      'None',
      'ValidationError',
    ]);
    const one = await ddb.send(
      new GetItemCommand({ TableName: 'items', Key: { pk: { S: 't' }, sk: { N: '1' } } }),
    );
    expect(one.Item).toEqual({ pk: { S: 't' }, sk: { N: '1' } });

    const same = await failure(
      ddb.send(new TransactWriteItemsCommand({ TransactItems: [put('5'), put('5')] })),
    );
    expect(same.name).toBe('ValidationException');
  });

  it('the DocumentClient from outside', async () => {
    const doc = DynamoDBDocumentClient.from(ddb);
    await doc.send(
      new PutCommand({ TableName: 'items', Item: { pk: 'doc', sk: 1, nested: { list: [1, 'two'] } } }),
    );
    const got = await doc.send(new GetCommand({ TableName: 'items', Key: { pk: 'doc', sk: 1 } }));
    expect(got.Item).toEqual({ pk: 'doc', sk: 1, nested: { list: [1, 'two'] } });
    const q = await doc.send(
      new DocQuery({
        TableName: 'items',
        KeyConditionExpression: 'pk = :p',
        ExpressionAttributeValues: { ':p': 'doc' },
      }),
    );
    expect(q.Count).toBe(1);
  });
});

describe('bad input gets DynamoDB error codes', () => {
  it('malformed expressions, missing keys, unknown tables and items over 400 KB', async () => {
    const syntax = await failure(
      ddb.send(
        new UpdateItemCommand({
          TableName: 'items',
          Key: { pk: { S: 'a' }, sk: { N: '1' } },
          UpdateExpression: 'SET = nothing',
        }),
      ),
    );
    expect(syntax.name).toBe('ValidationException');
    expect(syntax.message).toMatch(/Invalid UpdateExpression: Syntax error/);
    expect(syntax.$metadata.httpStatusCode).toBe(400);

    const unusedValue = await failure(
      ddb.send(
        new PutItemCommand({
          TableName: 'items',
          Item: { pk: { S: 'a' }, sk: { N: '1' } },
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':unused': { S: 'x' } },
        }),
      ),
    );
    expect(unusedValue.name).toBe('ValidationException');
    expect(unusedValue.message).toMatch(/unused in expressions/);

    const noKey = await failure(
      ddb.send(new PutItemCommand({ TableName: 'items', Item: { pk: { S: 'a' } } })),
    );
    expect(noKey.name).toBe('ValidationException');
    expect(noKey.message).toMatch(/Missing the key sk/);

    const unknown = await failure(
      ddb.send(new GetItemCommand({ TableName: 'no-such-table', Key: { pk: { S: 'a' } } })),
    );
    expect(unknown).toBeInstanceOf(ResourceNotFoundException);

    const big = await failure(
      ddb.send(
        new PutItemCommand({
          TableName: 'items',
          Item: { pk: { S: 'big' }, sk: { N: '1' }, blob: { S: 'x'.repeat(410 * 1024) } },
        }),
      ),
    );
    expect(big.name).toBe('ValidationException');
    expect(big.message).toBe('Item size has exceeded the maximum allowed size');
  });

  it('a body that is not JSON, an unknown operation', async () => {
    const headers = {
      'content-type': 'application/x-amz-json-1.0',
      authorization:
        'AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0',
    };
    const notJson = await fetch(server.url, {
      method: 'POST',
      headers: { ...headers, 'x-amz-target': 'DynamoDB_20120810.GetItem' },
      body: '{not json',
    });
    expect(notJson.status).toBe(400);
    expect(((await notJson.json()) as { __type: string }).__type).toBe(
      'com.amazon.coral.service#SerializationException',
    );
    const unknownOp = await fetch(server.url, {
      method: 'POST',
      headers: { ...headers, 'x-amz-target': 'DynamoDB_20120810.DropEverything' },
      body: '{}',
    });
    expect(unknownOp.status).toBe(400);
    expect(((await unknownOp.json()) as { __type: string }).__type).toBe(
      'com.amazon.coral.service#UnknownOperationException',
    );
  });
});

describe('the AWS CLI', () => {
  it('create-table, put-item, get-item', async () => {
    const created = JSON.parse(
      (
        await awsCli(
          server.url,
          'dynamodb',
          'create-table',
          '--table-name',
          'cli-table',
          '--attribute-definitions',
          'AttributeName=id,AttributeType=S',
          '--key-schema',
          'AttributeName=id,KeyType=HASH',
          '--billing-mode',
          'PAY_PER_REQUEST',
          '--stream-specification',
          'StreamEnabled=true,StreamViewType=NEW_AND_OLD_IMAGES',
        )
      ).stdout,
    );
    expect(created.TableDescription.TableName).toBe('cli-table');
    expect(created.TableDescription.LatestStreamArn).toContain(':table/cli-table/stream/');
    await awsCli(
      server.url,
      'dynamodb',
      'put-item',
      '--table-name',
      'cli-table',
      '--item',
      '{"id":{"S":"k1"},"count":{"N":"3"}}',
    );
    const got = JSON.parse(
      (
        await awsCli(
          server.url,
          'dynamodb',
          'get-item',
          '--table-name',
          'cli-table',
          '--key',
          '{"id":{"S":"k1"}}',
        )
      ).stdout,
    );
    expect(got.Item).toEqual({ id: { S: 'k1' }, count: { N: '3' } });
    const missing = await failure(
      awsCli(server.url, 'dynamodb', 'get-item', '--table-name', 'nope-table', '--key', '{"id":{"S":"k1"}}'),
    );
    expect(missing.stderr).toContain('ResourceNotFoundException');
  }, 60_000);
});
