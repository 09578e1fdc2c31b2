import { describe, expect, it } from 'vitest';
import { createLogger } from '../../logger';
import type { InvocationResult } from '../../runtime/invocation';
import type { MappingRecord } from '../../store/mapping-store';
import { MappingRunner } from './poller';
import type { ShardStart, StreamRecord, StreamSource } from './source';

const mapping = (over: Partial<MappingRecord> = {}): MappingRecord => ({
  uuid: 'm',
  functionName: 'f',
  eventSourceArn: 'arn:aws:kinesis:us-east-1:000000000000:stream/s',
  batchSize: 10,
  maximumBatchingWindowInSeconds: 0,
  startingPosition: 'TRIM_HORIZON',
  enabled: true,
  bisectBatchOnFunctionError: false,
  maximumRetryAttempts: -1,
  maximumRecordAgeInSeconds: -1,
  reportBatchItemFailures: false,
  lastModified: 0,
  ...over,
});

const rec = (seq: string): StreamRecord => ({
  sequenceNumber: seq,
  arrival: new Date(),
  eventRecord: { seq },
});
const ok = { status: 'success', payload: 'null' } as InvocationResult;

describe('MappingRunner', () => {
  it('delivers the records read with the last page of a closed shard', async () => {
    const reads = [
      { records: [rec('1'), rec('2')], next: 'it-2' },
      { records: [rec('3')], next: undefined }, // closed after this page
    ];
    const source: StreamSource = {
      listShards: async () => ['shard-0'],
      iterator: async () => 'it-1',
      read: async () => reads.shift() ?? { records: [], next: undefined },
    };
    const delivered: string[][] = [];
    const checkpoints: string[] = [];
    const runner = new MappingRunner(
      mapping({ maximumBatchingWindowInSeconds: 1 }),
      source,
      new Map(),
      {
        invoke: async (_fn, payload) => {
          delivered.push(
            (JSON.parse(payload) as { Records: Array<{ seq: string }> }).Records.map((r) => r.seq),
          );
          return ok;
        },
        checkpoint: (_shard, seq) => checkpoints.push(seq),
        discard: async () => undefined,
        logger: createLogger('error'),
      },
      { idlePollMs: 5, retryBaseMs: 5, maxRetryDelayMs: 5 },
    );
    runner.start();
    for (let i = 0; i < 100 && delivered.flat().length < 3; i++) await new Promise((r) => setTimeout(r, 10));
    await runner.stop();
    expect(delivered.flat()).toEqual(['1', '2', '3']);
    expect(checkpoints.at(-1)).toBe('3');
  });

  it('re-opens a LATEST mapping without a checkpoint at the time it started, not at a new LATEST', async () => {
    const starts: ShardStart[] = [];
    let reads = 0;
    const source: StreamSource = {
      listShards: async () => ['shard-0'],
      iterator: async (_shard, start) => {
        starts.push(start);
        return 'it';
      },
      read: async () => {
        reads++;
        if (reads === 1) throw new Error('ExpiredIteratorException');
        return { records: [], next: 'it' };
      },
    };
    const runner = new MappingRunner(
      mapping({ startingPosition: 'LATEST' }),
      source,
      new Map(),
      {
        invoke: async () => ok,
        checkpoint: () => undefined,
        discard: async () => undefined,
        logger: createLogger('error'),
      },
      { idlePollMs: 5, retryBaseMs: 5, maxRetryDelayMs: 5 },
    );
    runner.start();
    for (let i = 0; i < 100 && starts.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
    await runner.stop();
    expect(starts.length).toBeGreaterThanOrEqual(2);
    // The first open is a real LATEST (some Kinesis emulators hang on AT_TIMESTAMP over an empty
    // shard); a re-open goes back to the moment of that first open, so nothing meanwhile is skipped.
    expect(starts[0]).toEqual({ type: 'LATEST' });
    expect(starts[1]!.type).toBe('AT_TIMESTAMP');
    const at = (starts[1] as { timestamp: Date }).timestamp.getTime();
    expect(at).toBeLessThanOrEqual(Date.now());
    expect(at).toBeGreaterThan(Date.now() - 5000);
  });

  it('stops at once while a call to the stream hangs: the call is given the stop signal', async () => {
    let aborted = 0;
    const hang = (signal?: AbortSignal) =>
      new Promise<never>((_, reject) =>
        signal?.addEventListener('abort', () => {
          aborted++;
          reject(new Error('aborted'));
        }),
      );
    const source: StreamSource = {
      listShards: async () => ['shard-0'],
      iterator: (_shard, _start, signal) => hang(signal),
      read: async () => ({ records: [], next: 'it' }),
    };
    const runner = new MappingRunner(
      mapping({ startingPosition: 'TRIM_HORIZON' }),
      source,
      new Map(),
      {
        invoke: async () => ok,
        checkpoint: () => undefined,
        discard: async () => undefined,
        logger: createLogger('error'),
      },
      { idlePollMs: 5, retryBaseMs: 5, maxRetryDelayMs: 5 },
    );
    runner.start();
    await new Promise((r) => setTimeout(r, 50));
    await runner.stop(); // without the signal this never resolves: the test times out
    expect(aborted).toBe(1);
  });
});
