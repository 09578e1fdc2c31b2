/**
 * bench/results/latest.html: the same record as latest.json, for reading in a browser. One
 * self-contained file (inline CSS and SVG, no script, no external asset): the machine and
 * settings, then per scenario its charts, its tables (the columns of the Markdown report), its
 * notes and failures.
 *
 * Charts, drawn here as SVG (horizontal bars, one per target, value at the end of each bar):
 * - req/s per target, for scenarios whose rows have `reqPerSec`, the baseline highlighted;
 * - p50/p99 pairs per target, for each pair of latency keys the rows have (`p50`/`p99`,
 *   `initP50`/`initP99`, `wallP50`/`wallP99`);
 * - one chart per column a scenario marks `chart: true`.
 * A chart whose values span more than two orders of magnitude uses a log scale (and says so), so
 * a 1 ms baseline stays visible next to a 5 s tail.
 */
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './process.mjs';
import { formatCell, formatValue, tableGroups } from './report.mjs';

export const HTML_FILE = path.join(REPO_ROOT, 'bench', 'results', 'latest.html');

const LATENCY_PAIRS = [
  { low: 'p50', high: 'p99', title: 'latency' },
  { low: 'initP50', high: 'initP99', title: 'init' },
  { low: 'wallP50', high: 'wallP99', title: 'wall' },
];

const COLOURS = {
  bar: '#2f6fb0',
  baseline: '#e08a00',
  low: '#6fa8dc',
  high: '#1f4e79',
  lowBaseline: '#f6c26b',
  highBaseline: '#b36b00',
};

/** Writes the report to `file` (through a temporary file, like writeResults). */
export function writeHtmlReport(results, file) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp`;
  fs.writeFileSync(tmp, renderHtml(results));
  fs.renameSync(tmp, file);
}

/** The whole page as a string. */
export function renderHtml(results) {
  const { machine = {}, config = {} } = results;
  const scenarios = results.scenarios ?? [];
  const toc = scenarios
    .map(
      (s) =>
        `<li><a href="#${anchor(s.name)}">${esc(s.name)}</a> ${s.ok ? '<span class="ok">ok</span>' : '<span class="bad">failed</span>'}</li>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>islet benchmarks, ${esc(machine.date ?? '')}</title>
<style>${CSS}</style>
</head>
<body>
<h1>islet benchmarks</h1>
<table class="meta">
<tr><th>Date</th><td>${esc(machine.date ?? '-')}</td></tr>
<tr><th>CPU</th><td>${esc(machine.cpu ?? '-')} (${esc(machine.cores ?? '-')} cores)</td></tr>
<tr><th>Memory</th><td>${esc(machine.totalMemoryGiB ?? '-')} GiB</td></tr>
<tr><th>OS</th><td>${esc(machine.os ?? '-')}</td></tr>
<tr><th>Node</th><td>${esc(machine.node ?? '-')}</td></tr>
<tr><th>Settings</th><td>${esc(settingsText(config, results.only))}</td></tr>
</table>
<p class="hint">Absolute numbers depend on the hardware; compare ratios to the baseline, and only between
runs on the same machine. Baselines are drawn in <span style="color:${COLOURS.baseline}">orange</span>.</p>
<ul class="toc">
${toc}
</ul>
${scenarios.map(renderScenario).join('\n')}
</body>
</html>
`;
}

function settingsText(config, only) {
  const parts = [];
  if (config.durationSeconds !== undefined) parts.push(`${config.durationSeconds} s per run`);
  if (config.warmupSeconds !== undefined) parts.push(`${config.warmupSeconds} s warm-up`);
  if (config.connections !== undefined) parts.push(`${config.connections} connections`);
  if (only) parts.push(`BENCH_ONLY=${only.join(',')}`);
  return parts.join(', ') || '-';
}

function renderScenario(scenario) {
  // Charts go with the table of the same rows (a scenario may have several, e.g. HTTP runs and
  // asynchronous deliveries, whose latencies do not mean the same thing).
  const groups = tableGroups(scenario.rows ?? [], scenario.columns)
    .map((group) => `${groupCharts(group)}\n${htmlTable(group)}`)
    .join('\n');
  const notes = (scenario.notes ?? []).map((n) => `<li>${esc(n)}</li>`).join('\n');
  const failures = (scenario.failures ?? []).map((f) => `<li><pre>${esc(f)}</pre></li>`).join('\n');
  return `<section id="${anchor(scenario.name)}">
<h2>${esc(scenario.name)} ${scenario.ok ? '<span class="ok">ok</span>' : '<span class="bad">failed</span>'}</h2>
<p>${esc(scenario.description ?? '')}</p>
${groups}
${notes ? `<h3>Notes</h3>\n<ul class="notes">\n${notes}\n</ul>` : ''}
${failures ? `<h3>Failures</h3>\n<ul class="failures">\n${failures}\n</ul>` : ''}
</section>`;
}

/** The charts of one table's rows (those that ran): req/s, latency pairs, columns marked `chart`. */
function groupCharts({ columns, rows }) {
  const okRows = rows.filter((r) => r.status === undefined || r.status === 'ok');
  const labelOf = (key, fallback) => columns.find((c) => c.key === key)?.label ?? fallback;
  const rowLabel = (r) => String(r[columns[0]?.key] ?? r.target);
  const charts = [];
  const rateRows = okRows.filter((r) => isNumber(r.reqPerSec));
  if (rateRows.length > 0) {
    charts.push(
      barChart({
        title: `${labelOf('reqPerSec', 'req/s')}, higher is better`,
        rows: rateRows,
        value: (r) => r.reqPerSec,
        format: (v) => String(Math.round(v)),
        label: rowLabel,
      }),
    );
  }
  for (const pair of LATENCY_PAIRS) {
    const pairRows = okRows.filter((r) => isNumber(r[pair.low]) && isNumber(r[pair.high]));
    if (pairRows.length === 0) continue;
    const title = `${labelOf(pair.low, `${pair.title} p50 ms`)} / ${labelOf(pair.high, 'p99 ms')}, lower is better`;
    charts.push(pairChart({ ...pair, title, rows: pairRows, label: rowLabel }));
  }
  for (const column of columns.filter((c) => c.chart)) {
    const chartRows = okRows.filter((r) => isNumber(r[column.key]));
    if (chartRows.length === 0) continue;
    charts.push(
      barChart({
        title: column.label,
        rows: chartRows,
        value: (r) => r[column.key],
        format: (v) => formatValue(v, column),
        label: rowLabel,
      }),
    );
  }
  return charts.length > 0 ? `<div class="charts">${charts.join('\n')}</div>` : '';
}

function htmlTable({ columns, rows }) {
  const head = columns.map((c, i) => `<th${i === 0 ? '' : ' class="num"'}>${esc(c.label)}</th>`).join('');
  const body = rows
    .map((r) => {
      const cells = columns
        .map((c, i) => `<td${i === 0 ? '' : ' class="num"'}>${esc(formatCell(c, r, i))}</td>`)
        .join('');
      return `<tr${isBaseline(r) ? ' class="baseline"' : ''}>${cells}</tr>`;
    })
    .join('\n');
  return `<table class="data">\n<thead><tr>${head}</tr></thead>\n<tbody>\n${body}\n</tbody>\n</table>`;
}

/**
 * A baseline row: the mean of the bracketing baseline runs, a row that says it is one (`baseline:
 * true`, or in its name), or the row the ratios are relative to (its own ratio is exactly 1).
 */
function isBaseline(row) {
  return (
    row.kind === 'mean' ||
    row.baseline === true ||
    /baseline/i.test(String(row.target ?? '')) ||
    row.reqPerSecRatio === 1
  );
}

// Chart geometry, in SVG user units (the SVG scales to the page width).
const WIDTH = 760;
const LABEL_WIDTH = 230;
const VALUE_WIDTH = 110;
const BAR_HEIGHT = 18;
const GAP = 8;
const TOP = 30;

/** One bar per row. */
function barChart({ title, rows, value, format, label = (r) => String(r.target) }) {
  const values = rows.map(value);
  const scale = makeScale(values);
  const height = TOP + rows.length * (BAR_HEIGHT + GAP) + 6;
  const bars = rows
    .map((r, i) => {
      const y = TOP + i * (BAR_HEIGHT + GAP);
      const w = scale.width(values[i]);
      const colour = isBaseline(r) ? COLOURS.baseline : COLOURS.bar;
      return (
        `<text x="${LABEL_WIDTH - 8}" y="${y + BAR_HEIGHT - 5}" text-anchor="end">${esc(clip(label(r)))}</text>` +
        `<rect x="${LABEL_WIDTH}" y="${y}" width="${w.toFixed(1)}" height="${BAR_HEIGHT}" fill="${colour}"><title>${esc(label(r))}: ${esc(format(values[i]))}</title></rect>` +
        `<text x="${(LABEL_WIDTH + w + 5).toFixed(1)}" y="${y + BAR_HEIGHT - 5}">${esc(format(values[i]))}</text>`
      );
    })
    .join('\n');
  return svg(title + scale.suffix, height, bars);
}

/** Two bars per row (p50 above p99), one scale for both. */
function pairChart({ title, rows, low, high, label = (r) => String(r.target) }) {
  const values = rows.flatMap((r) => [r[low], r[high]]);
  const scale = makeScale(values);
  const pairHeight = 2 * BAR_HEIGHT + 2;
  const height = TOP + rows.length * (pairHeight + GAP) + 6;
  const bars = rows
    .map((r, i) => {
      const y = TOP + i * (pairHeight + GAP);
      const baseline = isBaseline(r);
      const bar = (key, dy, colour, name) => {
        const w = scale.width(r[key]);
        const text = `${name} ${r[key].toFixed(2)}`;
        return (
          `<rect x="${LABEL_WIDTH}" y="${y + dy}" width="${w.toFixed(1)}" height="${BAR_HEIGHT}" fill="${colour}"><title>${esc(label(r))}: ${esc(text)} ms</title></rect>` +
          `<text x="${(LABEL_WIDTH + w + 5).toFixed(1)}" y="${y + dy + BAR_HEIGHT - 5}">${esc(text)}</text>`
        );
      };
      return (
        `<text x="${LABEL_WIDTH - 8}" y="${y + BAR_HEIGHT + 5}" text-anchor="end">${esc(clip(label(r)))}</text>` +
        bar(low, 0, baseline ? COLOURS.lowBaseline : COLOURS.low, 'p50') +
        bar(high, BAR_HEIGHT + 2, baseline ? COLOURS.highBaseline : COLOURS.high, 'p99')
      );
    })
    .join('\n');
  return svg(title + scale.suffix, height, bars);
}

function svg(title, height, content) {
  return `<figure><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" role="img" aria-label="${esc(title)}">
<text x="0" y="16" class="title">${esc(title)}</text>
<line x1="${LABEL_WIDTH}" y1="${TOP - 4}" x2="${LABEL_WIDTH}" y2="${height - 4}" stroke="#999"/>
${content}
</svg></figure>`;
}

/**
 * Bar widths for these values: linear from 0, or log10 when the positive values span more than
 * a factor of 100 (then the shortest bar still shows).
 */
function makeScale(values) {
  const room = WIDTH - LABEL_WIDTH - VALUE_WIDTH;
  const positive = values.filter((v) => v > 0);
  const max = Math.max(0, ...positive);
  if (max === 0) return { width: () => 0, suffix: '' };
  const min = Math.min(...positive);
  if (max / min > 100) {
    // One decade below the smallest value is the origin.
    const lo = Math.log10(min) - 1;
    const hi = Math.log10(max);
    return {
      width: (v) => (v > 0 ? ((Math.log10(v) - lo) / (hi - lo)) * room : 0),
      suffix: ' (log scale)',
    };
  }
  return { width: (v) => (Math.max(0, v) / max) * room, suffix: '' };
}

function clip(text, max = 34) {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function anchor(name) {
  return `s-${String(name).replace(/[^a-zA-Z0-9_-]/g, '-')}`;
}

function esc(value) {
  return String(value)
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;');
}

function isNumber(value) {
  return typeof value === 'number' && Number.isFinite(value);
}

const CSS = `
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #222; max-width: 1000px;
  margin: 2em auto; padding: 0 1em; }
h1 { margin-bottom: 0.3em; }
h2 { border-top: 1px solid #ddd; padding-top: 1em; margin-top: 2em; }
.ok, .bad { font-size: 0.6em; padding: 0.15em 0.5em; border-radius: 0.3em; vertical-align: middle; color: #fff; }
.ok { background: #2e7d32; }
.bad { background: #c62828; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { padding: 0.25em 0.7em; border-bottom: 1px solid #e3e3e3; text-align: left; }
.num { text-align: right; font-variant-numeric: tabular-nums; }
table.data thead th { border-bottom: 2px solid #999; }
tr.baseline td { background: #fff4e0; }
.meta th { color: #555; font-weight: 600; }
.hint { color: #555; }
figure { margin: 1em 0; max-width: 100%; overflow-x: auto; }
svg { max-width: 100%; height: auto; font-size: 12px; font-family: inherit; }
svg text { fill: #222; }
svg text.title { font-weight: 600; font-size: 13px; }
.notes li { margin: 0.3em 0; }
.failures pre { white-space: pre-wrap; color: #b71c1c; margin: 0; }
`;
