import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import { html } from './html';

/** Values of a series put into fixed periods: one slot per period from `startMs`, `fill` where missing. */
export function bucketize(
  series: { timestamps: number[]; values: number[] } | undefined,
  startMs: number,
  periodMs: number,
  count: number,
  fill: number | null,
): Array<number | null> {
  const out: Array<number | null> = new Array(count).fill(fill);
  if (!series) return out;
  for (let i = 0; i < series.timestamps.length; i++) {
    const slot = Math.floor((series.timestamps[i] - startMs) / periodMs);
    if (slot >= 0 && slot < count) out[slot] = series.values[i];
  }
  return out;
}

/** A small inline line chart of counts (no axes), for tables. */
export function Sparkline({ values, label }: { values: Array<number | null>; label: string }) {
  const nums = values.map((v) => v ?? 0);
  const max = Math.max(1, ...nums);
  const step = nums.length > 1 ? 100 / (nums.length - 1) : 100;
  const points = nums.map((v, i) => `${(i * step).toFixed(2)},${(22 - (v / max) * 20).toFixed(2)}`).join(' ');
  return html`<svg class="sparkline" viewBox="0 0 100 24" preserveAspectRatio="none" role="img" aria-label=${label}>
    <title>${label}</title>
    <polyline points=${points} fill="none" stroke="currentColor" stroke-width="1.5" vector-effect="non-scaling-stroke" />
  </svg>`;
}

/** One line of a TimeChart. */
export interface ChartLine {
  label: string;
  values: Array<number | null>;
  /** A CSS colour; the console's accent when absent. */
  color?: string;
  dash?: number[];
}

/** Chart props: x values in epoch ms (one per period), lines over them, and how to print y values. */
export interface TimeChartProps {
  title: string;
  /** A one-line text summary (also what screen readers get for the canvas). */
  summary: string;
  timestamps: number[];
  lines: ChartLine[];
  unit: string;
  /** Fixed y range (percentages); counts and times start at 0 and grow to fit. */
  yRange?: [number, number];
  /** Test hook and styling: which metric this chart shows. */
  id: string;
}

const accent = '#2563eb';

function axisValue(unit: string) {
  return (_u: uPlot, splits: number[]) =>
    splits.map((v) =>
      v == null
        ? ''
        : unit === '%'
          ? `${v}%`
          : unit === 'ms'
            ? `${v >= 1000 ? `${v / 1000} s` : `${v} ms`}`
            : String(v),
    );
}

/** A time-series chart (uPlot on a canvas), sized to its container. */
export function TimeChart(props: TimeChartProps) {
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | undefined>(undefined);
  const shape = `${props.lines.map((l) => `${l.label}:${l.color ?? ''}`).join('|')}|${props.unit}|${props.yRange}`;

  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const opts: uPlot.Options = {
      width: Math.max(200, el.clientWidth),
      height: 180,
      cursor: { drag: { x: false, y: false } },
      scales: {
        x: { time: true },
        y: props.yRange ? { range: props.yRange } : { range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] },
      },
      axes: [
        { stroke: '#6b7280', grid: { stroke: '#eef0f3' }, ticks: { stroke: '#e5e7eb' } },
        {
          stroke: '#6b7280',
          grid: { stroke: '#eef0f3' },
          ticks: { stroke: '#e5e7eb' },
          values: axisValue(props.unit),
          size: 56,
        },
      ],
      series: [
        {},
        ...props.lines.map((l) => ({
          label: l.label,
          stroke: l.color ?? accent,
          width: 1.5,
          dash: l.dash,
          spanGaps: false,
          // Lines with gaps (latency, percentages) can have lone periods: dots show them.
          points: { show: l.values.some((v) => v === null), size: 5 },
          value: (_u: uPlot, v: number | null) =>
            v == null
              ? '–'
              : `${Number.isInteger(v) ? v : v.toFixed(2)}${props.unit === 'count' ? '' : ` ${props.unit}`}`,
        })),
      ],
    };
    const u = new uPlot(
      opts,
      [props.timestamps.map((t) => t / 1000), ...props.lines.map((l) => l.values)],
      el,
    );
    plot.current = u;
    const ro = new ResizeObserver(() => u.setSize({ width: Math.max(200, el.clientWidth), height: 180 }));
    ro.observe(el);
    return () => {
      ro.disconnect();
      u.destroy();
      plot.current = undefined;
    };
  }, [shape]);

  useEffect(() => {
    plot.current?.setData([props.timestamps.map((t) => t / 1000), ...props.lines.map((l) => l.values)]);
  }, [props.timestamps, props.lines]);

  return html`<figure class="chart" data-metric=${props.id}>
    <figcaption><span class="chart-title">${props.title}</span> <span class="chart-summary">${props.summary}</span></figcaption>
    <div class="chart-canvas" ref=${host} role="img" aria-label=${`${props.title}: ${props.summary}`}></div>
  </figure>`;
}
