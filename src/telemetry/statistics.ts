import type { StoredMinute } from '../store/metric-store';
import { percentile } from './histogram';
import { addRollup, emptyRollup, type MinuteRollup } from './rollup';

/** CloudWatch statistic names. */
export type Statistic = 'SampleCount' | 'Sum' | 'Average' | 'Minimum' | 'Maximum';

/** The metrics islet keeps in namespace AWS/Lambda, with their units. Lambda's own, then islet's. */
export const lambdaMetrics = {
  Invocations: 'Count',
  Errors: 'Count',
  Throttles: 'Count',
  Duration: 'Milliseconds',
  ConcurrentExecutions: 'Count',
  DeadLetterErrors: 'Count',
  IteratorAge: 'Milliseconds',
  BilledDuration: 'Milliseconds',
  GBSeconds: 'None',
  CPUTime: 'Milliseconds',
  ColdStarts: 'Count',
  Availability: 'Percent',
  ErrorRate: 'Percent',
} as const;

export type LambdaMetric = keyof typeof lambdaMetrics;

export function isLambdaMetric(name: string): name is LambdaMetric {
  return Object.hasOwn(lambdaMetrics, name);
}

/** One period's values. Percentiles are keyed like CloudWatch's extended statistics ('p99'). */
export interface Datapoint {
  timestamp: number;
  unit: string;
  values: Partial<Record<Statistic, number>>;
  extended: Record<string, number>;
}

interface Summary {
  count: number;
  sum: number;
  min: number;
  max: number;
}

/** The sample summary of one metric over a merged period (undefined when it has no samples). */
function summarise(metric: LambdaMetric, r: MinuteRollup, minutes: number): Summary | undefined {
  const n = r.invocations;
  const perInvocation = (sum: number, min: number, max: number) =>
    n > 0 ? { count: n, sum, min, max } : undefined;
  switch (metric) {
    case 'Invocations':
      return perInvocation(n, 1, 1);
    case 'Errors':
      return perInvocation(r.errors, r.errors === n ? 1 : 0, r.errors > 0 ? 1 : 0);
    case 'Throttles':
      return r.throttles > 0 ? { count: r.throttles, sum: r.throttles, min: 1, max: 1 } : undefined;
    case 'Duration':
      return perInvocation(r.durationSumMs, r.durationMinMs ?? 0, r.durationMaxMs ?? 0);
    case 'ConcurrentExecutions':
      return r.maxConcurrency > 0
        ? { count: minutes, sum: r.maxConcurrency * minutes, min: r.maxConcurrency, max: r.maxConcurrency }
        : undefined;
    case 'DeadLetterErrors':
      return r.deadLetters > 0 ? { count: r.deadLetters, sum: r.deadLetters, min: 1, max: 1 } : undefined;
    case 'IteratorAge':
      return r.iteratorAgeMaxMs === undefined
        ? undefined
        : { count: 1, sum: r.iteratorAgeMaxMs, min: r.iteratorAgeMaxMs, max: r.iteratorAgeMaxMs };
    case 'BilledDuration':
      return perInvocation(r.billedMs, 0, r.billedMs);
    case 'GBSeconds':
      return perInvocation(r.gbSeconds, 0, r.gbSeconds);
    case 'CPUTime':
      return perInvocation(r.cpuMs, 0, r.cpuMs);
    case 'ColdStarts':
      return r.coldStarts > 0 ? { count: r.coldStarts, sum: r.coldStarts, min: 1, max: 1 } : undefined;
    case 'Availability': {
      const a = n > 0 ? ((n - r.systemErrors) / n) * 100 : undefined;
      return a === undefined ? undefined : { count: 1, sum: a, min: a, max: a };
    }
    case 'ErrorRate': {
      const e = n > 0 ? (r.errors / n) * 100 : undefined;
      return e === undefined ? undefined : { count: 1, sum: e, min: e, max: e };
    }
  }
}

/**
 * Datapoints of one metric from stored minutes, one per period (seconds, a multiple of 60) that
 * has samples, oldest first: what GetMetricStatistics answers and the console charts.
 */
export function datapoints(
  minutes: StoredMinute[],
  metric: LambdaMetric,
  query: {
    startMs: number;
    endMs: number;
    periodSec: number;
    statistics: Statistic[];
    percentiles: number[];
  },
): Datapoint[] {
  const periodMs = query.periodSec * 1000;
  const groups = new Map<number, { rollup: MinuteRollup; minutes: number }>();
  for (const m of minutes) {
    if (m.minute < query.startMs || m.minute >= query.endMs) continue;
    const t = query.startMs + Math.floor((m.minute - query.startMs) / periodMs) * periodMs;
    let g = groups.get(t);
    if (!g) {
      g = { rollup: emptyRollup(), minutes: 0 };
      groups.set(t, g);
    }
    addRollup(g.rollup, m.rollup);
    g.minutes++;
  }
  const out: Datapoint[] = [];
  for (const [t, g] of [...groups].sort((a, b) => a[0] - b[0])) {
    const s = summarise(metric, g.rollup, g.minutes);
    if (!s) continue;
    const values: Datapoint['values'] = {};
    for (const stat of query.statistics) {
      values[stat] =
        stat === 'SampleCount'
          ? s.count
          : stat === 'Sum'
            ? s.sum
            : stat === 'Average'
              ? s.sum / s.count
              : stat === 'Minimum'
                ? s.min
                : s.max;
    }
    const extended: Record<string, number> = {};
    for (const p of query.percentiles) {
      const v =
        metric === 'Duration'
          ? percentile(g.rollup.durationHist, p, s.min, s.max)
          : // Metrics without a distribution: every sample is the period's value.
            s.max;
      if (v !== undefined) extended[`p${p}`] = v;
    }
    out.push({ timestamp: t, unit: lambdaMetrics[metric], values, extended });
  }
  return out;
}
