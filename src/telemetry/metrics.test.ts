import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../logger';
import { MetricStore } from '../store/metric-store';
import { openTelemetryDatabase } from '../store/telemetry-db';
import { accountSeries, MetricsRecorder } from './metrics';
import type { FinishedInvocation } from './rollup';
import { datapoints } from './statistics';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const quiet = createLogger('error', () => undefined);
const t0 = Date.UTC(2026, 0, 10, 12, 0, 0);
const inv = (durationMs: number, extra: Partial<FinishedInvocation> = {}): FinishedInvocation => ({
  failed: false,
  systemError: false,
  coldStart: false,
  durationMs,
  billedDurationMs: Math.ceil(durationMs / 100) * 100,
  memoryMb: 1024,
  cpuTimeMs: durationMs / 2,
  ...extra,
});

function recorder(dir: string, clock: () => number) {
  const db = openTelemetryDatabase(dir);
  const rec = new MetricsRecorder(
    new MetricStore(db),
    { retentionDays: 30, maxRows: 1000, flushMs: 60_000 },
    quiet,
    clock,
  );
  return { db, rec };
}

describe('per-minute metric rollups', () => {
  it('rolls invocations into minutes and answers statistics per period', () => {
    const dir = mkdtempSync(join(tmpdir(), 'islet-metrics-'));
    dirs.push(dir);
    let now = t0;
    const { db, rec } = recorder(dir, () => now);
    for (let i = 0; i < 10; i++) {
      rec.started('fn');
      rec.finished('fn', inv(10 * (i + 1), { failed: i === 0, coldStart: i === 0 }));
    }
    rec.throttled('fn');
    now = t0 + 61_000; // next minute
    rec.started('fn');
    rec.started('fn');
    rec.finished('fn', inv(150));
    rec.finished('fn', inv(50, { systemError: true, failed: true }));
    const minutes = rec.minutes('fn', t0, t0 + 120_000);
    expect(minutes.map((m) => m.minute)).toEqual([t0, t0 + 60_000]);
    const q = {
      startMs: t0,
      endMs: t0 + 120_000,
      periodSec: 60,
      statistics: ['Sum', 'Average', 'Maximum', 'SampleCount'] as const,
      percentiles: [50, 99],
    };
    const statistics = [...q.statistics];
    expect(datapoints(minutes, 'Invocations', { ...q, statistics }).map((d) => d.values.Sum)).toEqual([
      10, 2,
    ]);
    expect(datapoints(minutes, 'Errors', { ...q, statistics }).map((d) => d.values.Average)).toEqual([
      0.1, 0.5,
    ]);
    expect(
      datapoints(minutes, 'Throttles', { ...q, statistics }).map((d) => [d.timestamp, d.values.Sum]),
    ).toEqual([[t0, 1]]);
    const duration = datapoints(minutes, 'Duration', { ...q, statistics });
    expect(duration[0]!.values).toEqual({ Sum: 550, Average: 55, Maximum: 100, SampleCount: 10 });
    expect(duration[0]!.extended.p99).toBe(100);
    expect(Math.abs(duration[0]!.extended.p50! - 50) / 50).toBeLessThan(0.1);
    expect(
      datapoints(minutes, 'ConcurrentExecutions', { ...q, statistics }).map((d) => d.values.Maximum),
    ).toEqual([1, 2]);
    expect(datapoints(minutes, 'Availability', { ...q, statistics }).map((d) => d.values.Average)).toEqual([
      100, 50,
    ]);
    expect(datapoints(minutes, 'ColdStarts', { ...q, statistics }).map((d) => d.values.Sum)).toEqual([1]);
    const gbs = datapoints(minutes, 'GBSeconds', { ...q, statistics, periodSec: 120 });
    expect(gbs).toHaveLength(1);
    expect(gbs[0]!.values.Sum).toBeCloseTo((10 * 100 + 200 + 100) / 1000, 6); // billed ms at 1 GB
    // The account-wide series sums every function.
    rec.started('other');
    rec.finished('other', inv(1));
    expect(
      datapoints(rec.minutes(accountSeries, t0, t0 + 120_000), 'Invocations', { ...q, statistics }).map(
        (d) => d.values.Sum,
      ),
    ).toEqual([10, 3]);
    db.close();
  });

  it('survives a restart: flushed minutes merge with figures recorded after it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'islet-metrics-'));
    dirs.push(dir);
    const clock = () => t0 + 5_000;
    const first = recorder(dir, clock);
    first.rec.started('fn');
    first.rec.finished('fn', inv(20));
    first.rec.stop();
    first.db.close();
    const second = recorder(dir, clock);
    second.rec.started('fn');
    second.rec.finished('fn', inv(40));
    const both = second.rec.minutes('fn', t0, t0 + 60_000);
    expect(both).toHaveLength(1);
    expect(both[0]!.rollup.invocations).toBe(2);
    expect(both[0]!.rollup.durationMaxMs).toBe(40);
    second.rec.flush();
    expect(new MetricStore(second.db).minutes('fn', t0, t0 + 60_000)[0]!.rollup.invocations).toBe(2);
    expect(second.rec.functionNames(t0)).toEqual(['fn']);
    second.db.close();
  });

  it('drops minutes past the retention and beyond the row cap, oldest first', () => {
    const dir = mkdtempSync(join(tmpdir(), 'islet-metrics-'));
    dirs.push(dir);
    const db = openTelemetryDatabase(dir);
    const store = new MetricStore(db);
    let now = t0;
    const rec = new MetricsRecorder(
      store,
      { retentionDays: 1, maxRows: 3, flushMs: 60_000 },
      quiet,
      () => now,
    );
    for (let m = 0; m < 5; m++) {
      now = t0 + m * 60_000;
      rec.started('fn');
      rec.finished('fn', inv(1));
    }
    rec.flush();
    // Each minute has two rows: the function's and the account's.
    expect(store.prune(t0 + 60_000, 1000)).toBe(2); // older than the retention cut
    expect(store.prune(0, 4)).toBe(4); // the oldest beyond the cap, whole minutes at a time
    expect(store.minutes('fn', 0, Number.MAX_SAFE_INTEGER).map((m) => (m.minute - t0) / 60_000)).toEqual([
      3, 4,
    ]);
    db.close();
  });
});
