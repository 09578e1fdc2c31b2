import { accountSeries, type MetricsRecorder } from './metrics';
import { type Datapoint, datapoints, isLambdaMetric, lambdaMetrics, type Statistic } from './statistics';

/** A CloudWatch error: `code` is the awsQuery error code (InvalidParameterValue, ...). */
export class MetricQueryError extends Error {
  constructor(
    readonly code:
      | 'InvalidParameterValue'
      | 'InvalidParameterCombination'
      | 'MissingParameter'
      | 'InvalidNextToken',
    message: string,
  ) {
    super(message);
  }
}

/** The namespace islet's metrics live in. */
export const lambdaNamespace = 'AWS/Lambda';

const basicStatistics: readonly Statistic[] = ['SampleCount', 'Average', 'Sum', 'Minimum', 'Maximum'];
/** GetMetricStatistics answers at most this many datapoints (CloudWatch's limit). */
const maxStatisticsDatapoints = 1440;
const minuteMs = 60_000;
/** ListMetrics lists what had data in the last two weeks, or three hours when RecentlyActive. */
const listWindowMs = 14 * 86_400_000;
const recentWindowMs = 3 * 3_600_000;
const listPageSize = 500;

/** A metric as CloudWatch names it. */
export interface MetricName {
  namespace: string;
  metricName: string;
  dimensions: Array<{ name: string; value: string }>;
}

/** A statistic asked for: one of the five, or a percentile written pNN(.NN). */
export type StatisticRequest = { name: string } & ({ statistic: Statistic } | { percentile: number });

/** Reads `Sum`, `p99`, `p99.9`...; undefined when it is neither a basic statistic nor a percentile. */
export function parseStatistic(name: string): StatisticRequest | undefined {
  if ((basicStatistics as readonly string[]).includes(name)) return { name, statistic: name as Statistic };
  const m = /^p(\d{1,3}(?:\.\d{1,2})?)$/.exec(name);
  if (!m) return undefined;
  const p = Number(m[1]);
  return p >= 0 && p <= 100 ? { name, percentile: p } : undefined;
}

/** The value of one statistic in a datapoint. */
function statisticValue(d: Datapoint, s: StatisticRequest): number | undefined {
  return 'statistic' in s ? d.values[s.statistic] : d.extended[`p${s.percentile}`];
}

/** A period in seconds islet can answer: a positive multiple of its one-minute rollups. */
export function checkPeriod(periodSec: number, what = 'Period'): void {
  if (periodSec < 60 || periodSec % 60 !== 0) {
    throw new MetricQueryError(
      'InvalidParameterValue',
      `The parameter ${what} must be a multiple of 60 (islet keeps one-minute data).`,
    );
  }
}

function checkRange(start: Date, end: Date): void {
  if (start.getTime() >= end.getTime()) {
    throw new MetricQueryError(
      'InvalidParameterValue',
      'The parameter StartTime must be less than the parameter EndTime.',
    );
  }
}

/** CloudWatch rounds a start time down to the minute. */
const floorMinute = (d: Date) => Math.floor(d.getTime() / minuteMs) * minuteMs;

function readToken(token: string): number[] {
  try {
    const v = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (Array.isArray(v) && v.every((n) => Number.isSafeInteger(n) && n >= 0)) return v;
  } catch {}
  throw new MetricQueryError('InvalidNextToken', 'The specified nextToken is invalid.');
}

const writeToken = (v: number[]) => Buffer.from(JSON.stringify(v)).toString('base64url');

/**
 * The CloudWatch reading model over islet's per-minute rollups: namespace AWS/Lambda, each metric
 * per FunctionName and account-wide (no dimensions). Validation follows CloudWatch's rules.
 */
export class MetricQueries {
  constructor(
    private readonly recorder: MetricsRecorder,
    private readonly clock: () => number = Date.now,
  ) {}

  /** The stored series a metric name stands for; undefined when islet keeps no such series. */
  private series(m: MetricName): { functionName: string; metric: keyof typeof lambdaMetrics } | undefined {
    if (m.namespace !== lambdaNamespace || !isLambdaMetric(m.metricName)) return undefined;
    if (m.dimensions.length === 0) return { functionName: accountSeries, metric: m.metricName };
    const [d] = m.dimensions;
    if (m.dimensions.length !== 1 || d!.name !== 'FunctionName') return undefined;
    return { functionName: d!.value, metric: m.metricName };
  }

  private points(
    m: MetricName,
    unit: string | undefined,
    q: { startMs: number; endMs: number; periodSec: number; stats: StatisticRequest[] },
  ): Datapoint[] {
    const s = this.series(m);
    if (!s || (unit !== undefined && unit !== lambdaMetrics[s.metric])) return [];
    return datapoints(this.recorder.minutes(s.functionName, q.startMs, q.endMs), s.metric, {
      startMs: q.startMs,
      endMs: q.endMs,
      periodSec: q.periodSec,
      statistics: q.stats.flatMap((x) => ('statistic' in x ? [x.statistic] : [])),
      percentiles: q.stats.flatMap((x) => ('percentile' in x ? [x.percentile] : [])),
    });
  }

  /** GetMetricStatistics: the asked statistics per period, oldest first. */
  statistics(
    m: MetricName,
    q: { start: Date; end: Date; periodSec: number; stats: StatisticRequest[]; unit?: string },
  ): Array<{
    timestamp: Date;
    unit: string;
    values: Record<string, number>;
    extended: Record<string, number>;
  }> {
    checkPeriod(q.periodSec);
    checkRange(q.start, q.end);
    if (q.stats.length === 0) {
      throw new MetricQueryError(
        'InvalidParameterCombination',
        'At least one of the parameters Statistics and ExtendedStatistics must be specified.',
      );
    }
    const startMs = floorMinute(q.start);
    const endMs = q.end.getTime();
    const requested = Math.ceil((endMs - startMs) / (q.periodSec * 1000));
    if (requested > maxStatisticsDatapoints) {
      throw new MetricQueryError(
        'InvalidParameterCombination',
        `You have requested up to ${requested} datapoints, which exceeds the limit of ${maxStatisticsDatapoints}. You may reduce the datapoints requested by increasing Period, or decreasing the time range.`,
      );
    }
    return this.points(m, q.unit, { startMs, endMs, periodSec: q.periodSec, stats: q.stats }).map((d) => {
      const values: Record<string, number> = {};
      const extended: Record<string, number> = {};
      for (const s of q.stats) {
        const v = statisticValue(d, s);
        if (v !== undefined) ('statistic' in s ? values : extended)[s.name] = v;
      }
      return { timestamp: new Date(d.timestamp), unit: d.unit, values, extended };
    });
  }

  /**
   * GetMetricData for MetricStat queries: one result per query that returns data, newest first
   * unless ascending, at most `maxDatapoints` values per page (nextToken goes on).
   */
  data(
    queries: Array<{
      id: string;
      label?: string;
      returnData: boolean;
      metric: MetricName;
      periodSec: number;
      stat: StatisticRequest;
      unit?: string;
    }>,
    q: { start: Date; end: Date; ascending: boolean; maxDatapoints: number; nextToken?: string },
  ): {
    results: Array<{ id: string; label: string; timestamps: Date[]; values: number[]; complete: boolean }>;
    nextToken?: string;
  } {
    checkRange(q.start, q.end);
    const [fromQuery, fromPoint] = q.nextToken === undefined ? [0, 0] : readToken(q.nextToken);
    if (fromQuery === undefined || fromPoint === undefined) {
      throw new MetricQueryError('InvalidNextToken', 'The specified nextToken is invalid.');
    }
    const startMs = floorMinute(q.start);
    const endMs = q.end.getTime();
    let budget = q.maxDatapoints;
    let nextToken: string | undefined;
    const results = queries
      .filter((x) => x.returnData)
      .map((x, i) => {
        const points = this.points(x.metric, x.unit, {
          startMs,
          endMs,
          periodSec: x.periodSec,
          stats: [x.stat],
        }).flatMap((d) => {
          const v = statisticValue(d, x.stat);
          return v === undefined ? [] : [{ t: d.timestamp, v }];
        });
        if (!q.ascending) points.reverse();
        const skip = i < fromQuery ? points.length : i === fromQuery ? fromPoint : 0;
        const rest = points.slice(skip);
        const page = nextToken === undefined ? rest.slice(0, budget) : [];
        budget -= page.length;
        if (page.length < rest.length && nextToken === undefined)
          nextToken = writeToken([i, skip + page.length]);
        return {
          id: x.id,
          label: x.label ?? x.metric.metricName,
          timestamps: page.map((p) => new Date(p.t)),
          values: page.map((p) => p.v),
          complete: page.length === rest.length,
        };
      });
    return { results, nextToken };
  }

  /** ListMetrics: each metric account-wide and per function that had data, 500 per page. */
  list(q: {
    namespace?: string;
    metricName?: string;
    dimensions?: Array<{ name: string; value?: string }>;
    recentlyActive: boolean;
    nextToken?: string;
  }): { metrics: MetricName[]; nextToken?: string } {
    const [offset] = q.nextToken === undefined ? [0] : readToken(q.nextToken);
    if (offset === undefined)
      throw new MetricQueryError('InvalidNextToken', 'The specified nextToken is invalid.');
    if (q.namespace !== undefined && q.namespace !== lambdaNamespace) return { metrics: [] };
    const dims = q.dimensions ?? [];
    if (dims.some((d) => d.name !== 'FunctionName') || dims.length > 1) return { metrics: [] };
    const names = this.recorder.functionNames(
      this.clock() - (q.recentlyActive ? recentWindowMs : listWindowMs),
    );
    const wanted = dims[0];
    const functions = wanted?.value !== undefined ? names.filter((n) => n === wanted.value) : names;
    const series: Array<string | undefined> = [
      ...(wanted || names.length === 0 ? [] : [undefined]),
      ...functions,
    ];
    const metricNames = Object.keys(lambdaMetrics).filter(
      (n) => q.metricName === undefined || n === q.metricName,
    );
    const all: MetricName[] = series.flatMap((fn) =>
      metricNames.map((metricName) => ({
        namespace: lambdaNamespace,
        metricName,
        dimensions: fn === undefined ? [] : [{ name: 'FunctionName', value: fn }],
      })),
    );
    const page = all.slice(offset, offset + listPageSize);
    return {
      metrics: page,
      nextToken: offset + listPageSize < all.length ? writeToken([offset + listPageSize]) : undefined,
    };
  }
}
