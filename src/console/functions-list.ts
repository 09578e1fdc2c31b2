import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { describeError } from './api';
import { bucketize, Sparkline } from './charts';
import { getMetricData } from './cloudwatch-api';
import { formatNumber, timeAgo } from './format';
import { useLoad } from './hooks';
import { html } from './html';
import { type FunctionConfiguration, listFunctions } from './lambda-api';
import { href, navigate } from './router';

const hourMs = 3_600_000;
const minuteMs = 60_000;

/** Requests and errors per minute over the last hour, per function. */
async function lastHour(names: string[]) {
  const end = Math.ceil(Date.now() / minuteMs) * minuteMs;
  const start = end - hourMs;
  const data = await getMetricData(
    names.flatMap((name, i) => [
      { id: `r${i}`, metric: 'Invocations', stat: 'Sum', functionName: name },
      { id: `e${i}`, metric: 'Errors', stat: 'Sum', functionName: name },
    ]),
    start,
    end,
    60,
  );
  const out = new Map<string, { requests: Array<number | null>; errors: number }>();
  names.forEach((name, i) => {
    out.set(name, {
      requests: bucketize(data.get(`r${i}`), start, minuteMs, 60, 0),
      errors: (data.get(`e${i}`)?.values ?? []).reduce((a, b) => a + b, 0),
    });
  });
  return out;
}

function matches(f: FunctionConfiguration, q: string): boolean {
  if (!q) return true;
  const needle = q.toLowerCase();
  return [f.FunctionName, f.Description, f.Runtime, f.Handler].some((s) => s?.toLowerCase().includes(needle));
}

/** The function list: filter, keyboard navigation, and live request sparklines and error counts. */
export function FunctionsList() {
  const fns = useLoad(listFunctions, [], 30_000);
  const names = useMemo(() => (fns.data ?? []).map((f) => f.FunctionName), [fns.data]);
  const metrics = useLoad(
    () =>
      names.length ? lastHour(names) : Promise.resolve(new Map() as Awaited<ReturnType<typeof lastHour>>),
    [names.join('\n')],
    10_000,
  );
  const [filter, setFilter] = useState('');
  const [active, setActive] = useState(0);
  const filterRef = useRef<HTMLInputElement>(null);
  const tableRef = useRef<HTMLTableSectionElement>(null);
  const shown = (fns.data ?? [])
    .filter((f) => matches(f, filter))
    .sort((a, b) => a.FunctionName.localeCompare(b.FunctionName));

  // "/" anywhere on the page (outside a text field) goes to the filter.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement | null;
      if (e.key !== '/' || e.ctrlKey || e.metaKey || e.altKey) return;
      if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
      e.preventDefault();
      filterRef.current?.focus();
    };
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  }, []);

  const focusRow = (i: number) => {
    const rows = tableRef.current?.querySelectorAll<HTMLTableRowElement>('tr');
    if (!rows?.length) return;
    const k = Math.max(0, Math.min(rows.length - 1, i));
    setActive(k);
    rows[k].focus();
  };
  const onRowKey = (e: KeyboardEvent, i: number, name: string) => {
    if (e.key === 'ArrowDown' || e.key === 'j') focusRow(i + 1);
    else if (e.key === 'ArrowUp' || e.key === 'k') {
      if (i === 0) filterRef.current?.focus();
      else focusRow(i - 1);
    } else if (e.key === 'Home') focusRow(0);
    else if (e.key === 'End') focusRow(shown.length - 1);
    else if (e.key === 'Enter') navigate({ view: 'function', name, tab: 'code' });
    else if (e.key === '/') filterRef.current?.focus();
    else return;
    e.preventDefault();
  };

  const metricsNote = metrics.error
    ? html`<p class="muted" role="status">Request charts are unavailable: ${describeError(metrics.error)}</p>`
    : null;

  return html`<section class="page">
    <div class="page-head">
      <h1>Functions</h1>
      <a class="button primary" href="#/create">Create function</a>
    </div>
    <div class="toolbar">
      <label for="fn-filter" class="visually-hidden">Filter functions</label>
      <input id="fn-filter" ref=${filterRef} type="search" placeholder="Filter functions (press /)" value=${filter}
        onInput=${(e: Event) => {
          setFilter((e.target as HTMLInputElement).value);
          setActive(0);
        }}
        onKeyDown=${(e: KeyboardEvent) => {
          if (e.key === 'ArrowDown') {
            e.preventDefault();
            focusRow(0);
          } else if (e.key === 'Enter' && shown.length === 1)
            navigate({ view: 'function', name: shown[0].FunctionName, tab: 'code' });
        }} />
      <span class="muted" aria-live="polite">${fns.data ? `${shown.length} of ${fns.data.length}` : ''}</span>
    </div>
    ${fns.error ? html`<p class="error" role="alert">Could not list functions: ${describeError(fns.error)}</p>` : null}
    ${metricsNote}
    ${
      fns.data && fns.data.length === 0
        ? html`<div class="empty"><p>No functions yet.</p><a class="button primary" href="#/create">Create your first function</a></div>`
        : !fns.data
          ? null
          : html`<table class="list" aria-label="Functions">
          <thead><tr>
            <th scope="col">Name</th><th scope="col">Runtime</th><th scope="col" class="num">Memory</th>
            <th scope="col" class="num">Timeout</th><th scope="col">Last modified</th>
            <th scope="col">Requests (1 h)</th><th scope="col" class="num">Errors (1 h)</th>
          </tr></thead>
          <tbody ref=${tableRef}>
            ${shown.map((f, i) => {
              const m = metrics.data?.get(f.FunctionName);
              const total = m
                ? m.requests.reduce((a: number, b: number | null) => a + (b ?? 0), 0)
                : undefined;
              return html`<tr key=${f.FunctionName} tabIndex=${i === active ? 0 : -1} data-function=${f.FunctionName}
                  onKeyDown=${(e: KeyboardEvent) => onRowKey(e, i, f.FunctionName)} onFocus=${() => setActive(i)}
                  onClick=${(e: MouseEvent) => {
                    if (!(e.target as HTMLElement).closest('a'))
                      navigate({ view: 'function', name: f.FunctionName, tab: 'code' });
                  }}>
                <td><a href=${href({ view: 'function', name: f.FunctionName, tab: 'code' })} tabIndex=${-1}>${f.FunctionName}</a>
                  ${f.Description ? html`<div class="muted small">${f.Description}</div>` : null}</td>
                <td>${f.Runtime}</td>
                <td class="num">${f.MemorySize} MB</td>
                <td class="num">${f.Timeout} s</td>
                <td><time datetime=${f.LastModified} title=${f.LastModified}>${timeAgo(f.LastModified)}</time></td>
                <td class="spark">${
                  m
                    ? html`<${Sparkline} values=${m.requests} label=${`${total} requests in the last hour`} /><span class="spark-total">${formatNumber(total ?? 0)}</span>`
                    : html`<span class="muted">–</span>`
                }</td>
                <td class=${`num${m && m.errors > 0 ? ' bad' : ''}`}>${m ? formatNumber(m.errors) : '–'}</td>
              </tr>`;
            })}
          </tbody>
        </table>`
    }
    <p class="muted small">Keys: <kbd>/</kbd> filter, <kbd>↑</kbd> <kbd>↓</kbd> move, <kbd>Enter</kbd> open.</p>
  </section>`;
}
