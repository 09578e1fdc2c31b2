import type { Command } from 'commander';
import type { ApiOptions } from './api';
import { endpointOption, printTable } from './http';
import { ApiError, callOperation, functionExists, parseDuration, reportingErrors } from './observe-api';

interface MetricsOptions extends ApiOptions {
  since: string;
  period: string;
}

/** The columns shown: a metric and statistic each, as GetMetricData asks for them. */
const columns = [
  { id: 'invocations', head: 'INVOCATIONS', metric: 'Invocations', stat: 'Sum', ms: false },
  { id: 'errors', head: 'ERRORS', metric: 'Errors', stat: 'Sum', ms: false },
  { id: 'throttles', head: 'THROTTLES', metric: 'Throttles', stat: 'Sum', ms: false },
  { id: 'avg', head: 'AVG MS', metric: 'Duration', stat: 'Average', ms: true },
  { id: 'p99', head: 'P99 MS', metric: 'Duration', stat: 'p99', ms: true },
  { id: 'max', head: 'MAX MS', metric: 'Duration', stat: 'Maximum', ms: true },
  { id: 'cold', head: 'COLD STARTS', metric: 'ColdStarts', stat: 'Sum', ms: false },
  { id: 'concurrency', head: 'CONCURRENCY', metric: 'ConcurrentExecutions', stat: 'Maximum', ms: false },
] as const;

type Row = { [K in (typeof columns)[number]['id']]?: number };

interface Result {
  Id: string;
  Timestamps?: number[];
  Values?: number[];
}

/** GetMetricData for every column of the given series ('' = account-wide), all pages. */
async function fetchRows(
  opts: ApiOptions,
  series: string[],
  startMs: number,
  endMs: number,
  periodSec: number,
): Promise<Map<string, Map<number, Row>>> {
  const queries = series.flatMap((fn, i) =>
    columns.map((c) => ({
      Id: `${c.id}_${i}`,
      MetricStat: {
        Metric: {
          Namespace: 'AWS/Lambda',
          MetricName: c.metric,
          Dimensions: fn ? [{ Name: 'FunctionName', Value: fn }] : [],
        },
        Period: periodSec,
        Stat: c.stat,
      },
    })),
  );
  const out = new Map<string, Map<number, Row>>(series.map((fn) => [fn, new Map()]));
  for (let i = 0; i < queries.length; i += 500) {
    let nextToken: string | undefined;
    do {
      const page = await callOperation<{ MetricDataResults?: Result[]; NextToken?: string }>(
        opts,
        'monitoring',
        'GetMetricData',
        {
          MetricDataQueries: queries.slice(i, i + 500),
          StartTime: startMs / 1000,
          EndTime: endMs / 1000,
          ScanBy: 'TimestampAscending',
          NextToken: nextToken,
        },
      );
      for (const r of page.MetricDataResults ?? []) {
        const [column, index] = r.Id.split('_') as [keyof Row, string];
        const rows = out.get(series[Number(index)]!)!;
        (r.Timestamps ?? []).forEach((t, k) => {
          const at = Math.round(t * 1000);
          const row = rows.get(at) ?? {};
          row[column] = r.Values?.[k];
          rows.set(at, row);
        });
      }
      nextToken = page.NextToken;
    } while (nextToken);
  }
  return out;
}

function cells(row: Row): string[] {
  return columns.map((c) => {
    const v = row[c.id];
    if (v === undefined) return c.ms ? '-' : '0';
    return c.ms ? v.toFixed(2) : String(Math.round(v * 100) / 100);
  });
}

const minuteText = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace('T', ' ');

/** `islet metrics [NAME]`: per-period figures of one function, or a summary of every function. */
async function showMetrics(name: string | undefined, opts: MetricsOptions): Promise<void> {
  const sinceMs = parseDuration(opts.since);
  const periodSec = Number(opts.period);
  if (sinceMs === undefined || sinceMs < 60_000) {
    console.error(
      `islet: invalid --since '${opts.since}' (expected a duration of a minute or more: 10m, 2h, 7d)`,
    );
    process.exit(2);
  }
  if (!Number.isInteger(periodSec) || periodSec < 60 || periodSec % 60 !== 0) {
    console.error(`islet: invalid --period '${opts.period}' (expected seconds, a multiple of 60)`);
    process.exit(2);
  }
  const endMs = Date.now() + 60_000; // include the minute in progress
  const startMs = Date.now() - sinceMs;
  if (name !== undefined) {
    if (!(await functionExists(opts, name)))
      throw new ApiError('ResourceNotFoundException', `Function not found: ${name}`);
    const rows = (await fetchRows(opts, [name], startMs, endMs, periodSec)).get(name)!;
    const sorted = [...rows].sort((a, b) => a[0] - b[0]);
    if (opts.json) {
      const list = sorted.map(([t, row]) => ({ timestamp: new Date(t).toISOString(), ...row }));
      process.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
      return;
    }
    if (sorted.length === 0) {
      process.stdout.write(`no invocations of ${name} in the last ${opts.since}\n`);
      return;
    }
    printTable(
      ['TIME (UTC)', ...columns.map((c) => c.head)],
      sorted.map(([t, row]) => [minuteText(t), ...cells(row)]),
    );
    return;
  }
  // Every function that has metrics, and the account, over the whole window as one period.
  const listed = await callOperation<{ Metrics?: Array<{ Dimensions?: Array<{ Value: string }> }> }>(
    opts,
    'monitoring',
    'ListMetrics',
    { Namespace: 'AWS/Lambda', MetricName: 'Invocations', Dimensions: [{ Name: 'FunctionName' }] },
  );
  const names = [...new Set((listed.Metrics ?? []).map((m) => m.Dimensions?.[0]?.Value ?? ''))].filter(
    Boolean,
  );
  const windowSec = Math.ceil((endMs - startMs) / 60_000) * 60;
  const all = await fetchRows(opts, [...names.sort(), ''], startMs, endMs, windowSec);
  const summary = [...all]
    .map(([fn, rows]) => ({ fn, row: [...rows.values()][0] }))
    .filter((s): s is { fn: string; row: Row } => s.row !== undefined);
  if (opts.json) {
    const list = summary.map((s) => ({ functionName: s.fn || null, ...s.row }));
    process.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
    return;
  }
  if (summary.length === 0) {
    process.stdout.write(`no invocations in the last ${opts.since}\n`);
    return;
  }
  printTable(
    ['FUNCTION', ...columns.map((c) => c.head)],
    summary.map((s) => [s.fn || '(all functions)', ...cells(s.row)]),
  );
}

/** Registers `islet metrics`. */
export function metricsCommand(program: Command): void {
  program
    .command('metrics')
    .argument('[function]', 'function name (none: a summary of every function)')
    .description('print invocation metrics from the CloudWatch API (namespace AWS/Lambda)')
    .option('--since <duration>', 'how far back: 10m, 2h, 7d', '1h')
    .option('--period <seconds>', 'seconds per row for one function, a multiple of 60', '60')
    .option(...endpointOption)
    .option('--json', 'print JSON for scripts')
    .action((name: string | undefined, opts: MetricsOptions) =>
      reportingErrors(() => showMetrics(name, opts)),
    );
}
