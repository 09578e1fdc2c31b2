/**
 * Output of a benchmark run: a Markdown table for humans (pasted into bench/README.md) and
 * bench/results/latest.json for machines (comparing runs, spotting regressions).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from './process.mjs';

/** biome.json's formatter.lineWidth. */
const JSON_LINE_WIDTH = 110;

export const RESULTS_FILE = path.join(REPO_ROOT, 'bench', 'results', 'latest.json');

/** Numbers only compare between runs on the same hardware, so every result records where it ran. */
export function machineInfo() {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    totalMemoryBytes: os.totalmem(),
    totalMemoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    date: new Date().toISOString(),
  };
}

/**
 * The columns of a table, by row kind: 'run' and 'mean' rows are HTTP load runs; 'delivery' rows
 * are asynchronous deliveries (events accepted by islet, then run by a function), which have no
 * request rate or response latency of their own.
 */
const RUN_COLUMNS = [
  ['Target', (r) => r.target],
  ['req/s', (r) => String(Math.round(r.reqPerSec))],
  ['p50 ms', (r) => formatMs(r.p50)],
  ['p99 ms', (r) => formatMs(r.p99)],
  ['errors', (r) => String(r.errors)],
  ['req/s vs Hono', (r) => formatRatio(r.reqPerSecRatio)],
  ['p99 vs Hono', (r) => formatRatio(r.p99Ratio)],
];
const DELIVERY_COLUMNS = [
  ['Delivery', (r) => r.target],
  ['accepted', (r) => String(r.accepted)],
  ['delivered', (r) => String(r.delivered)],
  ['drain s', (r) => r.drainSeconds.toFixed(1)],
  ['events/s', (r) => String(Math.round(r.eventsPerSec))],
  ['e2e p50 ms', (r) => formatMs(r.p50)],
  ['e2e p99 ms', (r) => formatMs(r.p99)],
];
const COLUMNS_BY_KIND = { run: RUN_COLUMNS, mean: RUN_COLUMNS, delivery: DELIVERY_COLUMNS };

/**
 * One row per target, one table per kind of row (consecutive rows of the same kind share a
 * table; tables are separated by a blank line). Rows that did not run (skipped or failed) show
 * dashes, so the table keeps its shape and the reason is printed under it. Columns are padded the
 * way biome formats Markdown tables, so the output can be pasted into bench/README.md as is and
 * still pass `npm run lint`.
 */
export function markdownTable(rows) {
  const groups = [];
  for (const row of rows) {
    const columns = COLUMNS_BY_KIND[row.kind] ?? RUN_COLUMNS;
    if (groups.at(-1)?.columns !== columns) groups.push({ columns, rows: [] });
    groups.at(-1).rows.push(row);
  }
  return groups.map((g) => singleTable(g.columns, g.rows)).join('\n\n');
}

function singleTable(columns, rows) {
  const header = columns.map(([title]) => title);
  const body = rows.map((r) =>
    r.status === 'ok'
      ? columns.map(([, cell]) => cell(r))
      : [`${r.target} (${r.status})`, ...columns.slice(1).map(() => '-')],
  );
  // The first column is text (left-aligned); the others are numbers (right-aligned).
  const widths = header.map((_, i) => Math.max(...[header, ...body].map((cells) => cells[i].length)));
  const pad = (cells) =>
    cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i])));
  const separator = widths.map((w, i) => (i === 0 ? '-'.repeat(w) : `${'-'.repeat(w - 1)}:`));
  return [pad(header), separator, ...body.map(pad)].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}

/** Written to a temporary file then renamed, so an interrupted run never leaves half a JSON file. */
export function writeResults(results) {
  fs.mkdirSync(path.dirname(RESULTS_FILE), { recursive: true });
  const tmp = `${RESULTS_FILE}.tmp`;
  fs.writeFileSync(tmp, `${formatJson(results)}\n`);
  fs.renameSync(tmp, RESULTS_FILE);
}

/**
 * JSON.stringify with 2-space indentation, except that an array of plain values goes on one line
 * when that line fits in 110 columns. That is how biome formats JSON, and `npm run lint` checks
 * bench/, so a committed latest.json must come out already formatted.
 */
// indent, prefix (the key) and suffix (the comma) are for the recursion.
export function formatJson(value, indent = '', prefix = '', suffix = '') {
  const line = (text) => `${indent}${prefix}${text}${suffix}`;
  if (value === null || typeof value !== 'object') return line(JSON.stringify(value) ?? 'null');
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return line('[]');
    if (value.every((v) => v === null || typeof v !== 'object')) {
      const inline = line(`[${value.map((v) => JSON.stringify(v) ?? 'null').join(', ')}]`);
      if (inline.length <= JSON_LINE_WIDTH) return inline;
    }
    const items = value.map((v, i) => formatJson(v, inner, '', i < value.length - 1 ? ',' : ''));
    return [`${indent}${prefix}[`, ...items, `${indent}]${suffix}`].join('\n');
  }
  // Like JSON.stringify, leave out undefined values.
  const entries = Object.entries(value).filter(([, v]) => v !== undefined && typeof v !== 'function');
  if (entries.length === 0) return line('{}');
  const items = entries.map(([k, v], i) =>
    formatJson(v, inner, `${JSON.stringify(k)}: `, i < entries.length - 1 ? ',' : ''),
  );
  return [`${indent}${prefix}{`, ...items, `${indent}}${suffix}`].join('\n');
}

function formatMs(ms) {
  return ms.toFixed(2);
}

function formatRatio(ratio) {
  return ratio === undefined || !Number.isFinite(ratio) ? '-' : `${ratio.toFixed(2)}x`;
}
