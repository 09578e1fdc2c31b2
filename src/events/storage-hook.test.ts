import { describe, expect, it } from 'vitest';
import { buildS3Record } from './shapes/s3';
import { BadNotificationError, parseStorageNotification } from './storage-hook';

const record = buildS3Record({
  bucket: 'photos',
  key: 'raw/a.jpg',
  size: 11,
  eventTime: new Date('2024-05-01T10:00:00.000Z'),
});

const minioBody = {
  EventName: 's3:ObjectCreated:Put',
  Key: 'images/raw/a.jpg',
  Records: [
    {
      eventVersion: '2.0',
      eventSource: 'minio:s3',
      awsRegion: '',
      eventTime: '2024-05-01T10:00:00.000Z',
      eventName: 's3:ObjectCreated:Put',
      userIdentity: { principalId: 'minioadmin' },
      requestParameters: { principalId: 'minioadmin', region: '', sourceIPAddress: '10.0.0.7' },
      responseElements: { 'x-amz-request-id': '17C9A4E1D2B3F4A5' },
      s3: {
        s3SchemaVersion: '1.0',
        configurationId: 'Config',
        bucket: { name: 'images', ownerIdentity: { principalId: 'minioadmin' }, arn: 'arn:aws:s3:::images' },
        object: {
          key: 'raw%2Fa.jpg',
          size: 3,
          eTag: 'acbd18db4cc2f85cedef654fccc4a4d8',
          contentType: 'image/jpeg',
          userMetadata: { 'content-type': 'image/jpeg' },
          sequencer: '17C9A4E1D2B3F4A6',
        },
      },
      source: { host: '10.0.0.7', port: '', userAgent: 'MinIO (linux; amd64) minio-go/v7.0.70' },
    },
  ],
};

const subscription = {
  Type: 'SubscriptionConfirmation',
  MessageId: '165545c9-2a5c-472c-8df2-7ff2be2b3b1b',
  Token: '2336412f37f',
  TopicArn: 'arn:aws:sns:us-east-1:123456789012:bucket-events',
  Message: 'You have chosen to subscribe to the topic arn:aws:sns:us-east-1:123456789012:bucket-events.',
  SubscribeURL:
    'https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=arn:aws:sns:us-east-1:123456789012:bucket-events&Token=2336412f37f',
  Timestamp: '2024-05-01T10:00:00.000Z',
  SignatureVersion: '1',
  Signature: 'EXAMPLE',
  SigningCertURL: 'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0000.pem',
};

function snsNotification(message: string) {
  return {
    Type: 'Notification',
    MessageId: '22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324',
    TopicArn: 'arn:aws:sns:us-east-1:123456789012:bucket-events',
    Subject: 'Amazon S3 Notification',
    Message: message,
    Timestamp: '2024-05-01T10:00:01.000Z',
    SignatureVersion: '1',
    Signature: 'EXAMPLE',
    SigningCertURL: 'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0000.pem',
    UnsubscribeURL: 'https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe',
  };
}

function parseError(body: string, type?: string): BadNotificationError {
  try {
    parseStorageNotification(body, type);
  } catch (e) {
    expect(e).toBeInstanceOf(BadNotificationError);
    return e as BadNotificationError;
  }
  throw new Error(`parsed without an error: ${body}`);
}

describe('parseStorageNotification', () => {
  it('reads bare S3 Records as they are (normalising comes later)', () => {
    const two = [record, { ...record, eventName: 'ObjectRemoved:Delete' }];
    expect(parseStorageNotification(JSON.stringify({ Records: two }), undefined)).toEqual({
      kind: 'records',
      records: two,
    });
  });

  it('reads a MinIO webhook post: its Records, unchanged', () => {
    expect(parseStorageNotification(JSON.stringify(minioBody), undefined)).toEqual({
      kind: 'records',
      records: minioBody.Records,
    });
  });

  it('reads a Ceph RGW push with a string size and its extra fields', () => {
    const ceph = {
      ...record,
      eventVersion: '2.2',
      eventSource: 'ceph:s3',
      s3: {
        ...record.s3,
        bucket: { ...record.s3.bucket, id: 'b-id.5332.38' },
        object: {
          ...record.s3.object,
          size: '1234',
          metadata: [{ key: 'x-amz-meta-a', val: 'b' }],
          tags: [],
        },
      },
      eventId: '1575221657.102001.80dad3',
      opaqueData: 'me@example.com',
    };
    expect(parseStorageNotification(JSON.stringify({ Records: [ceph] }), undefined)).toEqual({
      kind: 'records',
      records: [ceph],
    });
  });

  it('takes an empty body, an S3 test event and an SNS unsubscribe as probes', () => {
    expect(parseStorageNotification('', undefined)).toEqual({ kind: 'probe' });
    expect(parseStorageNotification(' \r\n\t', undefined)).toEqual({ kind: 'probe' });
    const testEvent = {
      Service: 'Amazon S3',
      Event: 's3:TestEvent',
      Time: '2024-05-01T10:00:00.000Z',
      Bucket: 'photos',
      RequestId: '5582815E1AEA5ADF',
      HostId: '8cLeGAmw098X5cv4Zkwcmo8vvZa3eH3eKxsPzbB9wrR+YstdA6Knx4Ip8EXAMPLE',
    };
    expect(parseStorageNotification(JSON.stringify(testEvent), undefined)).toEqual({ kind: 'probe' });
    const unsubscribe = { ...subscription, Type: 'UnsubscribeConfirmation' };
    expect(parseStorageNotification(JSON.stringify(unsubscribe), 'UnsubscribeConfirmation')).toEqual({
      kind: 'probe',
    });
    // An S3 test event published through SNS is a probe as well.
    expect(
      parseStorageNotification(JSON.stringify(snsNotification(JSON.stringify(testEvent))), 'Notification'),
    ).toEqual({ kind: 'probe' });
  });

  it('reads an SNS SubscriptionConfirmation, by header or by the body alone', () => {
    const expected = {
      kind: 'subscription-confirmation',
      subscribeUrl: subscription.SubscribeURL,
      topicArn: 'arn:aws:sns:us-east-1:123456789012:bucket-events',
    };
    expect(parseStorageNotification(JSON.stringify(subscription), 'SubscriptionConfirmation')).toEqual(
      expected,
    );
    expect(parseStorageNotification(JSON.stringify(subscription), undefined)).toEqual(expected);
  });

  it('refuses a SubscriptionConfirmation without an http(s) SubscribeURL', () => {
    for (const url of [
      undefined,
      42,
      '',
      'file:///etc/passwd',
      'ftp://example.com/x',
      'javascript:alert(1)',
    ]) {
      const e = parseError(
        JSON.stringify({ ...subscription, SubscribeURL: url }),
        'SubscriptionConfirmation',
      );
      expect(e.message).toBe('SubscriptionConfirmation without a SubscribeURL');
    }
  });

  it('unwraps an SNS Notification whose Message is the S3 event JSON', () => {
    const body = JSON.stringify(snsNotification(JSON.stringify({ Records: [record] })));
    expect(parseStorageNotification(body, 'Notification')).toEqual({ kind: 'records', records: [record] });
    // Without the header SNS's body still says what it is.
    expect(parseStorageNotification(body, undefined)).toEqual({ kind: 'records', records: [record] });
  });

  it('refuses SNS messages it cannot use', () => {
    expect(parseError(JSON.stringify(snsNotification('not json')), 'Notification').message).toBe(
      'the body is not JSON',
    );
    const noMessage = { ...snsNotification(''), Message: { Records: [record] } };
    expect(parseError(JSON.stringify(noMessage), 'Notification').message).toBe(
      'unsupported SNS message type Notification',
    );
    expect(parseError(JSON.stringify(snsNotification('{}')), 'Notification').message).toBe(
      'no Records in the notification',
    );
    expect(parseError(JSON.stringify({ ...subscription, Type: 'Bogus' }), 'Bogus').message).toBe(
      'unsupported SNS message type Bogus',
    );
    expect(parseError('{}', 'x'.repeat(100)).message).toBe(`unsupported SNS message type ${'x'.repeat(40)}`);
  });

  it('refuses bodies that are not notifications', () => {
    expect(parseError('not json').message).toBe('the body is not JSON');
    expect(parseError('{"Records": [').message).toBe('the body is not JSON');
    for (const body of ['[]', 'null', '42', '"Records"', 'true']) {
      expect(parseError(body).message).toBe('the body is not a JSON object');
    }
    for (const body of [
      '{}',
      '{"records":[]}',
      '{"Records":{}}',
      '{"Records":"x"}',
      '{"Event":"s3:Other"}',
    ]) {
      expect(parseError(body).message).toBe('no Records in the notification');
    }
    const notS3 = { Records: [record, { eventSource: 'aws:sqs', messageId: '1', body: '{}' }] };
    expect(parseError(JSON.stringify(notS3)).message).toBe('a record is not an S3 object notification');
  });

  it('takes an empty Records list as a notification with no records', () => {
    expect(parseStorageNotification('{"Records":[]}', undefined)).toEqual({ kind: 'records', records: [] });
  });
});
