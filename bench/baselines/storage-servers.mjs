/**
 * The storage the service-calls scenario reads and writes: s3rver (S3 API) and dynalite
 * (DynamoDB API), in their own process so their CPU shows up beside the targets', not in the
 * load generator. Prepares a bucket with one object and a table, then serves /health on the
 * given port with the two endpoints as JSON.
 *
 * Usage: node --no-node-snapshot bench/baselines/storage-servers.mjs <health-port> <work-dir>
 */
import http from 'node:http';
import { createRequire } from 'node:module';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';

const require = createRequire(import.meta.url);
const S3rver = require('s3rver');
const dynalite = require('dynalite');

const [healthPort, workDir] = [Number(process.argv[2]), process.argv[3]];
const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

const s3 = await new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: workDir }).run();
const s3Url = `http://127.0.0.1:${s3.port}`;
const ddbServer = dynalite({ createTableMs: 0 });
await new Promise((r) => ddbServer.listen(0, '127.0.0.1', r));
const ddbUrl = `http://127.0.0.1:${ddbServer.address().port}`;

const s3c = new S3Client({ endpoint: s3Url, region: 'us-east-1', credentials, forcePathStyle: true });
await s3c.send(new CreateBucketCommand({ Bucket: 'bench' }));
await s3c.send(
  new PutObjectCommand({
    Bucket: 'bench',
    Key: 'item.json',
    Body: JSON.stringify({ id: 'item', tags: Array.from({ length: 20 }, (_, i) => `tag-${i}`) }),
  }),
);
const ddb = new DynamoDBClient({ endpoint: ddbUrl, region: 'us-east-1', credentials });
await ddb.send(
  new CreateTableCommand({
    TableName: 'bench',
    KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
    AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
    BillingMode: 'PAY_PER_REQUEST',
  }),
);

http
  .createServer((_req, res) => res.end(JSON.stringify({ s3: s3Url, dynamodb: ddbUrl })))
  .listen(healthPort, '127.0.0.1');
