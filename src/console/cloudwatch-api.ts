import { rpc } from './api';

/** One metric series to fetch: a metric of AWS/Lambda, of one function or (no name) the account. */
export interface MetricQuery {
  id: string;
  metric: string;
  /** CloudWatch statistic: Sum, Average, Maximum, p50, p99... */
  stat: string;
  functionName?: string;
}

/** A fetched series: parallel arrays, timestamps in epoch ms, oldest first. */
export interface Series {
  timestamps: number[];
  values: number[];
}

function epochMs(t: unknown): number {
  if (typeof t === 'number') return t * 1000;
  if (typeof t === 'string') return Date.parse(t);
  return Number.NaN;
}

/**
 * GetMetricData (CloudWatch, awsJson 1.0) for several series over [startMs, endMs) with one
 * period (seconds). Series without data come back empty.
 */
export async function getMetricData(
  queries: MetricQuery[],
  startMs: number,
  endMs: number,
  periodSec: number,
): Promise<Map<string, Series>> {
  const out = new Map<string, Series>();
  for (const q of queries) out.set(q.id, { timestamps: [], values: [] });
  // GetMetricData takes at most 500 queries per call.
  for (let i = 0; i < queries.length; i += 500) {
    const chunk = queries.slice(i, i + 500);
    let nextToken: string | undefined;
    do {
      const res = await rpc<{
        MetricDataResults?: Array<{ Id: string; Timestamps?: unknown[]; Values?: number[] }>;
        NextToken?: string;
      }>('monitoring', 'GraniteServiceVersion20100801.GetMetricData', '1.0', {
        MetricDataQueries: chunk.map((q) => ({
          Id: q.id,
          ReturnData: true,
          MetricStat: {
            Metric: {
              Namespace: 'AWS/Lambda',
              MetricName: q.metric,
              Dimensions: q.functionName ? [{ Name: 'FunctionName', Value: q.functionName }] : [],
            },
            Period: periodSec,
            Stat: q.stat,
          },
        })),
        StartTime: Math.floor(startMs / 1000),
        EndTime: Math.ceil(endMs / 1000),
        ScanBy: 'TimestampAscending',
        NextToken: nextToken,
      });
      for (const r of res.MetricDataResults ?? []) {
        const s = out.get(r.Id);
        if (!s) continue;
        const ts = r.Timestamps ?? [];
        const vs = r.Values ?? [];
        for (let j = 0; j < ts.length && j < vs.length; j++) {
          s.timestamps.push(epochMs(ts[j]));
          s.values.push(vs[j]);
        }
      }
      nextToken = res.NextToken || undefined;
    } while (nextToken);
  }
  for (const s of out.values()) {
    const order = s.timestamps.map((_, k) => k).sort((a, b) => s.timestamps[a] - s.timestamps[b]);
    s.timestamps = order.map((k) => s.timestamps[k]);
    s.values = order.map((k) => s.values[k]);
  }
  return out;
}

/** One log event of a function's log group. */
export interface LogEvent {
  logStreamName?: string;
  timestamp: number;
  message: string;
  eventId?: string;
}

/** FilterLogEvents (CloudWatch Logs, awsJson 1.1) over /aws/lambda/NAME: one page. */
export function filterLogEvents(
  functionName: string,
  input: { startTime: number; filterPattern?: string; nextToken?: string; limit?: number },
) {
  return rpc<{ events?: LogEvent[]; nextToken?: string }>('logs', 'Logs_20140328.FilterLogEvents', '1.1', {
    logGroupName: `/aws/lambda/${functionName}`,
    startTime: input.startTime,
    filterPattern: input.filterPattern || undefined,
    nextToken: input.nextToken,
    limit: input.limit ?? 1000,
  });
}
