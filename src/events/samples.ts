import { buildDynamoDBRecord } from './shapes/dynamodb';
import { buildHttpEvent } from './shapes/http';
import { buildKinesisRecord } from './shapes/kinesis';
import { buildS3Record } from './shapes/s3';
import { buildScheduledEvent } from './shapes/scheduled';

/** Sample events for testing functions by hand, built from the same shapes islet delivers. */
export const sampleEvents: Record<string, { description: string; build: () => unknown }> = {
  's3-put': {
    description: 'an object created in a bucket (S3 ObjectCreated:Put)',
    build: () => ({
      Records: [buildS3Record({ bucket: 'example-bucket', key: 'images/cat photo.jpg', size: 1024 })],
    }),
  },
  's3-delete': {
    description: 'an object deleted from a bucket (S3 ObjectRemoved:Delete)',
    build: () => ({
      Records: [
        buildS3Record({
          bucket: 'example-bucket',
          key: 'images/cat photo.jpg',
          eventName: 'ObjectRemoved:Delete',
          size: 0,
        }),
      ],
    }),
  },
  kinesis: {
    description: 'a batch of two Kinesis stream records',
    build: () => ({
      Records: ['Hello, this is a test.', '{"orderId":42}'].map((data, i) =>
        buildKinesisRecord({
          shardId: 'shardId-000000000000',
          sequenceNumber: `4959031923164326744367086219800000000000000000000000000${i}`,
          partitionKey: `partition-${i}`,
          data,
          arrival: new Date('2026-01-01T00:00:00Z'),
          streamArn: 'arn:aws:kinesis:us-east-1:000000000000:stream/example-stream',
          region: 'us-east-1',
          role: 'arn:aws:iam::000000000000:role/example',
        }),
      ),
    }),
  },
  'dynamodb-update': {
    description: 'DynamoDB stream records: an INSERT, a MODIFY and a REMOVE',
    build: () => ({
      Records: [
        buildDynamoDBRecord({
          eventName: 'INSERT',
          table: 'Orders',
          keys: { id: { S: '1' } },
          newImage: { id: { S: '1' }, total: { N: '10' } },
          sequenceNumber: '111',
        }),
        buildDynamoDBRecord({
          eventName: 'MODIFY',
          table: 'Orders',
          keys: { id: { S: '1' } },
          newImage: { id: { S: '1' }, total: { N: '12' } },
          oldImage: { id: { S: '1' }, total: { N: '10' } },
          sequenceNumber: '222',
        }),
        buildDynamoDBRecord({
          eventName: 'REMOVE',
          table: 'Orders',
          keys: { id: { S: '1' } },
          oldImage: { id: { S: '1' }, total: { N: '12' } },
          sequenceNumber: '333',
        }),
      ],
    }),
  },
  http: {
    description: 'an HTTP request to a function URL (payload format 2.0)',
    build: () =>
      buildHttpEvent({
        method: 'POST',
        rawPath: '/orders',
        rawQueryString: 'verbose=1',
        headers: { 'content-type': 'application/json', 'user-agent': 'curl/8.0' },
        body: Buffer.from('{"item":"book"}'),
        sourceIp: '127.0.0.1',
        domainName: '127.0.0.1:4000',
        requestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
        accountId: '000000000000',
        urlId: 'example',
      }),
  },
  scheduled: {
    description: 'an EventBridge scheduled event',
    build: () =>
      buildScheduledEvent({
        id: 'cdc73f9d-aea9-11e3-9d5a-835b769c0d9c',
        account: '000000000000',
        region: 'us-east-1',
        ruleArn: 'arn:aws:events:us-east-1:000000000000:rule/example',
        time: new Date('2026-01-01T00:00:00Z'),
      }),
  },
};
