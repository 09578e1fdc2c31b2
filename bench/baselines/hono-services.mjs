/**
 * Baseline of the service-calls scenario: a plain Hono app doing per request what the islet
 * function does, with the official AWS SDK in the same process: read an object from S3, write
 * an item to DynamoDB, answer a small JSON.
 *
 * Usage: node --no-node-snapshot bench/baselines/hono-services.mjs <port> <s3-url> <dynamodb-url>
 */

import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';

const [port, s3Url, ddbUrl] = [Number(process.argv[2]), process.argv[3], process.argv[4]];
const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
const s3 = new S3Client({ endpoint: s3Url, region: 'us-east-1', credentials, forcePathStyle: true });
const ddb = new DynamoDBClient({ endpoint: ddbUrl, region: 'us-east-1', credentials });

let n = 0;
const app = new Hono();
app.get('/health', (c) => c.text('ok'));
app.post('/work', async (c) => {
  const event = await c.req.json();
  const obj = await s3.send(new GetObjectCommand({ Bucket: 'bench', Key: 'item.json' }));
  const item = JSON.parse(await obj.Body.transformToString());
  const id = `${event.prefix}-${n++ % 1000}`;
  await ddb.send(
    new PutItemCommand({
      TableName: 'bench',
      Item: { id: { S: id }, tags: { N: String(item.tags.length) } },
    }),
  );
  return c.json({ stored: id.startsWith(event.prefix), tags: item.tags.length });
});
serve({ fetch: app.fetch, port, hostname: '127.0.0.1' });
