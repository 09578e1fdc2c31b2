/** One record read from a stream shard, source-neutral. */
export interface StreamRecord {
  sequenceNumber: string;
  /** When the stream received it. */
  arrival: Date;
  /** The record as the function's event carries it (Kinesis or DynamoDB shape). */
  eventRecord: Record<string, unknown>;
}

/** Where reading a shard starts. */
export type ShardStart =
  | { type: 'TRIM_HORIZON' | 'LATEST' }
  | { type: 'AT_TIMESTAMP'; timestamp: Date }
  | { type: 'AFTER_SEQUENCE_NUMBER'; sequenceNumber: string };

/**
 * A stream islet can poll: Kinesis today; a DynamoDB Streams source implements the same three
 * calls (ListShards / GetShardIterator / GetRecords have the same meaning there).
 */
export interface StreamSource {
  /** Each call may be given the poller's signal: a stopping mapping abandons calls in flight. */
  listShards(signal?: AbortSignal): Promise<string[]>;
  iterator(shardId: string, start: ShardStart, signal?: AbortSignal): Promise<string>;
  /** Up to `limit` records and the iterator to continue from (undefined when the shard is closed). */
  read(
    shardId: string,
    iterator: string,
    limit: number,
    signal?: AbortSignal,
  ): Promise<{ records: StreamRecord[]; next: string | undefined }>;
  /** Releases connections; called once polling has stopped. */
  close?(): void;
}
