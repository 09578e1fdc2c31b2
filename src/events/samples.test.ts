import { describe, expect, it } from 'vitest';
import { sampleEvents } from './samples';
import { isDynamoDBRecord } from './shapes/dynamodb';
import { isHttpEvent } from './shapes/http';
import { isKinesisRecord } from './shapes/kinesis';
import { isS3EventRecord } from './shapes/s3';
import { isScheduledEvent } from './shapes/scheduled';

const records = (type: string) => (sampleEvents[type].build() as { Records: unknown[] }).Records;

describe('sample events', () => {
  it('each passes the type guard of its shape', () => {
    expect(records('s3-put').every(isS3EventRecord)).toBe(true);
    expect(records('s3-delete').every(isS3EventRecord)).toBe(true);
    expect(records('kinesis').every(isKinesisRecord)).toBe(true);
    expect(records('dynamodb-update').every(isDynamoDBRecord)).toBe(true);
    expect(isHttpEvent(sampleEvents.http.build())).toBe(true);
    expect(isScheduledEvent(sampleEvents.scheduled.build())).toBe(true);
    expect(isS3EventRecord(records('kinesis')[0])).toBe(false);
  });

  it('follow the AWS shapes: encoded S3 keys, base64 Kinesis data, images per DynamoDB event name', () => {
    const s3 = records('s3-put')[0] as any;
    expect(s3.s3.object.key).toBe('images/cat+photo.jpg');
    expect(s3.eventName).toBe('ObjectCreated:Put');
    const k = records('kinesis')[0] as any;
    expect(Buffer.from(k.kinesis.data, 'base64').toString()).toBe('Hello, this is a test.');
    expect(k.eventID).toBe(`shardId-000000000000:${k.kinesis.sequenceNumber}`);
    const [insert, modify, remove] = records('dynamodb-update') as any[];
    expect(insert.dynamodb.OldImage).toBeUndefined();
    expect(insert.dynamodb.NewImage).toEqual({ id: { S: '1' }, total: { N: '10' } });
    expect(modify.dynamodb.OldImage.total).toEqual({ N: '10' });
    expect(remove.dynamodb.NewImage).toBeUndefined();
    expect(remove.eventSourceARN).toMatch(/^arn:aws:dynamodb:us-east-1:000000000000:table\/Orders\/stream\//);
  });
});
