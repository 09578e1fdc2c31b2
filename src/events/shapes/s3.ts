import { s3Arn } from '../../arns';

/**
 * S3 object notification records (event version 2.x), as AWS S3, MinIO and Ceph RGW send them,
 * and as a Lambda handler receives them.
 */
export interface S3EventRecord {
  eventVersion: string;
  /** aws:s3, minio:s3 or ceph:s3: the origin is kept. */
  eventSource: string;
  awsRegion: string;
  eventTime: string;
  /** Without the `s3:` prefix, as AWS delivers it to Lambda: ObjectCreated:Put. */
  eventName: string;
  userIdentity: { principalId: string };
  requestParameters: { sourceIPAddress: string };
  responseElements: Record<string, string>;
  s3: {
    s3SchemaVersion: string;
    configurationId: string;
    bucket: { name: string; ownerIdentity: { principalId: string }; arn: string; id?: string };
    object: {
      /** URL-encoded, space as '+'. */
      key: string;
      size: number;
      eTag?: string;
      versionId?: string;
      sequencer?: string;
      contentType?: string;
      userMetadata?: Record<string, string>;
      metadata?: unknown[];
      tags?: unknown[];
    };
  };
  /** MinIO: where the event came from. */
  source?: { host: string; port: string; userAgent: string };
  /** Ceph: event id and opaque data. */
  eventId?: string;
  opaqueData?: string;
}

/** True when a value looks like an S3 notification record from any of the supported origins. */
export function isS3EventRecord(value: unknown): value is S3EventRecord {
  const v = value as Partial<S3EventRecord> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.eventName === 'string' &&
    typeof v.s3 === 'object' &&
    v.s3 !== null &&
    typeof v.s3.bucket?.name === 'string' &&
    typeof v.s3.object?.key === 'string'
  );
}

/** Encodes a key the way S3 does in notifications: URL-encoded with spaces as '+'. */
export function encodeKey(key: string): string {
  return encodeURIComponent(key).replace(/%20/g, '+').replace(/%2F/g, '/');
}

/** Decodes a notification key back to the object key. */
export function decodeKey(key: string): string {
  try {
    return decodeURIComponent(key.replace(/\+/g, ' '));
  } catch {
    return key;
  }
}

/**
 * Normalises a record from any origin to the shape Lambda handlers expect: eventName without the
 * `s3:` prefix, a numeric size, a bucket ARN; everything else (eventSource, MinIO's source, Ceph's
 * ids, metadata) is kept.
 */
export function normaliseS3Record(r: S3EventRecord, defaultRegion: string): S3EventRecord {
  const size = Number(r.s3.object.size ?? 0);
  return {
    ...r,
    eventVersion: r.eventVersion ?? '2.1',
    eventSource: r.eventSource ?? 'aws:s3',
    awsRegion: r.awsRegion || defaultRegion,
    eventName: r.eventName.replace(/^s3:/, ''),
    userIdentity: r.userIdentity ?? { principalId: '' },
    requestParameters: r.requestParameters ?? { sourceIPAddress: '' },
    responseElements: r.responseElements ?? {},
    s3: {
      ...r.s3,
      s3SchemaVersion: r.s3.s3SchemaVersion ?? '1.0',
      configurationId: r.s3.configurationId ?? '',
      bucket: {
        ...r.s3.bucket,
        ownerIdentity: r.s3.bucket.ownerIdentity ?? { principalId: '' },
        arn: r.s3.bucket.arn || s3Arn(r.s3.bucket.name),
      },
      object: { ...r.s3.object, size: Number.isFinite(size) ? size : 0 },
    },
  };
}

/** Builds an AWS-shaped record (for sample events and tests). */
export function buildS3Record(input: {
  bucket: string;
  key: string;
  eventName?: string;
  size?: number;
  eTag?: string;
  region?: string;
  sequencer?: string;
  eventTime?: Date;
}): S3EventRecord {
  return {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    awsRegion: input.region ?? 'us-east-1',
    eventTime: (input.eventTime ?? new Date()).toISOString(),
    eventName: input.eventName ?? 'ObjectCreated:Put',
    userIdentity: { principalId: 'EXAMPLE' },
    requestParameters: { sourceIPAddress: '127.0.0.1' },
    responseElements: {
      'x-amz-request-id': 'EXAMPLE123456789',
      'x-amz-id-2': 'EXAMPLE123/5678abcdefghijklambdaisawesome',
    },
    s3: {
      s3SchemaVersion: '1.0',
      configurationId: 'testConfigRule',
      bucket: {
        name: input.bucket,
        ownerIdentity: { principalId: 'EXAMPLE' },
        arn: s3Arn(input.bucket),
      },
      object: {
        key: encodeKey(input.key),
        size: input.size ?? 1024,
        eTag: input.eTag ?? '0123456789abcdef0123456789abcdef',
        sequencer: input.sequencer ?? '0A1B2C3D4E5F678901',
      },
    },
  };
}
