import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BatchWriteItemCommand,
  CreateTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
// dynalite has no types; it is a DynamoDB-API server (LevelDB in memory) that validates like DynamoDB.
// @ts-expect-error untyped module
import dynalite from 'dynalite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deploy, invoke } from '../helpers/functions';
import { startServer, type TestServer } from '../helpers/server';

let dynamo: { listen: Function; close: Function; address(): AddressInfo };
let outside: DynamoDBClient;
let server: TestServer;
let dir: string;
let ledger: Server;
/** The calls the ledger endpoint received: operation and parsed body. */
const ledgerCalls: Array<{ op: string; body: any }> = [];

/**
 * A stand-in DynamoDB endpoint for the 'ledger' table that answers transactions (dynalite has
 * none): a write with a ConditionCheck is cancelled as DynamoDB cancels it; reads get fixed items.
 */
function ledgerEndpoint(): Server {
  return createServer((req, res) => {
    let text = '';
    req.on('data', (c) => {
      text += c;
    });
    req.on('end', () => {
      const op = String(req.headers['x-amz-target']).split('.')[1]!;
      const body = JSON.parse(text);
      ledgerCalls.push({ op, body });
      const answer = (status: number, payload: unknown) => {
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0' });
        res.end(JSON.stringify(payload));
      };
      if (op === 'TransactWriteItems' && body.TransactItems.some((i: any) => i.ConditionCheck)) {
        return answer(400, {
          __type: 'com.amazonaws.dynamodb.v20120810#TransactionCanceledException',
          Message:
            'Transaction cancelled, please refer cancellation reasons for specific reasons [None, ConditionalCheckFailed]',
          CancellationReasons: [
            { Code: 'None' },
            { Code: 'ConditionalCheckFailed', Message: 'The conditional request failed' },
          ],
        });
      }
      if (op === 'TransactWriteItems') return answer(200, {});
      if (op === 'TransactGetItems') {
        return answer(200, {
          Responses: [
            { Item: { id: { S: 'a' }, tags: { SS: ['x', 'y'] }, n: { N: '5' }, b: { B: 'AQI=' } } },
            {},
          ],
        });
      }
      answer(400, { __type: 'com.amazon.coral.service#UnknownOperationException' });
    });
  });
}

/** Reports a failed call the same way in every function: what the SDK user would look at. */
const failHelper = `
const fail = async (p, Cls) => {
  try { await p; return 'no error'; } catch (e) {
    return { name: e.name, code: e.code, message: e.message, status: e.$metadata ? e.$metadata.httpStatusCode : e.statusCode,
      fault: e.$fault, isClass: Cls ? e instanceof Cls : undefined };
  }
};`;

const v3LowLevel = `
import { DynamoDBClient, DynamoDB, GetItemCommand, PutItemCommand, UpdateItemCommand, DeleteItemCommand,
  QueryCommand, ScanCommand, BatchGetItemCommand, BatchWriteItemCommand, DescribeTableCommand, ListTablesCommand,
  CreateTableCommand, DeleteTableCommand, UpdateTimeToLiveCommand, ConditionalCheckFailedException,
  ResourceNotFoundException, DynamoDBServiceException, paginateQuery, paginateListTables, waitUntilTableExists,
  waitUntilTableNotExists, ReturnValue } from '@aws-sdk/client-dynamodb';
const client = new DynamoDBClient({ region: 'eu-west-1', endpoint: 'http://ignored.invalid' });
${failHelper}
const update = (cond) => new UpdateItemCommand({
  TableName: 'items', Key: { id: { S: 'u1' } },
  UpdateExpression: 'SET #n = :name ADD #c :two, tags :more REMOVE gone',
  ConditionExpression: 'attribute_exists(id) AND #c = :one',
  ExpressionAttributeNames: { '#n': 'name', '#c': 'count' },
  ExpressionAttributeValues: { ':name': { S: 'Ann' }, ':two': { N: '2' }, ':more': { SS: ['b'] }, ':one': { N: '1' } },
  ReturnValues: 'ALL_NEW',
});
export const handler = async (e) => {
  switch (e.action) {
    case 'types': {
      await client.send(new PutItemCommand({ TableName: 'items', Item: {
        id: { S: 't1' }, n: { N: '42.5' }, big: { N: '12345678901234567890' }, b: { B: new Uint8Array([0, 1, 2, 255]) },
        ss: { SS: ['a', 'b'] }, ns: { NS: ['1', '2'] }, bs: { BS: [new Uint8Array([1]), new Uint8Array([2, 3])] },
        l: { L: [{ S: 'x' }, { N: '1' }] }, m: { M: { k: { BOOL: true } } }, nul: { NULL: true } } }));
      const out = await client.send(new GetItemCommand({ TableName: 'items', Key: { id: { S: 't1' } }, ConsistentRead: true }));
      const it = out.Item;
      return { n: it.n, big: it.big, bIsBytes: it.b.B instanceof Uint8Array, b: Array.from(it.b.B),
        ss: it.ss.SS.sort(), ns: it.ns.NS.sort(), bs: it.bs.BS.map((x) => Array.from(x)).sort(), l: it.l, m: it.m,
        nul: it.nul, status: out.$metadata.httpStatusCode };
    }
    case 'update': {
      await client.send(new PutItemCommand({ TableName: 'items', Item: { id: { S: 'u1' }, count: { N: '1' }, tags: { SS: ['a'] }, gone: { S: 'x' } } }));
      const out = await client.send(update());
      const again = await fail(client.send(update()), ConditionalCheckFailedException);
      const create = await fail(client.send(new PutItemCommand({ TableName: 'items', Item: { id: { S: 'u1' } },
        ConditionExpression: 'attribute_not_exists(id)' })), ConditionalCheckFailedException);
      const isBase = await client.send(update()).catch((err) => err instanceof DynamoDBServiceException);
      return { attrs: out.Attributes, again, create, isBase };
    }
    case 'query': {
      const pages = [];
      let key;
      do {
        const out = await client.send(new QueryCommand({ TableName: 'events',
          KeyConditionExpression: 'pk = :p AND begins_with(sk, :o)',
          ExpressionAttributeValues: { ':p': { S: 'user#1' }, ':o': { S: 'order#' } }, Limit: 2, ExclusiveStartKey: key }));
        pages.push(out.Items.map((i) => i.sk.S));
        key = out.LastEvaluatedKey;
      } while (key);
      const counts = [];
      for await (const page of paginateQuery({ client, pageSize: 3 }, { TableName: 'events',
        KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': { S: 'user#1' } } })) counts.push(page.Count);
      const scan = await client.send(new ScanCommand({ TableName: 'events', FilterExpression: 'amount > :min',
        ExpressionAttributeValues: { ':min': { N: '25' } } }));
      return { pages, counts, scanned: scan.Items.map((i) => i.sk.S).sort(), scannedCount: scan.ScannedCount };
    }
    case 'batch': {
      const w = await client.send(new BatchWriteItemCommand({ RequestItems: { items: [
        { PutRequest: { Item: { id: { S: 'b1' } } } }, { PutRequest: { Item: { id: { S: 'b2' } } } },
        { PutRequest: { Item: { id: { S: 'b3' } } } }, { DeleteRequest: { Key: { id: { S: 't1' } } } }] } }));
      const g = await client.send(new BatchGetItemCommand({ RequestItems: { items: { Keys: [
        { id: { S: 'b1' } }, { id: { S: 'b3' } }, { id: { S: 't1' } }] } } }));
      await client.send(new DeleteItemCommand({ TableName: 'items', Key: { id: { S: 'b3' } } }));
      return { unprocessed: w.UnprocessedItems, got: g.Responses.items.map((i) => i.id.S).sort() };
    }
    case 'tables': {
      await client.send(new CreateTableCommand({ TableName: 'scratch', BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'k', AttributeType: 'S' }], KeySchema: [{ AttributeName: 'k', KeyType: 'HASH' }] }));
      // As with the SDK, a wait no longer than the first delay (20 s by default) is refused.
      const refused = await waitUntilTableExists({ client, maxWaitTime: 5 }, { TableName: 'scratch' }).catch((e) => e.message);
      const waited = await waitUntilTableExists({ client, maxWaitTime: 10, minDelay: 1 }, { TableName: 'scratch' });
      const d = await client.send(new DescribeTableCommand({ TableName: 'scratch' }));
      const listed = await new DynamoDB({}).listTables({});
      const pagedNames = [];
      for await (const page of paginateListTables({ client, pageSize: 1 }, {})) pagedNames.push(...page.TableNames);
      await client.send(new DeleteTableCommand({ TableName: 'scratch' }));
      const gone = await waitUntilTableNotExists({ client, maxWaitTime: 10, minDelay: 1 }, { TableName: 'scratch' });
      const missing = await fail(client.send(new GetItemCommand({ TableName: 'no-such-table', Key: { id: { S: 'x' } } })), ResourceNotFoundException);
      return { status: d.Table.TableStatus, created: d.Table.CreationDateTime instanceof Date, names: listed.TableNames, missing,
        waited: waited.state, gone: gone.state, refused, pagedNames, allNew: ReturnValue.ALL_NEW };
    }
    case 'unsupported':
      return fail(client.send(new UpdateTimeToLiveCommand({ TableName: 'items', TimeToLiveSpecification: { Enabled: true, AttributeName: 'ttl' } })));
    case 'unreachable':
      return fail(client.send(new GetItemCommand({ TableName: 'unreachable', Key: { id: { S: 'x' } } })));
    case 'invalid':
      return {
        noTable: await fail(client.send(new GetItemCommand({ Key: { id: { S: 'x' } } }))),
        badName: await fail(client.send(new GetItemCommand({ TableName: 'a/b', Key: { id: { S: 'x' } } }))),
        badValue: await fail(client.send(new GetItemCommand({ TableName: 'items', Key: { id: {} } }))),
        badBatch: await fail(client.send(new BatchWriteItemCommand({ RequestItems: {} }))),
      };
  }
};`;

const v3Document = `
const { DynamoDBClient, ConditionalCheckFailedException, TransactionCanceledException } = require('@aws-sdk/client-dynamodb');
const { DynamoDBDocumentClient, DynamoDBDocument, GetCommand, PutCommand, UpdateCommand, DeleteCommand, QueryCommand,
  ScanCommand, BatchGetCommand, BatchWriteCommand, TransactWriteCommand, TransactGetCommand, paginateQuery, NumberValue } = require('@aws-sdk/lib-dynamodb');
const { marshall, unmarshall } = require('@aws-sdk/util-dynamodb');
const low = new DynamoDBClient({});
const doc = DynamoDBDocumentClient.from(low, { marshallOptions: { removeUndefinedValues: true } });
const strict = DynamoDBDocumentClient.from(low);
const wrapped = DynamoDBDocument.from(low, { unmarshallOptions: { wrapNumbers: true } });
${failHelper}
const bump = () => new UpdateCommand({ TableName: 'items', Key: { id: 'd2' },
  UpdateExpression: 'SET #s = :s ADD visits :one, tags :t REMOVE obsolete',
  ConditionExpression: 'visits < :max', ExpressionAttributeNames: { '#s': 'status' },
  ExpressionAttributeValues: { ':s': 'active', ':one': 1, ':t': new Set(['new']), ':max': 2 }, ReturnValues: 'ALL_NEW' });
exports.handler = async (e) => {
  switch (e.action) {
    case 'roundtrip': {
      await doc.send(new PutCommand({ TableName: 'items', Item: { id: 'd1', name: 'Ann', age: 30, score: 1.5,
        tags: new Set(['x', 'y']), nums: new Set([3, 1, 2]), bin: new Uint8Array([9, 8, 7]),
        nested: { list: [1, 'two', { three: 3 }], flag: true, nothing: null, skip: undefined } } }));
      const { Item: it, $metadata } = await doc.send(new GetCommand({ TableName: 'items', Key: { id: 'd1' } }));
      return { isSet: it.tags instanceof Set, tags: [...it.tags].sort(), nums: [...it.nums].sort(),
        binIsBytes: it.bin instanceof Uint8Array, isBuffer: typeof Buffer !== 'undefined' && Buffer.isBuffer(it.bin),
        bin: Array.from(it.bin), age: it.age, score: it.score, nested: it.nested, status: $metadata.httpStatusCode };
    }
    case 'update': {
      await doc.send(new PutCommand({ TableName: 'items', Item: { id: 'd2', visits: 1, tags: new Set(['old']), obsolete: 'x' } }));
      const first = await doc.send(bump());
      const second = await fail(doc.send(bump()), ConditionalCheckFailedException);
      const deleted = await doc.send(new DeleteCommand({ TableName: 'items', Key: { id: 'd2' }, ReturnValues: 'ALL_OLD' }));
      const a = first.Attributes;
      return { status: a.status, visits: a.visits, tags: [...a.tags].sort(), obsolete: 'obsolete' in a, second,
        deletedVisits: deleted.Attributes.visits };
    }
    case 'query': {
      const pages = [];
      let key;
      do {
        const out = await doc.send(new QueryCommand({ TableName: 'events', KeyConditionExpression: 'pk = :p AND begins_with(sk, :o)',
          ExpressionAttributeValues: { ':p': 'user#1', ':o': 'order#' }, Limit: 2, ExclusiveStartKey: key }));
        pages.push(out.Items.map((i) => i.sk));
        key = out.LastEvaluatedKey;
      } while (key);
      const amounts = [];
      for await (const page of paginateQuery({ client: doc, pageSize: 4 }, { TableName: 'events',
        KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': 'user#1' } })) amounts.push(page.Items.map((i) => i.amount ?? null));
      const scan = await doc.send(new ScanCommand({ TableName: 'events', FilterExpression: 'amount BETWEEN :lo AND :hi',
        ExpressionAttributeValues: { ':lo': 20, ':hi': 40 } }));
      return { pages, amounts, scanned: scan.Items.map((i) => i.amount).sort() };
    }
    case 'batch': {
      const w = await doc.send(new BatchWriteCommand({ RequestItems: { items: [
        { PutRequest: { Item: { id: 'db1', n: 1 } } }, { PutRequest: { Item: { id: 'db2', n: 2 } } },
        { DeleteRequest: { Key: { id: 'd1' } } }] } }));
      const g = await doc.send(new BatchGetCommand({ RequestItems: { items: { Keys: [{ id: 'db1' }, { id: 'db2' }, { id: 'd1' }] } } }));
      return { unprocessed: w.UnprocessedItems, got: g.Responses.items.sort((x, y) => x.n - y.n) };
    }
    case 'numbers': {
      const plain = await doc.send(new GetCommand({ TableName: 'items', Key: { id: 'big' } }));
      const w = await wrapped.get({ TableName: 'items', Key: { id: 'big' } });
      return { plainType: typeof plain.Item.n, plain: String(plain.Item.n), small: plain.Item.small,
        wrappedIsNumberValue: w.Item.n instanceof NumberValue, wrapped: w.Item.n.toString(), wrappedSmall: w.Item.small.toString() };
    }
    case 'strict': {
      const undef = await fail(strict.send(new PutCommand({ TableName: 'items', Item: { id: 'x', nested: { a: undefined } } })));
      const transact = await fail(doc.send(new TransactWriteCommand({ TransactItems: [
        { Put: { TableName: 'items', Item: { id: 'tx1', n: 1 } } },
        { ConditionCheck: { TableName: 'items', Key: { id: 'd1' }, ConditionExpression: 'attribute_exists(id)' } }] })));
      return { undef: undef.message, transact };
    }
    case 'util': {
      const m = marshall({ a: 1, s: 'x', l: [true, null], set: new Set(['p']) });
      return { m, back: unmarshall(m).a };
    }
    case 'callback':
      return new Promise((resolve) =>
        doc.send(new GetCommand({ TableName: 'items', Key: { id: 'db1' } }), (err, data) => resolve(err ? err.name : data.Item)));
    case 'transact': {
      let canceled;
      try {
        await doc.send(new TransactWriteCommand({ TransactItems: [
          { Put: { TableName: 'ledger', Item: { id: 'a', tags: new Set(['x']), amount: 5 } } },
          { ConditionCheck: { TableName: 'ledger', Key: { id: 'b' }, ConditionExpression: 'attribute_exists(id)' } }] }));
      } catch (err) {
        canceled = { name: err.name, isClass: err instanceof TransactionCanceledException, reasons: err.CancellationReasons };
      }
      const ok = await doc.send(new TransactWriteCommand({ TransactItems: [
        { Update: { TableName: 'ledger', Key: { id: 'a' }, UpdateExpression: 'ADD amount :n', ExpressionAttributeValues: { ':n': 1 } } },
        { Delete: { TableName: 'ledger', Key: { id: 'c' } } }] }));
      const got = await doc.send(new TransactGetCommand({ TransactItems: [
        { Get: { TableName: 'ledger', Key: { id: 'a' } } }, { Get: { TableName: 'ledger', Key: { id: 'z' } } }] }));
      return { canceled, ok: ok.$metadata.httpStatusCode, items: got.Responses.map((r) => r.Item
        ? { ...r.Item, tags: [...r.Item.tags].sort(), b: Array.from(r.Item.b), bIsBytes: r.Item.b instanceof Uint8Array } : null) };
    }
  }
};`;

const v2 = `
const AWS = require('aws-sdk');
const DynamoDB = require('aws-sdk/clients/dynamodb');
const doc = new AWS.DynamoDB.DocumentClient();
const lowLevel = new DynamoDB({ region: 'eu-west-1' });
${failHelper}
const bump = (cb) => doc.update({ TableName: 'items', Key: { id: 'v2u' },
  UpdateExpression: 'SET #s = :s ADD visits :one REMOVE obsolete', ConditionExpression: 'visits < :max',
  ExpressionAttributeNames: { '#s': 'status' }, ExpressionAttributeValues: { ':s': 'on', ':one': 1, ':max': 2 },
  ReturnValues: 'UPDATED_NEW' }, cb);
exports.handler = async (e) => {
  switch (e.action) {
    case 'roundtrip': {
      await doc.put({ TableName: 'items', Item: { id: 'v2-1', tags: doc.createSet(['a', 'b']), nums: doc.createSet([1, 2]),
        bin: Buffer.from('hi'), bins: doc.createSet([Buffer.from([1]), Buffer.from([2])]), n: 7, map: { x: [1, 'y'] } } }).promise();
      const { Item: it } = await doc.get({ TableName: 'items', Key: { id: 'v2-1' } }).promise();
      return { sameClass: DynamoDB === AWS.DynamoDB, wrapper: it.tags.wrapperName, type: it.tags.type, tags: it.tags.values.sort(),
        numsType: it.nums.type, nums: it.nums.values.sort(), json: JSON.parse(JSON.stringify(it.nums)).sort(),
        binIsBuffer: Buffer.isBuffer(it.bin), bin: it.bin.toString(), bins: it.bins.values.map((b) => Buffer.isBuffer(b) && b[0]).sort(),
        n: it.n, map: it.map };
    }
    case 'update': {
      await doc.put({ TableName: 'items', Item: { id: 'v2u', visits: 1, obsolete: true } }).promise();
      const first = await bump().promise();
      const second = await new Promise((resolve) => bump((err, data) => resolve(err ? { code: err.code, statusCode: err.statusCode, retryable: err.retryable } : data)));
      return { first: first.Attributes, second };
    }
    case 'query': {
      const pages = [];
      let key;
      do {
        const out = await doc.query({ TableName: 'events', KeyConditionExpression: 'pk = :p AND begins_with(sk, :o)',
          ExpressionAttributeValues: { ':p': 'user#1', ':o': 'order#' }, Limit: 2, ExclusiveStartKey: key }).promise();
        pages.push(out.Items.map((i) => i.sk));
        key = out.LastEvaluatedKey;
      } while (key);
      const scan = await doc.scan({ TableName: 'events', FilterExpression: 'amount >= :min', ExpressionAttributeValues: { ':min': 40 } }).promise();
      return { pages, scanned: scan.Items.map((i) => i.amount).sort() };
    }
    case 'batch': {
      await doc.batchWrite({ RequestItems: { items: [{ PutRequest: { Item: { id: 'v2b1', n: 1 } } }, { PutRequest: { Item: { id: 'v2b2', n: 2 } } }] } }).promise();
      const g = await doc.batchGet({ RequestItems: { items: { Keys: [{ id: 'v2b1' }, { id: 'v2b2' }] } } }).promise();
      return g.Responses.items.map((i) => i.n).sort();
    }
    case 'converter': {
      const C = AWS.DynamoDB.Converter;
      const m = C.marshall({ a: 1, s: 'x', l: [true, null], b: Buffer.from('z'), e: '' }, { convertEmptyValues: true });
      const back = C.unmarshall({ n: { N: '5' }, ss: { SS: ['q'] } });
      return { m: { ...m, b: Buffer.isBuffer(m.b.B) && m.b.B.toString() }, n: back.n, ss: back.ss.values, wrapper: back.ss.wrapperName,
        wrapped: C.output({ N: '12345678901234567890' }, { wrapNumbers: true }).toString() };
    }
    case 'transact': {
      const canceled = await new Promise((resolve) => doc.transactWrite({ TransactItems: [
        { Put: { TableName: 'ledger', Item: { id: 'v2', tags: doc.createSet(['q']) } } },
        { ConditionCheck: { TableName: 'ledger', Key: { id: 'b' }, ConditionExpression: 'attribute_exists(id)' } }] },
        (err) => resolve({ code: err.code, statusCode: err.statusCode })));
      const got = await doc.transactGet({ TransactItems: [{ Get: { TableName: 'ledger', Key: { id: 'a' } } }] }).promise();
      const item = got.Responses[0].Item;
      return { canceled, wrapper: item.tags.wrapperName, tags: item.tags.values, n: item.n, bIsBuffer: Buffer.isBuffer(item.b), b: [...item.b] };
    }
    case 'low': {
      await lowLevel.putItem({ TableName: 'items', Item: { id: { S: 'v2-low' }, text: { B: 'text' } } }).promise();
      const out = await lowLevel.getItem({ TableName: 'items', Key: { id: { S: 'v2-low' } } }).promise();
      const missing = await new Promise((resolve) =>
        lowLevel.getItem({ TableName: 'no-such-table', Key: { id: { S: 'x' } } }, (err) => resolve({ code: err.code, statusCode: err.statusCode })));
      return { isBuffer: Buffer.isBuffer(out.Item.text.B), text: out.Item.text.B.toString(), missing };
    }
  }
};`;

beforeAll(async () => {
  dynamo = dynalite({ createTableMs: 0, deleteTableMs: 0 });
  await new Promise<void>((r) => dynamo.listen(0, '127.0.0.1', () => r()));
  const endpoint = `http://127.0.0.1:${dynamo.address().port}`;
  outside = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
    requestHandler: new NodeHttpHandler(),
  });
  await outside.send(
    new CreateTableCommand({
      TableName: 'items',
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
    }),
  );
  await outside.send(
    new CreateTableCommand({
      TableName: 'events',
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
    }),
  );
  const event = (pk: string, sk: string, amount?: number) => ({
    PutRequest: {
      Item: {
        pk: { S: pk },
        sk: { S: sk },
        ...(amount === undefined ? {} : { amount: { N: String(amount) } }),
      },
    },
  });
  await outside.send(
    new BatchWriteItemCommand({
      RequestItems: {
        events: [
          event('user#1', 'order#001', 10),
          event('user#1', 'order#002', 20),
          event('user#1', 'order#003', 30),
          event('user#1', 'order#004', 40),
          event('user#1', 'order#005', 50),
          event('user#1', 'profile'),
          event('user#2', 'order#001', 35),
        ],
      },
    }),
  );
  await outside.send(
    new PutItemCommand({
      TableName: 'items',
      Item: { id: { S: 'big' }, n: { N: '12345678901234567890' }, small: { N: '0.1' } },
    }),
  );
  ledger = ledgerEndpoint();
  await new Promise<void>((r) => ledger.listen(0, '127.0.0.1', () => r()));
  const ledgerUrl = `http://127.0.0.1:${(ledger.address() as AddressInfo).port}`;
  dir = mkdtempSync(join(tmpdir(), 'islet-ddb-'));
  const services = join(dir, 'services.json');
  const creds = { region: 'us-east-1', accessKeyId: 'x', secretAccessKey: 'y' };
  writeFileSync(
    services,
    JSON.stringify({
      dynamodb: {
        default: { endpoint, ...creds },
        // Nothing listens on port 1: calls for this table cannot reach their endpoint.
        tables: {
          unreachable: { endpoint: 'http://127.0.0.1:1', ...creds },
          ledger: { endpoint: ledgerUrl, ...creds },
        },
      },
    }),
  );
  server = await startServer({ args: ['--executors', '1', '--services', services] });
  const lambda = server.lambda();
  await deploy(lambda, 'ddb-v3', { 'index.mjs': v3LowLevel }, { Timeout: 10 });
  await deploy(lambda, 'ddb-doc', { 'index.js': v3Document }, { Timeout: 10 });
  await deploy(lambda, 'ddb-v2', { 'index.js': v2 }, { Timeout: 10 });
}, 60_000);

afterAll(async () => {
  await server?.stop();
  server?.cleanup();
  outside?.destroy();
  await new Promise((r) => dynamo.close(r));
  await new Promise((r) => ledger?.close(r));
  rmSync(dir, { recursive: true, force: true });
});

async function run(fn: string, action: string) {
  const r = await invoke(server.lambda(), fn, { action });
  expect(r.functionError, JSON.stringify(r.payload)).toBeUndefined();
  return r.payload;
}

async function stored(id: string) {
  const out = await outside.send(
    new GetItemCommand({ TableName: 'items', Key: { id: { S: id } }, ConsistentRead: true }),
  );
  return out.Item;
}

describe('@aws-sdk/client-dynamodb inside a function', () => {
  it('round-trips every attribute type in DynamoDB JSON, binary as Uint8Array', async () => {
    expect(await run('ddb-v3', 'types')).toEqual({
      n: { N: '42.5' },
      big: { N: '12345678901234567890' },
      bIsBytes: true,
      b: [0, 1, 2, 255],
      ss: ['a', 'b'],
      ns: ['1', '2'],
      bs: [[1], [2, 3]],
      l: { L: [{ S: 'x' }, { N: '1' }] },
      m: { M: { k: { BOOL: true } } },
      nul: { NULL: true },
      status: 200,
    });
    expect(Buffer.from((await stored('t1'))!.b!.B!)).toEqual(Buffer.from([0, 1, 2, 255]));
  });

  it('updates with SET, ADD and REMOVE; a failed condition is ConditionalCheckFailedException', async () => {
    const r = await run('ddb-v3', 'update');
    expect(r.attrs.name).toEqual({ S: 'Ann' });
    expect(r.attrs.count).toEqual({ N: '3' });
    expect(r.attrs.tags.SS.sort()).toEqual(['a', 'b']);
    expect(r.attrs.gone).toBeUndefined();
    for (const failure of [r.again, r.create]) {
      expect(failure).toMatchObject({
        name: 'ConditionalCheckFailedException',
        status: 400,
        fault: 'client',
        isClass: true,
      });
    }
    expect(r.isBase).toBe(true);
  });

  it('queries with a key condition and begins_with, page by page, and scans with a filter', async () => {
    expect(await run('ddb-v3', 'query')).toEqual({
      pages: [['order#001', 'order#002'], ['order#003', 'order#004'], ['order#005']],
      // A page that ends exactly at the limit carries a LastEvaluatedKey, as in DynamoDB: one empty page follows.
      counts: [3, 3, 0],
      scanned: ['order#001', 'order#003', 'order#004', 'order#005'],
      scannedCount: 7,
    });
  });

  it('writes and reads in batches', async () => {
    expect(await run('ddb-v3', 'batch')).toEqual({ unprocessed: {}, got: ['b1', 'b3'] });
    expect(await stored('b2')).toEqual({ id: { S: 'b2' } });
    expect(await stored('b3')).toBeUndefined();
  });

  it('creates, describes, lists and deletes tables; a missing table is ResourceNotFoundException', async () => {
    const r = await run('ddb-v3', 'tables');
    expect(r.status).toBe('ACTIVE');
    expect(r.created).toBe(true);
    expect(r.names).toEqual(expect.arrayContaining(['events', 'items', 'scratch']));
    expect(r.missing).toMatchObject({ name: 'ResourceNotFoundException', status: 400, isClass: true });
    expect(r.pagedNames).toEqual(r.names);
    expect(r).toMatchObject({ waited: 'SUCCESS', gone: 'SUCCESS', allNew: 'ALL_NEW' });
    expect(r.refused).toBe(
      'WaiterConfiguration.maxWaitTime [5] must be greater than WaiterConfiguration.minDelay [20] for this waiter',
    );
  });

  it('refuses an operation islet does not offer, naming it', async () => {
    const r = await run('ddb-v3', 'unsupported');
    expect(r.name).toBe('UnknownOperationException');
    expect(r.message).toContain('UpdateTimeToLive');
  });

  it('reports an endpoint that cannot be reached as ServiceUnavailable, without its address', async () => {
    const r = await run('ddb-v3', 'unreachable');
    expect(r).toMatchObject({ name: 'ServiceUnavailable', status: 503, fault: 'server' });
    expect(r.message).toContain("table 'unreachable'");
    expect(r.message).not.toContain('127.0.0.1');
  });

  it('answers bad input with ValidationException', async () => {
    const r = await run('ddb-v3', 'invalid');
    expect(r.noTable).toMatchObject({ name: 'ValidationException', status: 400 });
    expect(r.noTable.message).toContain("'tableName'");
    expect(r.badName).toMatchObject({ name: 'ValidationException', status: 400 });
    // Checked by the backend, which validates as DynamoDB does.
    expect(r.badValue).toMatchObject({ name: 'ValidationException', status: 400 });
    expect(r.badValue.message).toContain('Supplied AttributeValue is empty');
    expect(r.badBatch).toMatchObject({ name: 'ValidationException', status: 400 });
  });
});

describe('@aws-sdk/lib-dynamodb inside a function', () => {
  it('marshals native values (Set, Uint8Array, numbers, nested) and reads them back as v3 does', async () => {
    expect(await run('ddb-doc', 'roundtrip')).toEqual({
      isSet: true,
      tags: ['x', 'y'],
      nums: [1, 2, 3],
      binIsBytes: true,
      isBuffer: false,
      bin: [9, 8, 7],
      age: 30,
      score: 1.5,
      nested: { list: [1, 'two', { three: 3 }], flag: true, nothing: null },
      status: 200,
    });
    const raw = await stored('d1');
    expect(raw!.tags!.SS!.sort()).toEqual(['x', 'y']);
    expect(raw!.nums!.NS!.sort()).toEqual(['1', '2', '3']);
    expect(Buffer.from(raw!.bin!.B!)).toEqual(Buffer.from([9, 8, 7]));
    expect(raw!.nested!.M!.nothing).toEqual({ NULL: true });
  });

  it('updates with expressions; a failed condition is the client package’s ConditionalCheckFailedException', async () => {
    const r = await run('ddb-doc', 'update');
    expect(r).toMatchObject({
      status: 'active',
      visits: 2,
      tags: ['new', 'old'],
      obsolete: false,
      deletedVisits: 2,
    });
    expect(r.second).toMatchObject({ name: 'ConditionalCheckFailedException', isClass: true, status: 400 });
  });

  it('queries with begins_with and ExclusiveStartKey paging, paginates, scans with a filter', async () => {
    expect(await run('ddb-doc', 'query')).toEqual({
      pages: [['order#001', 'order#002'], ['order#003', 'order#004'], ['order#005']],
      amounts: [
        [10, 20, 30, 40],
        [50, null],
      ],
      scanned: [20, 30, 35, 40],
    });
  });

  it('writes and reads in batches with native items', async () => {
    expect(await run('ddb-doc', 'batch')).toEqual({
      unprocessed: {},
      got: [
        { id: 'db1', n: 1 },
        { id: 'db2', n: 2 },
      ],
    });
    expect(await stored('d1')).toBeUndefined();
  });

  it('keeps numbers beyond double precision exact (BigInt, or NumberValue with wrapNumbers)', async () => {
    expect(await run('ddb-doc', 'numbers')).toEqual({
      plainType: 'bigint',
      plain: '12345678901234567890',
      small: 0.1,
      wrappedIsNumberValue: true,
      wrapped: '12345678901234567890',
      wrappedSmall: '0.1',
    });
  });

  it('refuses undefined values without removeUndefinedValues; marshals transactions', async () => {
    const r = await run('ddb-doc', 'strict');
    expect(r.undef).toContain('removeUndefinedValues');
    // dynalite has no transactions: it answers with its own error, after islet marshalled and routed the call.
    expect(r.transact).toMatchObject({ name: 'UnknownOperationException', status: 400 });
  });

  it('marshals transactions; a cancelled one is TransactionCanceledException with its reasons', async () => {
    ledgerCalls.length = 0;
    expect(await run('ddb-doc', 'transact')).toEqual({
      canceled: {
        name: 'TransactionCanceledException',
        isClass: true,
        // The service's own CancellationReasons, Message included, as the SDK gives them.
        reasons: [
          { Code: 'None' },
          { Code: 'ConditionalCheckFailed', Message: 'The conditional request failed' },
        ],
      },
      ok: 200,
      items: [{ id: 'a', tags: ['x', 'y'], n: 5, b: [1, 2], bIsBytes: true }, null],
    });
    expect(ledgerCalls.map((c) => c.op)).toEqual([
      'TransactWriteItems',
      'TransactWriteItems',
      'TransactGetItems',
    ]);
    expect(ledgerCalls[0]!.body.TransactItems).toEqual([
      { Put: { TableName: 'ledger', Item: { id: { S: 'a' }, tags: { SS: ['x'] }, amount: { N: '5' } } } },
      {
        ConditionCheck: {
          TableName: 'ledger',
          Key: { id: { S: 'b' } },
          ConditionExpression: 'attribute_exists(id)',
        },
      },
    ]);
    expect(ledgerCalls[1]!.body.TransactItems).toEqual([
      {
        Update: {
          TableName: 'ledger',
          Key: { id: { S: 'a' } },
          UpdateExpression: 'ADD amount :n',
          ExpressionAttributeValues: { ':n': { N: '1' } },
        },
      },
      { Delete: { TableName: 'ledger', Key: { id: { S: 'c' } } } },
    ]);
    expect(ledgerCalls[2]!.body.TransactItems).toEqual([
      { Get: { TableName: 'ledger', Key: { id: { S: 'a' } } } },
      { Get: { TableName: 'ledger', Key: { id: { S: 'z' } } } },
    ]);
  });

  it('offers util-dynamodb and callbacks', async () => {
    expect(await run('ddb-doc', 'util')).toEqual({
      m: { a: { N: '1' }, s: { S: 'x' }, l: { L: [{ BOOL: true }, { NULL: true }] }, set: { SS: ['p'] } },
      back: 1,
    });
    expect(await run('ddb-doc', 'callback')).toEqual({ id: 'db1', n: 1 });
  });
});

describe('aws-sdk (v2) DynamoDB inside a function', () => {
  it('DocumentClient returns v2 sets and Buffers', async () => {
    expect(await run('ddb-v2', 'roundtrip')).toEqual({
      sameClass: true,
      wrapper: 'Set',
      type: 'String',
      tags: ['a', 'b'],
      numsType: 'Number',
      nums: [1, 2],
      json: [1, 2],
      binIsBuffer: true,
      bin: 'hi',
      bins: [1, 2],
      n: 7,
      map: { x: [1, 'y'] },
    });
    const raw = await stored('v2-1');
    expect(raw!.tags!.SS!.sort()).toEqual(['a', 'b']);
    expect(raw!.bins!.BS!.map((b) => b[0]).sort()).toEqual([1, 2]);
  });

  it('updates with expressions; a failed condition has v2’s code and statusCode', async () => {
    expect(await run('ddb-v2', 'update')).toEqual({
      first: { status: 'on', visits: 2 },
      second: { code: 'ConditionalCheckFailedException', statusCode: 400, retryable: false },
    });
    expect(await stored('v2u')).toEqual({ id: { S: 'v2u' }, visits: { N: '2' }, status: { S: 'on' } });
  });

  it('queries with paging and scans with a filter', async () => {
    expect(await run('ddb-v2', 'query')).toEqual({
      pages: [['order#001', 'order#002'], ['order#003', 'order#004'], ['order#005']],
      scanned: [40, 50],
    });
  });

  it('writes and reads in batches', async () => {
    expect(await run('ddb-v2', 'batch')).toEqual([1, 2]);
  });

  it('DocumentClient runs transactions', async () => {
    ledgerCalls.length = 0;
    expect(await run('ddb-v2', 'transact')).toEqual({
      canceled: { code: 'TransactionCanceledException', statusCode: 400 },
      wrapper: 'Set',
      tags: ['x', 'y'],
      n: 5,
      bIsBuffer: true,
      b: [1, 2],
    });
    expect(ledgerCalls[0]!.body.TransactItems[0]).toEqual({
      Put: { TableName: 'ledger', Item: { id: { S: 'v2' }, tags: { SS: ['q'] } } },
    });
  });

  it('Converter marshals and unmarshals as v2 does', async () => {
    expect(await run('ddb-v2', 'converter')).toEqual({
      m: {
        a: { N: '1' },
        s: { S: 'x' },
        l: { L: [{ BOOL: true }, { NULL: true }] },
        b: 'z',
        e: { NULL: true },
      },
      n: 5,
      ss: ['q'],
      wrapper: 'Set',
      wrapped: '12345678901234567890',
    });
  });

  it('the low-level client sends strings given for B as UTF-8 and returns Buffers', async () => {
    expect(await run('ddb-v2', 'low')).toEqual({
      isBuffer: true,
      text: 'text',
      missing: { code: 'ResourceNotFoundException', statusCode: 400 },
    });
    expect(Buffer.from((await stored('v2-low'))!.text!.B!).toString()).toBe('text');
  });
});
