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
 * The default columns, by row kind, for scenarios that do not export their own: 'run' and 'mean'
 * rows are HTTP load runs; 'delivery' rows are asynchronous deliveries (events accepted by islet,
 * then run by a function), which have no request rate or response latency of their own.
 *
 * A column is `{ key, label, format? }`: the cell shows `row[key]`, formatted by `format` (one of
 * FORMATS' names, or a function of the row) or, without one, by a guess from the key, the label
 * and the value (see formatValue).
 */
export const RUN_COLUMNS = [
  { key: 'target', label: 'Target', format: 'text' },
  { key: 'reqPerSec', label: 'req/s', format: 'int' },
  { key: 'p50', label: 'p50 ms', format: 'ms' },
  { key: 'p99', label: 'p99 ms', format: 'ms' },
  { key: 'errors', label: 'errors', format: 'int' },
  { key: 'reqPerSecRatio', label: 'req/s vs Hono', format: 'ratio' },
  { key: 'p99Ratio', label: 'p99 vs Hono', format: 'ratio' },
];
const DELIVERY_COLUMNS = [
  { key: 'target', label: 'Delivery', format: 'text' },
  { key: 'accepted', label: 'accepted', format: 'int' },
  { key: 'delivered', label: 'delivered', format: 'int' },
  // An incomplete drain (timed out) shows as a lower bound.
  {
    key: 'drainSeconds',
    label: 'drain s',
    format: (r) =>
      isNumber(r.drainSeconds) ? `${r.complete === false ? '>' : ''}${r.drainSeconds.toFixed(1)}` : '-',
  },
  { key: 'eventsPerSec', label: 'events/s', format: 'int' },
  { key: 'p50', label: 'e2e p50 ms', format: 'ms' },
  { key: 'p99', label: 'e2e p99 ms', format: 'ms' },
];
const COLUMNS_BY_KIND = { run: RUN_COLUMNS, mean: RUN_COLUMNS, delivery: DELIVERY_COLUMNS };

/** Cell formats a column can name. Missing values (undefined, null, NaN) show as '-' in every one. */
const FORMATS = {
  text: (v) => String(v),
  /** Whole numbers, rounded. */
  int: (v) => String(Math.round(v)),
  /** Milliseconds, two decimals. */
  ms: (v) => v.toFixed(2),
  /** One decimal (seconds, MB, KB...). */
  fixed1: (v) => v.toFixed(1),
  fixed2: (v) => v.toFixed(2),
  ratio: (v) => formatRatio(v),
};

/**
 * The tables of a scenario: `columns` as the scenario exports them, either an array (one table
 * for every row) or an object of arrays by row kind; without them (or for a kind they do not
 * cover), the default columns of the row's kind. Consecutive rows with the same columns share a
 * table. Returns `[{ columns, rows }]`, for the Markdown and HTML reports alike.
 */
export function tableGroups(rows, columns) {
  const groups = [];
  for (const row of rows) {
    const cols =
      (Array.isArray(columns) ? columns : columns?.[row.kind]) ?? COLUMNS_BY_KIND[row.kind] ?? RUN_COLUMNS;
    if (groups.at(-1)?.columns !== cols) groups.push({ columns: cols, rows: [] });
    groups.at(-1).rows.push(row);
  }
  return groups;
}

/**
 * The text of one cell. Rows that did not run (skipped or failed) show their status after the
 * first column's value and '-' elsewhere, so the table keeps its shape (the reason is printed
 * under it).
 */
export function formatCell(column, row, index) {
  if (row.status !== undefined && row.status !== 'ok') {
    return index === 0 ? `${row[column.key] ?? row.target} (${row.status})` : '-';
  }
  if (typeof column.format === 'function') return column.format(row);
  return formatValue(row[column.key], column);
}

/**
 * A value as text, by the column's `format` or, without one: '-' when missing; strings as they
 * are; booleans as yes/no; ratios (a key ending in `Ratio`, or ` vs ` in the label) as `0.80x`;
 * milliseconds (a label with `ms`, a key like `p99` or ending in `Ms`) with two decimals; whole
 * numbers as they are; rates (`/s` in the label, `PerSec` in the key) rounded; anything else
 * with two decimals.
 */
export function formatValue(value, column = {}) {
  if (value === undefined || value === null || (typeof value === 'number' && Number.isNaN(value))) {
    return '-';
  }
  const named = FORMATS[column.format];
  if (named) return typeof value === 'number' || column.format === 'text' ? named(value) : String(value);
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (typeof value !== 'number') return String(value);
  const key = column.key ?? '';
  const label = column.label ?? '';
  if (/Ratio$/.test(key) || / vs /.test(label)) return formatRatio(value);
  if (/\bms\b/.test(label) || /^p\d+$|Ms$/.test(key)) return formatMs(value);
  if (Number.isInteger(value)) return String(value);
  if (/\/s\b/.test(label) || /PerSec/.test(key)) return String(Math.round(value));
  return value.toFixed(2);
}

/**
 * One table per group of rows (see tableGroups; tables are separated by a blank line), with the
 * scenario's `columns` when it exports them. Columns are padded the way biome formats Markdown
 * tables, so the output can be pasted into bench/README.md as is and still pass `npm run lint`.
 */
export function markdownTable(rows, columns) {
  return tableGroups(rows, columns)
    .map((g) => singleTable(g.columns, g.rows))
    .join('\n\n');
}

function singleTable(columns, rows) {
  const header = columns.map((c) => escapeCell(c.label));
  const body = rows.map((r) => columns.map((c, i) => escapeCell(formatCell(c, r, i))));
  // The first column is text (left-aligned); the others are numbers (right-aligned).
  const widths = header.map((_, i) => Math.max(3, ...[header, ...body].map((cells) => cells[i].length)));
  const pad = (cells) =>
    cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i])));
  const separator = widths.map((w, i) => (i === 0 ? '-'.repeat(w) : `${'-'.repeat(w - 1)}:`));
  return [pad(header), separator, ...body.map(pad)].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}

/** A pipe would end the cell early. */
function escapeCell(text) {
  return String(text).replaceAll('|', '\\|');
}

function isNumber(value) {
  return typeof value === 'number' && Number.isFinite(value);
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
      // biome fills a long array of numbers: as many per line as fit.
      if (value.every((v) => typeof v === 'number')) return fillLines(value, indent, prefix, suffix);
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

/** An array of numbers as biome lays one out that does not fit on a line: filled, line by line. */
function fillLines(numbers, indent, prefix, suffix) {
  const inner = `${indent}  `;
  const lines = [];
  let current = '';
  numbers.forEach((n, i) => {
    const item = `${JSON.stringify(n)}${i < numbers.length - 1 ? ',' : ''}`;
    const candidate = current ? `${current} ${item}` : item;
    if (current && inner.length + candidate.length > JSON_LINE_WIDTH) {
      lines.push(inner + current);
      current = item;
    } else current = candidate;
  });
  lines.push(inner + current);
  return [`${indent}${prefix}[`, ...lines, `${indent}]${suffix}`].join('\n');
}

function formatMs(ms) {
  return isNumber(ms) ? ms.toFixed(2) : '-';
}

function formatRatio(ratio) {
  if (ratio === undefined || !Number.isFinite(ratio)) return '-';
  // Two significant digits for small ratios, which two decimals would show as 0.00x.
  return `${ratio >= 0.1 || ratio === 0 ? ratio.toFixed(2) : ratio.toPrecision(2)}x`;
}
