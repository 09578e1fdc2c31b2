import { describe, expect, it } from 'vitest';
import {
  buildS3Record,
  decodeKey,
  encodeKey,
  isS3EventRecord,
  normaliseS3Record,
  type S3EventRecord,
} from './s3';

/** A MinIO webhook record (eventName with the s3: prefix, empty region, source and metadata). */
function minioRecord(): S3EventRecord {
  return {
    eventVersion: '2.0',
    eventSource: 'minio:s3',
    awsRegion: '',
    eventTime: '2024-05-01T10:00:00.000Z',
    eventName: 's3:ObjectCreated:Put',
    userIdentity: { principalId: 'minioadmin' },
    requestParameters: { sourceIPAddress: '10.0.0.7' },
    responseElements: { 'x-amz-request-id': '17C9A4E1D2B3F4A5', 'x-minio-deployment-id': 'dep-1' },
    s3: {
      s3SchemaVersion: '1.0',
      configurationId: 'Config',
      bucket: { name: 'images', ownerIdentity: { principalId: 'minioadmin' }, arn: 'arn:aws:s3:::images' },
      object: {
        key: 'raw%2Fmy+photo.jpg',
        size: 200436,
        eTag: '6b26f7f4d9e4ab1b6a9c6cb7d2d6c8f4',
        contentType: 'image/jpeg',
        userMetadata: { 'content-type': 'image/jpeg', 'X-Amz-Meta-Camera': 'x100' },
        sequencer: '17C9A4E1D2B3F4A6',
      },
    },
    source: { host: '10.0.0.7', port: '', userAgent: 'MinIO (linux; amd64) minio-go/v7.0.70' },
  };
}

/** A Ceph RGW record: size as a string, bucket id, metadata and tags lists, eventId and opaqueData. */
function cephRecord(): S3EventRecord {
  return {
    eventVersion: '2.2',
    eventSource: 'ceph:s3',
    awsRegion: 'default',
    eventTime: '2024-05-01T10:00:00.123456Z',
    eventName: 'ObjectCreated:Put',
    userIdentity: { principalId: 'tester' },
    requestParameters: { sourceIPAddress: '' },
    responseElements: { 'x-amz-request-id': 'abc.4135.1', 'x-amz-id-2': '1027-default-default' },
    s3: {
      s3SchemaVersion: '1.0',
      configurationId: 'mynotif',
      bucket: {
        name: 'ceph-bucket',
        ownerIdentity: { principalId: 'tester' },
        arn: 'arn:aws:s3:default::ceph-bucket',
        id: '503a4c37-85eb-47cd-8681-2817e80b4281.5332.38',
      },
      object: {
        key: 'docs/report.pdf',
        size: '1234' as unknown as number,
        eTag: '37b51d194a7513e45b56f6524f2d51f2',
        versionId: '',
        sequencer: 'F7E6D75DC742D108',
        metadata: [{ key: 'x-amz-meta-owner', val: 'alice' }],
        tags: [{ key: 'project', val: 'islet' }],
      },
    },
    eventId: '1575221657.102001.80dad3aad8584778352c68ea8380bc1a',
    opaqueData: 'me@example.com',
  };
}

describe('isS3EventRecord', () => {
  it('accepts records with an event name, a bucket name and an object key', () => {
    expect(isS3EventRecord(minioRecord())).toBe(true);
    expect(isS3EventRecord(cephRecord())).toBe(true);
    expect(isS3EventRecord(buildS3Record({ bucket: 'b', key: 'k' }))).toBe(true);
    expect(
      isS3EventRecord({ eventName: 'ObjectCreated:Put', s3: { bucket: { name: 'b' }, object: { key: '' } } }),
    ).toBe(true);
  });

  it('refuses anything else', () => {
    for (const bad of [
      null,
      undefined,
      'ObjectCreated:Put',
      42,
      [],
      {},
      { eventName: 'ObjectCreated:Put' },
      { eventName: 'ObjectCreated:Put', s3: null },
      { eventName: 'ObjectCreated:Put', s3: { bucket: { name: 'b' } } },
      { eventName: 'ObjectCreated:Put', s3: { object: { key: 'k' } } },
      { eventName: 'ObjectCreated:Put', s3: { bucket: { name: 7 }, object: { key: 'k' } } },
      { eventName: 'ObjectCreated:Put', s3: { bucket: { name: 'b' }, object: { key: 5 } } },
      { eventName: 5, s3: { bucket: { name: 'b' }, object: { key: 'k' } } },
      // An SQS or Kinesis record is not an object notification.
      { eventSource: 'aws:sqs', body: '{}', messageId: 'm' },
    ]) {
      expect(isS3EventRecord(bad)).toBe(false);
    }
  });
});

describe('object keys in notifications', () => {
  it('are URL-encoded with spaces as +, keeping slashes', () => {
    expect(encodeKey('raw/my photo.jpg')).toBe('raw/my+photo.jpg');
    expect(encodeKey('a+b/c&d=e?.txt')).toBe('a%2Bb/c%26d%3De%3F.txt');
    expect(encodeKey('日本/ü.png')).toBe('%E6%97%A5%E6%9C%AC/%C3%BC.png');
  });

  it('decode back to the object key: + is a space, %2B a plus', () => {
    expect(decodeKey('raw/my+photo.jpg')).toBe('raw/my photo.jpg');
    expect(decodeKey('my%20photos/a%2Bb.jpg')).toBe('my photos/a+b.jpg');
    expect(decodeKey('raw%2Fa.jpg')).toBe('raw/a.jpg');
    expect(decodeKey('%E6%97%A5%E6%9C%AC/%C3%BC.png')).toBe('日本/ü.png');
    for (const key of ['raw/my photo.jpg', 'a+b/c&d=e?.txt', '100% done/x.txt', '日本/ü.png', 'plain']) {
      expect(decodeKey(encodeKey(key))).toBe(key);
    }
  });

  it('that are not valid percent-encoding are used as they are', () => {
    expect(decodeKey('100%/done')).toBe('100%/done');
    expect(decodeKey('bad%E0%A4%A')).toBe('bad%E0%A4%A');
  });
});

describe('normaliseS3Record', () => {
  it('strips the s3: prefix of MinIO event names and keeps everything MinIO sent', () => {
    const input = minioRecord();
    const before = structuredClone(input);
    const out = normaliseS3Record(input, 'eu-west-1');
    expect(out).toEqual({
      ...before,
      eventName: 'ObjectCreated:Put',
      awsRegion: 'eu-west-1', // MinIO sends an empty region
    });
    expect(out.eventSource).toBe('minio:s3');
    expect(out.source).toEqual({
      host: '10.0.0.7',
      port: '',
      userAgent: 'MinIO (linux; amd64) minio-go/v7.0.70',
    });
    expect(out.s3.object.userMetadata).toEqual({ 'content-type': 'image/jpeg', 'X-Amz-Meta-Camera': 'x100' });
    expect(out.s3.object.key).toBe('raw%2Fmy+photo.jpg'); // keys stay encoded, as AWS delivers them
    expect(input).toEqual(before); // the input is not modified
  });

  it('turns a Ceph string size into a number and keeps its ids, metadata and tags', () => {
    const input = cephRecord();
    const before = structuredClone(input);
    const out = normaliseS3Record(input, 'us-east-1');
    expect(out.s3.object.size).toBe(1234);
    expect(typeof out.s3.object.size).toBe('number');
    expect(out).toEqual({
      ...before,
      s3: { ...before.s3, object: { ...before.s3.object, size: 1234 } },
    });
    expect(out.eventSource).toBe('ceph:s3');
    expect(out.eventId).toBe('1575221657.102001.80dad3aad8584778352c68ea8380bc1a');
    expect(out.opaqueData).toBe('me@example.com');
    expect(out.s3.bucket.id).toBe('503a4c37-85eb-47cd-8681-2817e80b4281.5332.38');
    expect(out.s3.bucket.arn).toBe('arn:aws:s3:default::ceph-bucket'); // a given ARN is kept
    expect(out.awsRegion).toBe('default');
    expect(input).toEqual(before);
  });

  it('leaves an AWS record as it is', () => {
    const record = buildS3Record({
      bucket: 'photos',
      key: 'raw/a b.jpg',
      size: 11,
      eTag: '5eb63bbbe01eeed093cb22bb8f5acdc3',
      sequencer: '0055AED6DCD90281E5',
      eventTime: new Date('2024-05-01T10:00:00.000Z'),
    });
    expect(normaliseS3Record(structuredClone(record), 'eu-west-1')).toEqual(record);
  });

  it('fills in what a minimal record leaves out', () => {
    const out = normaliseS3Record(
      {
        eventName: 's3:ObjectRemoved:Delete',
        s3: { bucket: { name: 'bare' }, object: { key: 'gone.txt' } },
      } as unknown as S3EventRecord,
      'ap-south-1',
    );
    expect(out).toEqual({
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      awsRegion: 'ap-south-1',
      eventName: 'ObjectRemoved:Delete',
      userIdentity: { principalId: '' },
      requestParameters: { sourceIPAddress: '' },
      responseElements: {},
      s3: {
        s3SchemaVersion: '1.0',
        configurationId: '',
        bucket: { name: 'bare', ownerIdentity: { principalId: '' }, arn: 'arn:aws:s3:::bare' },
        object: { key: 'gone.txt', size: 0 },
      },
    });
  });

  it('only strips a leading s3: and gives a size that is not a number as 0', () => {
    const r = buildS3Record({ bucket: 'b1', key: 'k' });
    expect(normaliseS3Record({ ...r, eventName: 'ObjectCreated:s3:Put' }, 'us-east-1').eventName).toBe(
      'ObjectCreated:s3:Put',
    );
    expect(normaliseS3Record({ ...r, eventName: 's3:s3:X' }, 'us-east-1').eventName).toBe('s3:X');
    const badSize = { ...r, s3: { ...r.s3, object: { ...r.s3.object, size: 'lots' as unknown as number } } };
    expect(normaliseS3Record(badSize, 'us-east-1').s3.object.size).toBe(0);
    const arnless = { ...r, s3: { ...r.s3, bucket: { ...r.s3.bucket, arn: '' } } };
    expect(normaliseS3Record(arnless, 'us-east-1').s3.bucket.arn).toBe('arn:aws:s3:::b1');
  });
});

describe('buildS3Record', () => {
  it('builds an AWS-shaped record with an encoded key', () => {
    const r = buildS3Record({
      bucket: 'photos',
      key: 'raw/my photo.jpg',
      eventName: 'ObjectRemoved:Delete',
      size: 5,
      eTag: 'e',
      region: 'eu-central-1',
      sequencer: 'SEQ',
      eventTime: new Date('2024-01-02T03:04:05.006Z'),
    });
    expect(r.eventVersion).toBe('2.1');
    expect(r.eventSource).toBe('aws:s3');
    expect(r.awsRegion).toBe('eu-central-1');
    expect(r.eventTime).toBe('2024-01-02T03:04:05.006Z');
    expect(r.eventName).toBe('ObjectRemoved:Delete');
    expect(r.s3.bucket).toEqual({
      name: 'photos',
      ownerIdentity: { principalId: 'EXAMPLE' },
      arn: 'arn:aws:s3:::photos',
    });
    expect(r.s3.object).toEqual({ key: 'raw/my+photo.jpg', size: 5, eTag: 'e', sequencer: 'SEQ' });
    expect(isS3EventRecord(r)).toBe(true);
  });
});
