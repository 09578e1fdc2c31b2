import { TooManyRequestsError } from '../../errors';
import type { Logger } from '../../logger';
import type { InvocationResult } from '../../runtime/invocation';
import type { MappingRecord } from '../../store/mapping-store';
import type { StreamRecord, StreamSource } from './source';

/** What a mapping runner needs from the rest of islet. */
export interface PollerDeps {
  /** Invokes the mapping's function synchronously with an event (JSON text). */
  invoke(functionName: string, payload: string): Promise<InvocationResult>;
  /** A batch is being delivered whose oldest record arrived `ageMs` ago (Lambda's IteratorAge). */
  iteratorAge?(functionName: string, ageMs: number): void;
  checkpoint(shardId: string, sequenceNumber: string): void;
  /** Sends a record of a discarded batch to the on-failure destination (stored before it resolves). */
  discard(info: DiscardedBatch): Promise<void>;
  logger: Logger;
}

/** A batch given up on, for the on-failure destination. */
export interface DiscardedBatch {
  shardId: string;
  records: StreamRecord[];
  condition: 'RetryAttemptsExhausted' | 'RecordAgeExceeded';
  invokeCount: number;
  result?: InvocationResult;
}

/** Timing of a poller. */
export interface PollerTiming {
  /** Pause after an empty read, in ms (Lambda polls a shard about once a second). */
  idlePollMs: number;
  /** First delay after a failed batch, in ms; doubles up to `maxRetryDelayMs`. */
  retryBaseMs: number;
  maxRetryDelayMs: number;
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const onAbort = () => {
      clearTimeout(t);
      resolve();
    };
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });

/** The sequence numbers a function reported as failed (ReportBatchItemFailures). */
function reportedFailures(result: InvocationResult): string[] | undefined {
  try {
    const body = JSON.parse(result.payload) as {
      batchItemFailures?: Array<{ itemIdentifier?: unknown }>;
    } | null;
    if (!body || !Array.isArray(body.batchItemFailures)) return undefined;
    return body.batchItemFailures.map((f) => String(f.itemIdentifier ?? ''));
  } catch {
    return undefined;
  }
}

/**
 * Polls every shard of one stream for one mapping. Each shard has one batch in flight at a time,
 * so records reach the function in order per shard; the checkpoint moves only past records the
 * function has handled, and is persisted, so a restart resumes without skipping any.
 */
export class MappingRunner {
  private readonly abort = new AbortController();
  private readonly shards = new Map<string, Promise<void>>();
  private discovery: Promise<void> | undefined;

  constructor(
    private readonly mapping: MappingRecord,
    private readonly source: StreamSource,
    private readonly checkpoints: Map<string, string>,
    private readonly deps: PollerDeps,
    private readonly timing: PollerTiming,
  ) {}

  start(): void {
    this.discovery = this.discover();
  }

  /** Stops polling; resolves when every shard loop has finished its batch in flight. */
  async stop(): Promise<void> {
    this.abort.abort();
    await this.discovery;
    await Promise.all(this.shards.values());
    this.source.close?.();
  }

  private async discover(): Promise<void> {
    const signal = this.abort.signal;
    while (!signal.aborted) {
      try {
        for (const shardId of await this.source.listShards(signal)) {
          if (!this.shards.has(shardId)) this.shards.set(shardId, this.pollShard(shardId));
        }
      } catch (e) {
        if (signal.aborted) return;
        this.deps.logger.warn('stream.list_shards_failed', {
          mapping: this.mapping.uuid,
          error: (e as Error).message,
        });
      }
      await sleep(30_000, signal); // new shards after resharding
    }
  }

  private async pollShard(shardId: string): Promise<void> {
    const m = this.mapping;
    const signal = this.abort.signal;
    let iterator: string | undefined;
    /** When a LATEST iterator was first taken for this shard (not persisted across restarts). */
    let latestSince: Date | undefined;
    while (!signal.aborted) {
      try {
        if (!iterator) {
          const last = this.checkpoints.get(shardId);
          // The first LATEST open is a real LATEST; re-opening before the first checkpoint uses the
          // time of that first open, so records written in between are not skipped.
          const reopenedAt = latestSince;
          if (!last && m.startingPosition === 'LATEST') latestSince ??= new Date();
          iterator = await this.source.iterator(
            shardId,
            last
              ? { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: last }
              : m.startingPosition === 'AT_TIMESTAMP'
                ? { type: 'AT_TIMESTAMP', timestamp: new Date((m.startingPositionTimestamp ?? 0) * 1000) }
                : m.startingPosition === 'LATEST' && reopenedAt
                  ? { type: 'AT_TIMESTAMP', timestamp: reopenedAt }
                  : { type: m.startingPosition },
            signal,
          );
        }
        const batch: StreamRecord[] = [];
        const windowEnds = Date.now() + m.maximumBatchingWindowInSeconds * 1000;
        for (;;) {
          const { records, next } = await this.source.read(
            shardId,
            iterator,
            m.batchSize - batch.length,
            signal,
          );
          batch.push(...records);
          if (!next) {
            // The shard is closed: deliver what was read, then this shard is done.
            if (batch.length) await this.process(shardId, batch);
            return;
          }
          iterator = next;
          if (batch.length >= m.batchSize || Date.now() >= windowEnds || signal.aborted) break;
          await sleep(Math.min(this.timing.idlePollMs, Math.max(1, windowEnds - Date.now())), signal);
        }
        if (batch.length === 0) {
          await sleep(this.timing.idlePollMs, signal);
          continue;
        }
        await this.process(shardId, batch);
      } catch (e) {
        if (signal.aborted) return;
        this.deps.logger.warn('stream.read_failed', {
          mapping: m.uuid,
          shardId,
          error: (e as Error).message,
        });
        iterator = undefined; // expired or invalid: start again from the checkpoint
        await sleep(this.timing.idlePollMs, signal);
      }
    }
  }

  /** Delivers one batch until it is handled or given up; moves the checkpoint. */
  private async process(shardId: string, batch: StreamRecord[]): Promise<void> {
    const m = this.mapping;
    const signal = this.abort.signal;
    // Bisecting splits a failing batch; the halves are processed in order, first half first.
    const pending: StreamRecord[][] = [batch];
    let failures = 0;
    let invokeCount = 0;
    while (pending.length > 0) {
      let part = pending[0];
      if (m.maximumRecordAgeInSeconds >= 0) {
        const oldest = Date.now() - m.maximumRecordAgeInSeconds * 1000;
        const expired = part.filter((r) => r.arrival.getTime() < oldest);
        if (expired.length) {
          await this.deps.discard({ shardId, records: expired, condition: 'RecordAgeExceeded', invokeCount });
          this.advance(shardId, expired[expired.length - 1]);
          part = part.filter((r) => r.arrival.getTime() >= oldest);
          pending[0] = part;
          if (part.length === 0) {
            pending.shift();
            continue;
          }
        }
      }
      let result: InvocationResult;
      this.deps.iteratorAge?.(m.functionName, Date.now() - Math.min(...part.map((r) => r.arrival.getTime())));
      try {
        result = await this.deps.invoke(
          m.functionName,
          JSON.stringify({ Records: part.map((r) => r.eventRecord) }),
        );
      } catch (e) {
        if (!(e instanceof TooManyRequestsError)) throw e;
        await sleep(this.timing.retryBaseMs, signal); // throttled: not an attempt
        if (signal.aborted) return;
        continue;
      }
      invokeCount++;
      let failedFrom = -1;
      if (result.status === 'function-error') failedFrom = 0;
      else if (m.reportBatchItemFailures) {
        const failed = reportedFailures(result);
        if (failed === undefined && result.payload !== 'null') {
          failedFrom = -1; // an answer without batchItemFailures means success
        } else if (failed?.length) {
          const idx = part.findIndex((r) => failed.includes(r.sequenceNumber));
          // An identifier that matches no record fails the whole batch (as Lambda does).
          failedFrom = Math.max(idx, 0);
        }
      }
      if (failedFrom < 0) {
        this.advance(shardId, part[part.length - 1]);
        pending.shift();
        failures = 0;
        continue;
      }
      if (failedFrom > 0) {
        this.advance(shardId, part[failedFrom - 1]);
        part = part.slice(failedFrom);
        pending[0] = part;
      }
      failures++;
      if (m.maximumRetryAttempts >= 0 && failures > m.maximumRetryAttempts) {
        this.deps.discard({
          shardId,
          records: part,
          condition: 'RetryAttemptsExhausted',
          invokeCount,
          result,
        });
        this.advance(shardId, part[part.length - 1]);
        pending.shift();
        failures = 0;
        continue;
      }
      if (m.bisectBatchOnFunctionError && part.length > 1) {
        const half = Math.ceil(part.length / 2);
        pending.splice(0, 1, part.slice(0, half), part.slice(half));
      }
      await sleep(
        Math.min(this.timing.maxRetryDelayMs, this.timing.retryBaseMs * 2 ** Math.min(10, failures - 1)),
        signal,
      );
      if (signal.aborted) return;
    }
  }

  private advance(shardId: string, last: StreamRecord): void {
    this.checkpoints.set(shardId, last.sequenceNumber);
    this.deps.checkpoint(shardId, last.sequenceNumber);
  }
}
