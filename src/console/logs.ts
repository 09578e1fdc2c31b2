import { useEffect, useRef, useState } from 'preact/hooks';
import { describeError } from './api';
import { filterLogEvents, type LogEvent } from './cloudwatch-api';
import { timestamp } from './format';
import { useDebounced } from './hooks';
import { html } from './html';

const windows = { '15m': 900_000, '1h': 3_600_000, '24h': 86_400_000, '7d': 7 * 86_400_000 } as const;
type WindowKey = keyof typeof windows;
/** Most events kept on screen; the oldest go first. */
const maxEvents = 2000;
/** Most pages read per refresh. */
const maxPages = 10;

const keyOf = (e: LogEvent) => e.eventId ?? `${e.logStreamName ?? ''}\u0000${e.timestamp}\u0000${e.message}`;

/** Events of the log group from `startTime` on, every page up to the cap. */
async function fetchFrom(name: string, startTime: number, filterPattern: string): Promise<LogEvent[]> {
  const out: LogEvent[] = [];
  let nextToken: string | undefined;
  for (let page = 0; page < maxPages; page++) {
    const res = await filterLogEvents(name, { startTime, filterPattern, nextToken });
    out.push(...(res.events ?? []));
    nextToken = res.nextToken || undefined;
    if (!nextToken) break;
  }
  return out;
}

/** The logs tab: recent invocations' log events (FilterLogEvents), a filter and auto-refresh. */
export function LogsView({ name }: { name: string }) {
  const [win, setWin] = useState<WindowKey>('1h');
  const [filter, setFilter] = useState('');
  const pattern = useDebounced(filter.trim(), 400);
  const [auto, setAuto] = useState(true);
  const [events, setEvents] = useState<LogEvent[]>([]);
  const [error, setError] = useState<unknown>();
  const [loading, setLoading] = useState(true);
  const listRef = useRef<HTMLOListElement>(null);
  const generation = useRef(0);
  const latest = useRef<LogEvent[]>([]);

  const merge = (incoming: LogEvent[], replace: boolean) => {
    const byKey = new Map<string, LogEvent>();
    for (const e of replace ? [] : latest.current) byKey.set(keyOf(e), e);
    for (const e of incoming) byKey.set(keyOf(e), e);
    const all = [...byKey.values()].sort((a, b) => a.timestamp - b.timestamp).slice(-maxEvents);
    latest.current = all;
    const el = listRef.current;
    const atBottom = !el || el.scrollHeight - el.scrollTop - el.clientHeight < 40;
    setEvents(all);
    if (atBottom) {
      requestAnimationFrame(() => {
        const list = listRef.current;
        if (list) list.scrollTop = list.scrollHeight;
      });
    }
  };

  const refresh = async (full: boolean) => {
    const g = ++generation.current;
    setLoading(true);
    try {
      const last = latest.current[latest.current.length - 1];
      const start = full || !last ? Date.now() - windows[win] : last.timestamp;
      const got = await fetchFrom(name, start, pattern);
      if (g !== generation.current) return;
      merge(got, full);
      setError(undefined);
    } catch (e) {
      if (g === generation.current) setError(e);
    } finally {
      if (g === generation.current) setLoading(false);
    }
  };

  useEffect(() => {
    latest.current = [];
    setEvents([]);
    refresh(true);
  }, [name, win, pattern]);

  useEffect(() => {
    if (!auto) return;
    const t = setInterval(() => {
      if (document.visibilityState === 'visible') refresh(false);
    }, 5000);
    return () => clearInterval(t);
  }, [auto, name, win, pattern]);

  return html`<div class="logs">
    <div class="toolbar">
      <label for="log-filter" class="visually-hidden">Filter log events</label>
      <input id="log-filter" type="search" placeholder='Filter pattern, e.g. ERROR or "timed out"' value=${filter}
        onInput=${(e: Event) => setFilter((e.target as HTMLInputElement).value)} />
      <label for="log-window" class="inline-label">Since</label>
      <select id="log-window" value=${win} onChange=${(e: Event) => setWin((e.target as HTMLSelectElement).value as WindowKey)}>
        <option value="15m">15 minutes ago</option><option value="1h">1 hour ago</option>
        <option value="24h">24 hours ago</option><option value="7d">7 days ago</option>
      </select>
      <label class="check"><input type="checkbox" checked=${auto} onChange=${(e: Event) => setAuto((e.target as HTMLInputElement).checked)} /> Auto-refresh (5 s)</label>
      <button type="button" onClick=${() => refresh(true)}>Refresh</button>
      <span class="muted small" role="status">${loading ? 'Loading…' : `${events.length} events`}</span>
    </div>
    ${error ? html`<p class="error" role="alert">Could not read the logs: ${describeError(error)}</p>` : null}
    ${
      events.length === 0 && !loading && !error
        ? html`<p class="muted">No log events in this window${pattern ? ' match the filter' : ''}. Invoke the function (Test tab) to see some.</p>`
        : html`<ol class="log-events" ref=${listRef} tabIndex=${0} aria-label="Log events">
            ${events.map((e) => {
              const platform = /^(START|END|REPORT|INIT_START) /.test(e.message);
              return html`<li key=${keyOf(e)} class=${platform ? 'platform' : ''}>
                <time datetime=${new Date(e.timestamp).toISOString()}>${timestamp(e.timestamp)}</time>
                <pre>${e.message.replace(/\n$/, '')}</pre>
              </li>`;
            })}
          </ol>`
    }
  </div>`;
}
