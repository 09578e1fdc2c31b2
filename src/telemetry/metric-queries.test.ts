import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../logger';
import { MetricStore } from '../store/metric-store';
import { openTelemetryDatabase } from '../store/telemetry-db';
import {
  type MetricName,
  MetricQueries,
  MetricQueryError,
  parseStatistic,
  type StatisticRequest,
} from './metric-queries';
import { MetricsRecorder } from './metrics';

const dirs: string[] = [];
const dbs: Array<{ close(): void }> = [];
afterEach(() => {
  for (const db of dbs.splice(0)) db.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const t0 = Date.UTC(2026, 0, 10, 12, 0, 0);
const minute = 60_000;

/** A recorder with `perMinute[i]` invocations of 10 ms (one failing) in minute i after t0. */
function setup(perMinute: number[]) {
  const dir = mkdtempSync(join(tmpdir(), 'islet-metq-'));
  dirs.push(dir);
  const db = openTelemetryDatabase(dir);
  dbs.push(db);
  let now = t0;
  const rec = new MetricsRecorder(
    new MetricStore(db),
    { retentionDays: 30, maxRows: 10_000, flushMs: 60_000 },
    createLogger('error', () => undefined),
    () => now,
  );
  perMinute.forEach((n, i) => {
    now = t0 + i * minute + 1000;
    for (let k = 0; k < n; k++) {
      rec.started('fn');
      rec.finished('fn', {
        failed: k === 0,
        systemError: false,
        coldStart: false,
        durationMs: 10 * (k + 1),
        billedDurationMs: 100,
        memoryMb: 128,
        cpuTimeMs: 1,
      });
    }
    if (i === 0) rec.flush(); // some minutes stored, the rest pending: both are read
  });
  now = t0 + perMinute.length * minute;
  return new MetricQueries(rec, () => now);
}

const invocations = (fn?: string): MetricName => ({
  namespace: 'AWS/Lambda',
  metricName: 'Invocations',
  dimensions: fn ? [{ name: 'FunctionName', value: fn }] : [],
});
const stats = (...names: string[]) => names.map((n) => parseStatistic(n)!) as StatisticRequest[];

function failure(f: () => unknown): MetricQueryError {
  try {
    f();
  } catch (e) {
    if (e instanceof MetricQueryError) return e;
    throw e;
  }
  throw new Error('expected a MetricQueryError');
}

describe('statistics', () => {
  it('reads basic statistics and percentiles', () => {
    expect(parseStatistic('Sum')).toEqual({ name: 'Sum', statistic: 'Sum' });
    expect(parseStatistic('p99.9')).toEqual({ name: 'p99.9', percentile: 99.9 });
    expect(parseStatistic('p100')).toEqual({ name: 'p100', percentile: 100 });
    for (const bad of ['sum', 'p101', 'p99.999', 'tm99', 'p', 'P50'])
      expect(parseStatistic(bad)).toBeUndefined();
  });
});

describe('GetMetricStatistics', () => {
  it('answers one datapoint per period with data, per function and account-wide', () => {
    const q = setup([3, 0, 5]);
    const start = new Date(t0 + 5000); // rounded down to the minute
    const end = new Date(t0 + 3 * minute);
    const perMinute = q.statistics(invocations('fn'), { start, end, periodSec: 60, stats: stats('Sum') });
    expect(perMinute.map((d) => [d.timestamp.getTime() - t0, d.values.Sum, d.unit])).toEqual([
      [0, 3, 'Count'],
      [2 * minute, 5, 'Count'],
    ]);
    const whole = q.statistics(invocations(), { start, end, periodSec: 180, stats: stats('Sum', 'p50') });
    expect(whole).toEqual([
      { timestamp: new Date(t0), unit: 'Count', values: { Sum: 8 }, extended: { p50: 1 } },
    ]);
    const durations = q.statistics(
      { ...invocations('fn'), metricName: 'Duration' },
      { start, end, periodSec: 60, stats: stats('Maximum', 'p99') },
    );
    expect(durations[1]!.values.Maximum).toBe(50);
    expect(durations[1]!.extended.p99).toBe(50);
    // Unknown series and mismatched units are empty, as in CloudWatch.
    expect(q.statistics(invocations('other'), { start, end, periodSec: 60, stats: stats('Sum') })).toEqual(
      [],
    );
    expect(
      q.statistics(
        { ...invocations(), namespace: 'AWS/EC2' },
        { start, end, periodSec: 60, stats: stats('Sum') },
      ),
    ).toEqual([]);
    expect(
      q.statistics(invocations('fn'), { start, end, periodSec: 60, stats: stats('Sum'), unit: 'Seconds' }),
    ).toEqual([]);
  });

  it('refuses bad periods, ranges, missing statistics and too many datapoints', () => {
    const q = setup([1]);
    const start = new Date(t0);
    const end = new Date(t0 + minute);
    const cases: Array<[() => unknown, string, string]> = [
      [
        () => q.statistics(invocations(), { start, end, periodSec: 90, stats: stats('Sum') }),
        'InvalidParameterValue',
        'must be a multiple of 60',
      ],
      [
        () => q.statistics(invocations(), { start: end, end: start, periodSec: 60, stats: stats('Sum') }),
        'InvalidParameterValue',
        'The parameter StartTime must be less than the parameter EndTime.',
      ],
      [
        () => q.statistics(invocations(), { start, end, periodSec: 60, stats: [] }),
        'InvalidParameterCombination',
        'At least one of the parameters Statistics and ExtendedStatistics must be specified.',
      ],
      [
        () =>
          q.statistics(invocations(), {
            start,
            end: new Date(t0 + 1441 * minute),
            periodSec: 60,
            stats: stats('Sum'),
          }),
        'InvalidParameterCombination',
        'You have requested up to 1441 datapoints, which exceeds the limit of 1440.',
      ],
    ];
    for (const [f, code, words] of cases) {
      const e = failure(f);
      expect(e.code).toBe(code);
      expect(e.message).toContain(words);
    }
  });
});

describe('GetMetricData', () => {
  it('answers each query newest first by default, ascending on request, and pages by MaxDatapoints', () => {
    const q = setup([1, 2, 3, 4]);
    const range = { start: new Date(t0), end: new Date(t0 + 4 * minute) };
    const query = (id: string, stat: string, returnData = true) => ({
      id,
      returnData,
      metric: invocations('fn'),
      periodSec: 60,
      stat: parseStatistic(stat)!,
    });
    const out = q.data([query('sums', 'Sum'), query('hidden', 'Sum', false), query('avg', 'SampleCount')], {
      ...range,
      ascending: false,
      maxDatapoints: 100,
    });
    expect(out.results.map((r) => r.id)).toEqual(['sums', 'avg']);
    expect(out.results[0]!.values).toEqual([4, 3, 2, 1]);
    expect(out.results[0]!.timestamps[0]!.getTime()).toBe(t0 + 3 * minute);
    expect(out.nextToken).toBeUndefined();
    const asc = q.data([query('sums', 'Sum')], { ...range, ascending: true, maxDatapoints: 100 });
    expect(asc.results[0]!.values).toEqual([1, 2, 3, 4]);

    const pages: number[][] = [];
    let token: string | undefined;
    do {
      const page = q.data([query('a', 'Sum'), query('b', 'Sum')], {
        ...range,
        ascending: true,
        maxDatapoints: 3,
        nextToken: token,
      });
      pages.push(page.results.flatMap((r) => r.values));
      token = page.nextToken;
    } while (token && pages.length < 10);
    expect(pages).toEqual([
      [1, 2, 3],
      [4, 1, 2],
      [3, 4],
    ]);
    expect(
      failure(() => q.data([], { ...range, ascending: true, maxDatapoints: 1, nextToken: 'zz' })).code,
    ).toBe('InvalidNextToken');
  });
});

describe('ListMetrics', () => {
  it('lists every metric account-wide and per function, filtered by name and dimension', () => {
    const q = setup([1]);
    const all = q.list({ recentlyActive: false });
    expect(all.metrics.filter((m) => m.metricName === 'Invocations')).toEqual([
      invocations(),
      invocations('fn'),
    ]);
    expect(q.list({ recentlyActive: false, metricName: 'Errors' }).metrics).toHaveLength(2);
    expect(
      q
        .list({ recentlyActive: false, dimensions: [{ name: 'FunctionName', value: 'fn' }] })
        .metrics.every((m) => m.dimensions[0]?.value === 'fn'),
    ).toBe(true);
    expect(
      q.list({ recentlyActive: false, dimensions: [{ name: 'FunctionName', value: 'x' }] }).metrics,
    ).toEqual([]);
    expect(q.list({ recentlyActive: false, dimensions: [{ name: 'Resource' }] }).metrics).toEqual([]);
    expect(q.list({ recentlyActive: false, namespace: 'AWS/S3' }).metrics).toEqual([]);
  });
});
