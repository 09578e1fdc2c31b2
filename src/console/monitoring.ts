import { useMemo, useState } from 'preact/hooks';
import { describeError } from './api';
import { bucketize, type ChartLine, TimeChart } from './charts';
import { getMetricData, type MetricQuery } from './cloudwatch-api';
import { formatNumber } from './format';
import { useLoad } from './hooks';
import { html } from './html';

/** The time ranges offered, each with the period its charts use. */
const ranges = {
  '1h': { label: '1 hour', ms: 3_600_000, periodSec: 60, refreshMs: 10_000 },
  '24h': { label: '24 hours', ms: 86_400_000, periodSec: 300, refreshMs: 60_000 },
  '7d': { label: '7 days', ms: 7 * 86_400_000, periodSec: 3600, refreshMs: 300_000 },
  '30d': { label: '30 days', ms: 30 * 86_400_000, periodSec: 10_800, refreshMs: 600_000 },
} as const;
type RangeKey = keyof typeof ranges;

const series: Array<{ id: string; metric: string; stat: string }> = [
  { id: 'requests', metric: 'Invocations', stat: 'Sum' },
  { id: 'errors', metric: 'Errors', stat: 'Sum' },
  { id: 'throttles', metric: 'Throttles', stat: 'Sum' },
  { id: 'p50', metric: 'Duration', stat: 'p50' },
  { id: 'p99', metric: 'Duration', stat: 'p99' },
  { id: 'availability', metric: 'Availability', stat: 'Average' },
  { id: 'errorRate', metric: 'ErrorRate', stat: 'Average' },
];

/** The charts' data: every series per period, and the whole range's figures (one period). */
async function load(functionName: string | undefined, key: RangeKey) {
  const r = ranges[key];
  const periodMs = r.periodSec * 1000;
  const end = Math.ceil(Date.now() / periodMs) * periodMs;
  const start = end - r.ms;
  const queries: MetricQuery[] = series.map((s) => ({ ...s, functionName }));
  const totals: MetricQuery[] = series.map((s) => ({ ...s, id: `total_${s.id}`, functionName }));
  const [perPeriod, whole] = await Promise.all([
    getMetricData(queries, start, end, r.periodSec),
    getMetricData(totals, start, end, r.ms / 1000),
  ]);
  const count = Math.round(r.ms / periodMs);
  const timestamps = Array.from({ length: count }, (_, i) => start + i * periodMs);
  const counts = (id: string) => bucketize(perPeriod.get(id), start, periodMs, count, 0);
  const gaps = (id: string) => bucketize(perPeriod.get(id), start, periodMs, count, null);
  const total = (id: string) => {
    const v = whole.get(`total_${id}`)?.values ?? [];
    return v.length ? v.reduce((a, b) => a + b, 0) : undefined;
  };
  return {
    timestamps,
    requests: counts('requests'),
    errors: counts('errors'),
    throttles: counts('throttles'),
    p50: gaps('p50'),
    p99: gaps('p99'),
    availability: gaps('availability'),
    errorRate: gaps('errorRate'),
    totals: {
      requests: total('requests') ?? 0,
      errors: total('errors') ?? 0,
      throttles: total('throttles') ?? 0,
      p50: total('p50'),
      p99: total('p99'),
      availability: total('availability'),
      errorRate: total('errorRate'),
    },
  };
}

const ms = (v: number | undefined) => (v === undefined ? '–' : `${formatNumber(v, v < 10 ? 2 : 0)} ms`);
const pct = (v: number | undefined) => (v === undefined ? '–' : `${formatNumber(v, 2)}%`);

/** Charts of requests, latency (p50/p99), availability and error rate, for a function or the account. */
export function MonitoringCharts({ functionName }: { functionName?: string }) {
  const [range, setRange] = useState<RangeKey>('1h');
  const data = useLoad(() => load(functionName, range), [functionName, range], ranges[range].refreshMs);
  const d = data.data;
  const lines = useMemo(() => {
    if (!d) return undefined;
    const requests: ChartLine[] = [
      { label: 'Requests', values: d.requests },
      { label: 'Errors', values: d.errors, color: '#dc2626' },
      { label: 'Throttles', values: d.throttles, color: '#9ca3af', dash: [4, 3] },
    ];
    const latency: ChartLine[] = [
      { label: 'p50', values: d.p50 },
      { label: 'p99', values: d.p99, color: '#1e3a8a', dash: [4, 3] },
    ];
    return {
      requests,
      latency,
      availability: [{ label: 'Availability', values: d.availability }] as ChartLine[],
      errorRate: [{ label: 'Error rate', values: d.errorRate, color: '#dc2626' }] as ChartLine[],
    };
  }, [d]);

  return html`<div class="monitoring">
    <div class="toolbar">
      <div class="segmented" role="radiogroup" aria-label="Time range">
        ${(Object.keys(ranges) as RangeKey[]).map(
          (k) => html`<label class=${range === k ? 'on' : ''}>
            <input type="radio" name=${`range-${functionName ?? 'account'}`} value=${k} checked=${range === k} onChange=${() => setRange(k)} />${ranges[k].label}</label>`,
        )}
      </div>
      <span class="muted small" role="status">${data.loading ? 'Updating…' : `Per ${ranges[range].periodSec >= 3600 ? `${ranges[range].periodSec / 3600} h` : `${ranges[range].periodSec / 60} min`}; refreshes every ${ranges[range].refreshMs / 1000} s`}</span>
    </div>
    ${data.error ? html`<p class="error" role="alert">Metrics are unavailable: ${describeError(data.error)}</p>` : null}
    ${
      d && lines
        ? html`<div class="charts">
            <${TimeChart} id="requests" title="Requests" unit="count" timestamps=${d.timestamps} lines=${lines.requests}
              summary=${`${formatNumber(d.totals.requests)} requests, ${formatNumber(d.totals.errors)} errors, ${formatNumber(d.totals.throttles)} throttles`} />
            <${TimeChart} id="latency" title="Duration" unit="ms" timestamps=${d.timestamps} lines=${lines.latency}
              summary=${`p50 ${ms(d.totals.p50)}, p99 ${ms(d.totals.p99)}`} />
            <${TimeChart} id="availability" title="Availability" unit="%" yRange=${[0, 100]} timestamps=${d.timestamps} lines=${lines.availability}
              summary=${pct(d.totals.availability)} />
            <${TimeChart} id="error-rate" title="Error rate" unit="%" yRange=${[0, 100]} timestamps=${d.timestamps} lines=${lines.errorRate}
              summary=${pct(d.totals.errorRate)} />
          </div>`
        : !data.error
          ? html`<p class="muted" role="status">Loading metrics…</p>`
          : null
    }
  </div>`;
}

/** The monitoring tab of one function. */
export function FunctionMonitoring({ name }: { name: string }) {
  return html`<${MonitoringCharts} functionName=${name} />`;
}

/** Account-wide monitoring: every function together. */
export function AccountMonitoring() {
  return html`<section class="page">
    <h1>Monitoring</h1>
    <p class="muted">All functions of the account together.</p>
    <${MonitoringCharts} />
  </section>`;
}
