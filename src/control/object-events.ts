import { s3Arn } from '../arns';
import { encodeKey, type S3EventRecord } from '../events/shapes/s3';
import type { StoredObject } from '../store/object-store';

/** Who made a change to an object, as S3 records it in events. */
export interface Requester {
  /** The caller's principal: an IAM user name, a function's name, or `anonymous`. */
  principalId: string;
  /** The client's IP address. */
  sourceIp: string;
  /** The request id islet answered with (x-amz-request-id). */
  requestId: string;
}

/** What a change to an object is called in events (without the `s3:` prefix). */
export type ObjectEventName =
  | 'ObjectCreated:Put'
  | 'ObjectCreated:Copy'
  | 'ObjectCreated:CompleteMultipartUpload'
  | 'ObjectRemoved:Delete';

/** Delivers records to the bucket's notification configuration (the storage triggers). */
export type NotifyObjectEvents = (records: S3EventRecord[]) => Promise<unknown>;

/** S3's sequencer: a hex string that grows with every change, the same length for comparison. */
export function sequencer(sequence: number): string {
  return sequence.toString(16).toUpperCase().padStart(16, '0');
}

/** The record AWS S3 sends for a change to an object in the embedded store. */
export function objectEventRecord(
  eventName: ObjectEventName,
  object: StoredObject,
  sequence: number,
  requester: Requester,
  region: string,
  now: Date,
): S3EventRecord {
  const removed = eventName.startsWith('ObjectRemoved:');
  return {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    awsRegion: region,
    eventTime: now.toISOString(),
    eventName,
    userIdentity: { principalId: requester.principalId },
    requestParameters: { sourceIPAddress: requester.sourceIp },
    responseElements: { 'x-amz-request-id': requester.requestId, 'x-amz-id-2': requester.requestId },
    s3: {
      s3SchemaVersion: '1.0',
      configurationId: '',
      bucket: {
        name: object.bucket,
        ownerIdentity: { principalId: requester.principalId },
        arn: s3Arn(object.bucket),
      },
      object: removed
        ? { key: encodeKey(object.key), size: 0, sequencer: sequencer(sequence) }
        : {
            key: encodeKey(object.key),
            size: object.size,
            eTag: object.etag,
            sequencer: sequencer(sequence),
          },
    },
  };
}
