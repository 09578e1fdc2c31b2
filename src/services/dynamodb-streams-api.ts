import { parseTableStreamArn, tableStreamArn } from '../arns';
import { type AttributeValue, buildDynamoDBRecord } from '../events/shapes/dynamodb';
import type { TableEngine } from '../store/table-engine';
import {
  logPositionOf,
  sequenceNumberOf,
  shardIdOf,
  type TableStream,
  type TableStreamLog,
} from '../store/table-streams';
import { tableError } from './dynamodb-embedded';

/**
 * The DynamoDB Streams API (X-Amz-Target DynamoDBStreams_20120810.Op) over islet's table stream
 * log: ListStreams, DescribeStream, GetShardIterator, GetRecords. One shard per stream.
 */

/** How long a shard iterator stays valid, in ms (15 minutes, as in DynamoDB Streams). */
const iteratorLifetimeMs = 15 * 60 * 1000;

interface Position {
  /** Stream ARN. */
  a: string;
  /** Log position after which reading continues. */
  p: number;
  /** When the iterator was handed out, epoch ms. */
  t: number;
}

const encode = (pos: Position) => Buffer.from(JSON.stringify(pos)).toString('base64url');

/** A shard iterator's stream ARN, for authorisation; undefined when it is not one of islet's. */
export function iteratorStreamArn(iterator: unknown): string | undefined {
  if (typeof iterator !== 'string' || iterator.length > 2048) return undefined;
  try {
    const pos = JSON.parse(Buffer.from(iterator, 'base64url').toString('utf8')) as Position;
    return typeof pos.a === 'string' ? pos.a : undefined;
  } catch {
    return undefined;
  }
}

const invalid = (message: string) => tableError('ValidationException', message);

function limitOf(v: unknown, max: number): number {
  if (v === undefined) return max;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > max) {
    throw invalid(
      `1 validation error detected: Value '${String(v).slice(0, 20)}' at 'limit' failed to satisfy constraint: Member must have value between 1 and ${max}`,
    );
  }
  return v;
}

/** The DynamoDB Streams API of islet's tables. */
export class DynamoDBStreamsApi {
  constructor(
    private readonly log: TableStreamLog,
    private readonly engine: TableEngine,
    private readonly account: { region: string; accountId: string },
  ) {}

  /** The operations answered. */
  static operations(): string[] {
    return ['DescribeStream', 'GetRecords', 'GetShardIterator', 'ListStreams'];
  }

  /** Runs one operation; rejects with TableEngineError (DynamoDB's error shape). */
  async call(op: string, input: Record<string, any>): Promise<Record<string, any>> {
    switch (op) {
      case 'ListStreams':
        return this.listStreams(input);
      case 'DescribeStream':
        return this.describeStream(input);
      case 'GetShardIterator':
        return this.getShardIterator(input);
      case 'GetRecords':
        return this.getRecords(input);
      default:
        throw tableError('UnknownOperationException', `DynamoDB Streams has no operation ${op.slice(0, 64)}`);
    }
  }

  private arnOf(s: TableStream): string {
    return tableStreamArn(this.account, s.table, s.label);
  }

  private stream(arn: unknown): TableStream {
    const parsed = typeof arn === 'string' ? parseTableStreamArn(arn) : undefined;
    if (typeof arn !== 'string' || !parsed) {
      throw invalid(`Invalid StreamArn: ${String(arn).slice(0, 300)}`);
    }
    const s = this.log.get(parsed.table, parsed.label);
    if (!s || this.arnOf(s) !== arn) {
      throw tableError('ResourceNotFoundException', `Requested resource not found: Stream: ${arn} not found`);
    }
    return s;
  }

  private listStreams(input: Record<string, any>): Record<string, any> {
    const limit = limitOf(input.Limit, 100);
    let streams = this.log.list(typeof input.TableName === 'string' ? input.TableName : undefined);
    if (typeof input.ExclusiveStartStreamArn === 'string') {
      const at = streams.findIndex((s) => this.arnOf(s) === input.ExclusiveStartStreamArn);
      streams = at < 0 ? [] : streams.slice(at + 1);
    }
    const page = streams.slice(0, limit);
    return {
      Streams: page.map((s) => ({ StreamArn: this.arnOf(s), TableName: s.table, StreamLabel: s.label })),
      ...(streams.length > limit ? { LastEvaluatedStreamArn: this.arnOf(page[page.length - 1]!) } : {}),
    };
  }

  private async describeStream(input: Record<string, any>): Promise<Record<string, any>> {
    const s = this.stream(input.StreamArn);
    let keySchema: unknown[] = [];
    try {
      keySchema = (await this.engine.call('DescribeTable', { TableName: s.table })).Table.KeySchema;
    } catch {
      // the table is gone; its stream stays readable until the records expire
    }
    const first = this.log.firstSeq(s.table, s.label);
    const last = this.log.lastSeq(s.table, s.label);
    const shardId = shardIdOf(s.label);
    const shards =
      input.ExclusiveStartShardId === shardId
        ? []
        : [
            {
              ShardId: shardId,
              SequenceNumberRange: {
                StartingSequenceNumber: sequenceNumberOf(first ?? last + 1),
                ...(s.enabled ? {} : { EndingSequenceNumber: sequenceNumberOf(last) }),
              },
            },
          ];
    return {
      StreamDescription: {
        StreamArn: this.arnOf(s),
        StreamLabel: s.label,
        StreamStatus: s.enabled ? 'ENABLED' : 'DISABLED',
        StreamViewType: s.viewType,
        CreationRequestDateTime: s.createdAt / 1000,
        TableName: s.table,
        KeySchema: keySchema,
        Shards: shards,
      },
    };
  }

  private getShardIterator(input: Record<string, any>): Record<string, any> {
    const s = this.stream(input.StreamArn);
    if (input.ShardId !== shardIdOf(s.label)) {
      throw tableError(
        'ResourceNotFoundException',
        `Requested resource not found: Shard: ${String(input.ShardId).slice(0, 80)} in Stream: ${this.arnOf(s)} not found`,
      );
    }
    let after: number;
    const type = input.ShardIteratorType;
    if (type === 'TRIM_HORIZON') after = 0;
    else if (type === 'LATEST') after = this.log.lastSeq(s.table, s.label);
    else if (type === 'AT_SEQUENCE_NUMBER' || type === 'AFTER_SEQUENCE_NUMBER') {
      let at: number;
      try {
        at = logPositionOf(String(input.SequenceNumber ?? ''));
      } catch {
        throw invalid(`Invalid SequenceNumber: ${String(input.SequenceNumber).slice(0, 40)}`);
      }
      after = type === 'AT_SEQUENCE_NUMBER' ? at - 1 : at;
    } else {
      throw invalid(
        `1 validation error detected: Value '${String(type).slice(0, 40)}' at 'shardIteratorType' failed to satisfy constraint: Member must satisfy enum value set: [TRIM_HORIZON, LATEST, AT_SEQUENCE_NUMBER, AFTER_SEQUENCE_NUMBER]`,
      );
    }
    return { ShardIterator: encode({ a: this.arnOf(s), p: Math.max(0, after), t: Date.now() }) };
  }

  private getRecords(input: Record<string, any>): Record<string, any> {
    const limit = limitOf(input.Limit, 1000);
    const arn = iteratorStreamArn(input.ShardIterator);
    if (!arn) throw invalid('Invalid ShardIterator');
    const pos = JSON.parse(
      Buffer.from(String(input.ShardIterator), 'base64url').toString('utf8'),
    ) as Position;
    if (!Number.isSafeInteger(pos.p) || pos.p < 0 || typeof pos.t !== 'number') {
      throw invalid('Invalid ShardIterator');
    }
    if (Date.now() - pos.t > iteratorLifetimeMs) {
      throw tableError(
        'ExpiredIteratorException',
        'Iterator expired. The iterator was created more than 15 minutes ago.',
      );
    }
    const s = this.stream(arn);
    const changes = this.log.read(s.table, s.label, pos.p, limit);
    const Records = changes.map((c) => {
      const { eventSourceARN: _, ...record } = buildDynamoDBRecord({
        eventName: c.eventName,
        table: s.table,
        keys: c.keys as Record<string, AttributeValue>,
        newImage: c.newImage as Record<string, AttributeValue> | undefined,
        oldImage: c.oldImage as Record<string, AttributeValue> | undefined,
        sequenceNumber: sequenceNumberOf(c.seq),
        viewType: c.viewType,
        region: this.account.region,
        account: this.account.accountId,
        streamLabel: s.label,
        time: new Date(c.createdAt),
      });
      return record;
    });
    const last = changes.length ? changes[changes.length - 1]!.seq : pos.p;
    // A disabled stream's shard is closed once read to its end: no next iterator.
    const closed = !s.enabled && changes.length === 0;
    return closed ? { Records } : { Records, NextShardIterator: encode({ a: arn, p: last, t: Date.now() }) };
  }
}
