import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deploy, invoke } from '../helpers/functions';
import { startServer, type TestServer } from '../helpers/server';

// The services file names one table and one stream and no defaults: everything else has no endpoint.
let server: TestServer;
let dir: string;

const fn = `
const { DynamoDBClient, GetItemCommand, ListTablesCommand, BatchGetItemCommand, ResourceNotFoundException } = require('@aws-sdk/client-dynamodb');
const { DynamoDBDocumentClient, GetCommand } = require('@aws-sdk/lib-dynamodb');
const { KinesisClient, PutRecordCommand, ListStreamsCommand, ResourceNotFoundException: StreamNotFound } = require('@aws-sdk/client-kinesis');
const AWS = require('aws-sdk');
const ddb = new DynamoDBClient({});
const kinesis = new KinesisClient({});
const fail = async (p, Cls) => {
  try { await p; return 'no error'; } catch (e) {
    return { name: e.name, code: e.code, message: e.message, status: e.$metadata ? e.$metadata.httpStatusCode : e.statusCode,
      isClass: Cls ? e instanceof Cls : undefined };
  }
};
exports.handler = async () => ({
  table: await fail(ddb.send(new GetItemCommand({ TableName: 'other', Key: { id: { S: 'x' } } })), ResourceNotFoundException),
  listTables: await fail(ddb.send(new ListTablesCommand({})), ResourceNotFoundException),
  batch: await fail(ddb.send(new BatchGetItemCommand({ RequestItems: { known: { Keys: [{ id: { S: 'x' } }] },
    other: { Keys: [{ id: { S: 'x' } }] } } })), ResourceNotFoundException),
  document: await fail(DynamoDBDocumentClient.from(ddb).send(new GetCommand({ TableName: 'other', Key: { id: 'x' } })), ResourceNotFoundException),
  v2: await fail(new AWS.DynamoDB.DocumentClient().get({ TableName: 'other', Key: { id: 'x' } }).promise()),
  stream: await fail(kinesis.send(new PutRecordCommand({ StreamName: 'other', PartitionKey: 'p', Data: new Uint8Array([1]) })), StreamNotFound),
  listStreams: await fail(kinesis.send(new ListStreamsCommand({})), StreamNotFound),
  v2Stream: await fail(new AWS.Kinesis().putRecord({ StreamName: 'other', PartitionKey: 'p', Data: 'x' }).promise()),
});`;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'islet-no-endpoint-'));
  const services = join(dir, 'services.json');
  const unreachable = {
    endpoint: 'http://127.0.0.1:1',
    region: 'us-east-1',
    accessKeyId: 'x',
    secretAccessKey: 'y',
  };
  writeFileSync(
    services,
    JSON.stringify({
      dynamodb: { tables: { known: unreachable } },
      kinesis: { streams: { known: unreachable } },
    }),
  );
  server = await startServer({ args: ['--executors', '1', '--services', services] });
  await deploy(server.lambda(), 'no-endpoint', { 'index.js': fn }, { Timeout: 10 });
}, 60_000);

afterAll(async () => {
  await server?.stop();
  server?.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

describe('a table or stream that no endpoint serves', () => {
  it("is islet's own table (which does not exist here); a stream is ResourceNotFoundException saying no endpoint is configured, in every SDK", async () => {
    const r = await invoke(server.lambda(), 'no-endpoint');
    expect(r.functionError).toBeUndefined();
    const p = r.payload;
    const notFound = { name: 'ResourceNotFoundException', status: 400, isClass: true };
    // Tables the services file does not name live in islet itself: 'other' was never created there.
    expect(p.table).toMatchObject(notFound);
    expect(p.table.message).toBe('Requested resource not found');
    expect(p.listTables).toBe('no error');
    // One table of the batch has an endpoint, the other is islet's own: nothing is sent.
    expect(p.batch).toMatchObject({ name: 'ValidationException', status: 400 });
    expect(p.batch.message).toContain('served by different endpoints');
    expect(p.document).toMatchObject(notFound);
    expect(p.v2).toMatchObject({ code: 'ResourceNotFoundException', status: 400 });
    expect(p.stream).toMatchObject(notFound);
    expect(p.stream.message).toBe(
      "no Kinesis endpoint is configured for stream 'other' (add it to islet's services file)",
    );
    expect(p.listStreams).toMatchObject(notFound);
    expect(p.listStreams.message).toContain('kinesis.default');
    expect(p.v2Stream).toMatchObject({ code: 'ResourceNotFoundException', status: 400 });
  });
});
