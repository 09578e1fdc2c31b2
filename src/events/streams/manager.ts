import { randomUUID } from 'node:crypto';
import { parseTableStreamArn } from '../../arns';
import type { Functions } from '../../control/functions';
import type { Logger } from '../../logger';
import type { Invoker } from '../../runtime/invoker';
import type { MappingRecord, MappingStore } from '../../store/mapping-store';
import type { TableStreamLog } from '../../store/table-streams';
import type { AsyncQueue } from '../async-queue';
import { stableUuid } from '../stable-id';
import { DynamoDBStreamSource } from './dynamodb-source';
import { type KinesisEndpoint, KinesisSource } from './kinesis-source';
import { type DiscardedBatch, MappingRunner, type PollerTiming } from './poller';

/**
 * Keeps one runner per enabled event source mapping: started at boot and restarted whenever a
 * mapping changes. Stopping waits for the batches in flight.
 */
export class StreamMappings {
  private readonly runners = new Map<string, MappingRunner>();
  private readonly pending = new Map<string, Promise<void>>();
  private stopped = false;

  constructor(
    private readonly store: MappingStore,
    private readonly functions: Functions,
    private readonly invoker: Invoker,
    private readonly queue: AsyncQueue,
    private readonly endpoint: KinesisEndpoint,
    private readonly timing: PollerTiming,
    private readonly logger: Logger,
    private readonly onIteratorAge: (functionName: string, ageMs: number) => void = () => undefined,
    /** The streams of islet's own tables, for mappings on a DynamoDB stream ARN. */
    private readonly tableStreams?: TableStreamLog,
  ) {}

  start(): void {
    for (const m of this.store.list()) this.run(m);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.pending.values());
    await Promise.all([...this.runners.values()].map((r) => r.stop()));
    this.runners.clear();
  }

  /** Stores a mapping (new or changed) and (re)starts its runner. */
  save(m: MappingRecord): Promise<void> {
    return this.serially(m.uuid, async () => {
      await this.halt(m.uuid);
      this.store.put(m);
      this.run(m);
    });
  }

  remove(uuid: string): Promise<void> {
    return this.serially(uuid, async () => {
      await this.halt(uuid);
      this.store.delete(uuid);
    });
  }

  /**
   * Changes to one mapping run one after another: stopping a runner waits for its batch in flight,
   * and a second change arriving meanwhile must not start a second runner beside the first.
   */
  private serially(uuid: string, op: () => Promise<void>): Promise<void> {
    const previous = this.pending.get(uuid) ?? Promise.resolve();
    const next = previous.then(op, op);
    const tracked = next.finally(() => {
      if (this.pending.get(uuid) === tracked) this.pending.delete(uuid);
    });
    this.pending.set(uuid, tracked);
    return next;
  }

  private async halt(uuid: string): Promise<void> {
    const r = this.runners.get(uuid);
    this.runners.delete(uuid);
    await r?.stop();
  }

  private run(m: MappingRecord): void {
    if (!m.enabled || this.stopped) return;
    let role = 'arn:aws:iam::000000000000:role/islet';
    try {
      role = this.functions.get(m.functionName).role;
    } catch {
      // the function is gone: its invocations will fail and be retried as configured
    }
    const fromTable = parseTableStreamArn(m.eventSourceArn) !== undefined;
    if (fromTable && !this.tableStreams) {
      this.logger.warn('stream.no_table_streams', { mapping: m.uuid, eventSourceArn: m.eventSourceArn });
      return;
    }
    const runner = new MappingRunner(
      m,
      fromTable && this.tableStreams
        ? new DynamoDBStreamSource(m.eventSourceArn, this.tableStreams)
        : new KinesisSource(m.eventSourceArn, this.endpoint, role),
      this.store.checkpoints(m.uuid),
      {
        invoke: (name, payload) => this.invoker.invoke(this.functions.deployed(name), payload),
        iteratorAge: (name, ageMs) => this.onIteratorAge(name, ageMs),
        checkpoint: (shardId, seq) => this.store.checkpoint(m.uuid, shardId, seq),
        discard: (info) => this.discard(m, info),
        logger: this.logger,
      },
      this.timing,
    );
    this.runners.set(m.uuid, runner);
    runner.start();
  }

  /** Lambda's record of a discarded stream batch, sent to the on-failure destination. */
  private async discard(m: MappingRecord, info: DiscardedBatch): Promise<void> {
    const first = info.records[0];
    const last = info.records[info.records.length - 1];
    this.logger.warn('stream.batch_discarded', {
      mapping: m.uuid,
      shardId: info.shardId,
      condition: info.condition,
      records: info.records.length,
    });
    if (!m.onFailure) return;
    const target = this.functions.destinationFunction(m.onFailure);
    if (!target) return;
    const record = {
      requestContext: {
        requestId: randomUUID(),
        functionArn: `${this.functions.arn(m.functionName)}:$LATEST`,
        condition: info.condition,
        approximateInvokeCount: info.invokeCount,
      },
      responseContext: info.result
        ? { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' }
        : undefined,
      version: '1.0',
      timestamp: new Date().toISOString(),
      [parseTableStreamArn(m.eventSourceArn) ? 'DDBStreamBatchInfo' : 'KinesisBatchInfo']: {
        shardId: info.shardId,
        startSequenceNumber: first.sequenceNumber,
        endSequenceNumber: last.sequenceNumber,
        approximateArrivalOfFirstRecord: first.arrival.toISOString(),
        approximateArrivalOfLastRecord: last.arrival.toISOString(),
        batchSize: info.records.length,
        streamArn: m.eventSourceArn,
      },
    };
    this.queue
      .enqueue(
        target,
        JSON.stringify(record),
        stableUuid(m.uuid, info.shardId, first.sequenceNumber, last.sequenceNumber),
      )
      .catch((e: unknown) =>
        this.logger.error('stream.discard_failed', { mapping: m.uuid, error: (e as Error).message }),
      );
  }
}
