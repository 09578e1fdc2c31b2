import { tableStreamArn } from '../../arns';

/** DynamoDB Streams records as Lambda delivers them to a function. */
export type AttributeValue =
  | { S: string }
  | { N: string }
  | { B: string }
  | { BOOL: boolean }
  | { NULL: true }
  | { L: AttributeValue[] }
  | { M: Record<string, AttributeValue> }
  | { SS: string[] }
  | { NS: string[] };

export interface DynamoDBStreamRecord {
  eventID: string;
  eventName: 'INSERT' | 'MODIFY' | 'REMOVE';
  eventVersion: '1.1';
  eventSource: 'aws:dynamodb';
  awsRegion: string;
  dynamodb: {
    ApproximateCreationDateTime: number;
    Keys: Record<string, AttributeValue>;
    /** Absent on REMOVE and for KEYS_ONLY / OLD_IMAGE streams. */
    NewImage?: Record<string, AttributeValue>;
    /** Absent on INSERT and for KEYS_ONLY / NEW_IMAGE streams. */
    OldImage?: Record<string, AttributeValue>;
    SequenceNumber: string;
    SizeBytes: number;
    StreamViewType: 'KEYS_ONLY' | 'NEW_IMAGE' | 'OLD_IMAGE' | 'NEW_AND_OLD_IMAGES';
  };
  eventSourceARN: string;
}

/** Builds one stream record; images are dropped as the event name and view type require. */
export function buildDynamoDBRecord(input: {
  eventName: DynamoDBStreamRecord['eventName'];
  table: string;
  keys: Record<string, AttributeValue>;
  newImage?: Record<string, AttributeValue>;
  oldImage?: Record<string, AttributeValue>;
  sequenceNumber: string;
  viewType?: DynamoDBStreamRecord['dynamodb']['StreamViewType'];
  region?: string;
  account?: string;
  streamLabel?: string;
  time?: Date;
}): DynamoDBStreamRecord {
  const view = input.viewType ?? 'NEW_AND_OLD_IMAGES';
  const region = input.region ?? 'us-east-1';
  const withNew = input.eventName !== 'REMOVE' && (view === 'NEW_IMAGE' || view === 'NEW_AND_OLD_IMAGES');
  const withOld = input.eventName !== 'INSERT' && (view === 'OLD_IMAGE' || view === 'NEW_AND_OLD_IMAGES');
  const images = {
    ...(withNew ? { NewImage: input.newImage } : {}),
    ...(withOld ? { OldImage: input.oldImage } : {}),
  };
  return {
    eventID: input.sequenceNumber.slice(-32).padStart(32, '0'),
    eventName: input.eventName,
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: region,
    dynamodb: {
      ApproximateCreationDateTime: Math.floor((input.time ?? new Date()).getTime() / 1000),
      Keys: input.keys,
      ...images,
      SequenceNumber: input.sequenceNumber,
      SizeBytes: Buffer.byteLength(JSON.stringify({ k: input.keys, ...images })),
      StreamViewType: view,
    },
    eventSourceARN: tableStreamArn(
      { region, accountId: input.account ?? '000000000000' },
      input.table,
      input.streamLabel ?? '2026-01-01T00:00:00.000',
    ),
  };
}

/** True when a value is a DynamoDB stream record. */
export function isDynamoDBRecord(value: unknown): value is DynamoDBStreamRecord {
  const v = value as Partial<DynamoDBStreamRecord> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    v.eventSource === 'aws:dynamodb' &&
    typeof v.dynamodb?.SequenceNumber === 'string'
  );
}
