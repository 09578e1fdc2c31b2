/** Kinesis Data Streams records as Lambda delivers them to a function. */
export interface KinesisEventRecord {
  kinesis: {
    kinesisSchemaVersion: '1.0';
    partitionKey: string;
    sequenceNumber: string;
    /** Base64 of the record's bytes. */
    data: string;
    /** Epoch seconds, with fractions. */
    approximateArrivalTimestamp: number;
  };
  eventSource: 'aws:kinesis';
  eventVersion: '1.0';
  /** shardId-...:SEQUENCE */
  eventID: string;
  eventName: 'aws:kinesis:record';
  invokeIdentityArn: string;
  awsRegion: string;
  eventSourceARN: string;
}

/** Builds one record of the event. */
export function buildKinesisRecord(input: {
  shardId: string;
  sequenceNumber: string;
  partitionKey: string;
  data: Uint8Array | string;
  arrival: Date;
  streamArn: string;
  region: string;
  role: string;
}): KinesisEventRecord {
  const bytes = typeof input.data === 'string' ? Buffer.from(input.data) : Buffer.from(input.data);
  return {
    kinesis: {
      kinesisSchemaVersion: '1.0',
      partitionKey: input.partitionKey,
      sequenceNumber: input.sequenceNumber,
      data: bytes.toString('base64'),
      approximateArrivalTimestamp: input.arrival.getTime() / 1000,
    },
    eventSource: 'aws:kinesis',
    eventVersion: '1.0',
    eventID: `${input.shardId}:${input.sequenceNumber}`,
    eventName: 'aws:kinesis:record',
    invokeIdentityArn: input.role,
    awsRegion: input.region,
    eventSourceARN: input.streamArn,
  };
}

/** True when a value is a Kinesis event record. */
export function isKinesisRecord(value: unknown): value is KinesisEventRecord {
  const v = value as Partial<KinesisEventRecord> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    v.eventSource === 'aws:kinesis' &&
    typeof v.kinesis?.sequenceNumber === 'string'
  );
}
