import { parseTableStreamArn } from '../../arns';
import { logPositionOf, sequenceNumberOf, shardIdOf, type TableStreamLog } from '../../store/table-streams';
import { type AttributeValue, buildDynamoDBRecord } from '../shapes/dynamodb';
import type { ShardStart, StreamRecord, StreamSource } from './source';

/**
 * The stream of one of islet's own tables, read from its durable log. One shard per stream: the
 * log is written in the order the table's writes are applied, so one shard keeps every key's
 * records in order. The shard closes once the stream is disabled (or its table deleted) and
 * every record has been read.
 */

export { sequenceNumberOf };

/** A table stream read for an event source mapping. */
export class DynamoDBStreamSource implements StreamSource {
  private readonly table: string;
  private readonly label: string;
  private readonly region: string;
  private readonly accountId: string;

  constructor(
    streamArn: string,
    private readonly log: TableStreamLog,
  ) {
    const parsed = parseTableStreamArn(streamArn);
    if (!parsed) throw new Error(`not a DynamoDB stream ARN: ${streamArn.slice(0, 300)}`);
    this.table = parsed.table;
    this.label = parsed.label;
    this.region = parsed.region;
    this.accountId = parsed.accountId;
  }

  /** The stream's one shard, named after its label. */
  get shardId(): string {
    return shardIdOf(this.label);
  }

  async listShards(): Promise<string[]> {
    return this.log.get(this.table, this.label) ? [this.shardId] : [];
  }

  async iterator(_shardId: string, start: ShardStart): Promise<string> {
    switch (start.type) {
      case 'TRIM_HORIZON':
        return '0';
      case 'LATEST':
        return String(this.log.lastSeq(this.table, this.label));
      case 'AT_TIMESTAMP':
        return String(this.log.seqBefore(this.table, this.label, start.timestamp.getTime()));
      case 'AFTER_SEQUENCE_NUMBER':
        return String(logPositionOf(start.sequenceNumber));
    }
  }

  async read(
    _shardId: string,
    iterator: string,
    limit: number,
  ): Promise<{ records: StreamRecord[]; next: string | undefined }> {
    const after = Number(iterator);
    if (!Number.isSafeInteger(after) || after < 0)
      throw new Error(`invalid iterator ${iterator.slice(0, 40)}`);
    // Read whether the stream is still open before reading, so no record written meanwhile is missed.
    const open = this.log.get(this.table, this.label)?.enabled ?? false;
    const changes = this.log.read(this.table, this.label, after, Math.max(1, Math.min(1000, limit)));
    const records = changes.map((c) => {
      const sequenceNumber = sequenceNumberOf(c.seq);
      const arrival = new Date(c.createdAt);
      return {
        sequenceNumber,
        arrival,
        eventRecord: buildDynamoDBRecord({
          eventName: c.eventName,
          table: this.table,
          keys: c.keys as Record<string, AttributeValue>,
          newImage: c.newImage as Record<string, AttributeValue> | undefined,
          oldImage: c.oldImage as Record<string, AttributeValue> | undefined,
          sequenceNumber,
          viewType: c.viewType,
          region: this.region,
          account: this.accountId,
          streamLabel: this.label,
          time: arrival,
        }) as unknown as Record<string, unknown>,
      };
    });
    const last = changes.length ? changes[changes.length - 1]!.seq : after;
    return { records, next: !open && changes.length === 0 ? undefined : String(last) };
  }
}
