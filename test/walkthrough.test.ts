import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsCli } from './helpers/aws-cli';
import { waitFor } from './helpers/functions';
import { startServer, type TestServer } from './helpers/server';
import { makeZip } from './helpers/zip';

/**
 * The README's first walkthrough, with public tools only (the AWS CLI): an upload to a bucket runs
 * a function that reads the object through the S3 SDK and writes a row with the DocumentClient;
 * that table's stream runs a second function, whose row `aws dynamodb get-item` shows.
 */
let server: TestServer;
let work: string;
const aws = (...args: string[]) => awsCli(server.url, ...args);
const json = async (...args: string[]) => JSON.parse((await aws(...args)).stdout || '{}');

const onUpload = `
const { S3Client, GetObjectCommand } = require('@aws-sdk/client-s3');
const { DynamoDBClient } = require('@aws-sdk/client-dynamodb');
const { DynamoDBDocumentClient, PutCommand } = require('@aws-sdk/lib-dynamodb');
const s3 = new S3Client({});
const docs = DynamoDBDocumentClient.from(new DynamoDBClient({}));
exports.handler = async (event) => {
  for (const record of event.Records) {
    const bucket = record.s3.bucket.name;
    const key = decodeURIComponent(record.s3.object.key.replace(/\\+/g, ' '));
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const text = await object.Body.transformToString();
    await docs.send(new PutCommand({
      TableName: 'photos',
      Item: { key, bucket, bytes: record.s3.object.size, title: text.split('\\n')[0] },
    }));
  }
};`;

const onPhoto = `
const AWS = require('aws-sdk');
const docs = new AWS.DynamoDB.DocumentClient();
exports.handler = async (event) => {
  for (const r of event.Records) {
    const photo = AWS.DynamoDB.Converter.unmarshall(r.dynamodb.NewImage);
    await docs.put({
      TableName: 'audit',
      Item: { key: photo.key, seen: r.eventName, title: photo.title.toUpperCase(), bytes: photo.bytes },
    }).promise();
  }
};`;

beforeAll(async () => {
  server = await startServer({ args: ['--executors', '1', '--stream-poll-ms', '50'] });
  work = mkdtempSync(join(tmpdir(), 'islet-walkthrough-'));
  writeFileSync(join(work, 'on-upload.zip'), await makeZip({ 'index.js': onUpload }));
  writeFileSync(join(work, 'on-photo.zip'), await makeZip({ 'index.js': onPhoto }));
  writeFileSync(join(work, 'photo.txt'), 'Sunset over the harbour\nsecond line\n');
}, 60_000);

afterAll(async () => {
  await server.stop();
  server.cleanup();
  rmSync(work, { recursive: true, force: true });
});

describe('walkthrough: upload -> function -> table -> stream -> function', () => {
  it('runs end to end with the AWS CLI only', async () => {
    await aws('s3', 'mb', 's3://uploads');
    const table = (name: string, stream: boolean) =>
      aws(
        'dynamodb',
        'create-table',
        '--table-name',
        name,
        '--attribute-definitions',
        'AttributeName=key,AttributeType=S',
        '--key-schema',
        'AttributeName=key,KeyType=HASH',
        '--billing-mode',
        'PAY_PER_REQUEST',
        ...(stream ? ['--stream-specification', 'StreamEnabled=true,StreamViewType=NEW_IMAGE'] : []),
      );
    await table('photos', true);
    await table('audit', false);
    for (const name of ['on-upload', 'on-photo']) {
      await aws(
        'lambda',
        'create-function',
        '--function-name',
        name,
        '--runtime',
        'nodejs20.x',
        '--handler',
        'index.handler',
        '--role',
        'arn:aws:iam::000000000000:role/walkthrough',
        '--zip-file',
        `fileb://${join(work, `${name}.zip`)}`,
      );
    }
    await aws(
      'lambda',
      'add-permission',
      '--function-name',
      'on-upload',
      '--statement-id',
      'uploads',
      '--action',
      'lambda:InvokeFunction',
      '--principal',
      's3.amazonaws.com',
      '--source-arn',
      'arn:aws:s3:::uploads',
    );
    await aws(
      's3api',
      'put-bucket-notification-configuration',
      '--bucket',
      'uploads',
      '--notification-configuration',
      JSON.stringify({
        LambdaFunctionConfigurations: [
          {
            LambdaFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:on-upload',
            Events: ['s3:ObjectCreated:*'],
          },
        ],
      }),
    );
    const streamArn = (await json('dynamodb', 'describe-table', '--table-name', 'photos')).Table
      .LatestStreamArn;
    expect(streamArn).toMatch(/^arn:aws:dynamodb:us-east-1:000000000000:table\/photos\/stream\//);
    await aws(
      'lambda',
      'create-event-source-mapping',
      '--function-name',
      'on-photo',
      '--event-source-arn',
      streamArn,
      '--starting-position',
      'TRIM_HORIZON',
    );

    await aws('s3', 'cp', join(work, 'photo.txt'), 's3://uploads/holiday photo.txt');

    const audit = await waitFor(async () => {
      const out = await json(
        'dynamodb',
        'get-item',
        '--table-name',
        'audit',
        '--key',
        '{"key":{"S":"holiday photo.txt"}}',
      );
      return out.Item;
    }, 20_000);
    expect(audit).toEqual({
      key: { S: 'holiday photo.txt' },
      seen: { S: 'INSERT' },
      title: { S: 'SUNSET OVER THE HARBOUR' },
      bytes: { N: '36' },
    });
    const photo = await json(
      'dynamodb',
      'get-item',
      '--table-name',
      'photos',
      '--key',
      '{"key":{"S":"holiday photo.txt"}}',
    );
    expect(photo.Item).toEqual({
      key: { S: 'holiday photo.txt' },
      bucket: { S: 'uploads' },
      bytes: { N: '36' },
      title: { S: 'Sunset over the harbour' },
    });
  });
});
