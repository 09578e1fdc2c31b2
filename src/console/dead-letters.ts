import { useState } from 'preact/hooks';
import { describeError } from './api';
import { formatNumber, timeAgo } from './format';
import { useLoad } from './hooks';
import { html } from './html';
import { type DeadLetter, deleteDeadLetter, listDeadLetters, redriveDeadLetter } from './islet-api';
import { listFunctions } from './lambda-api';

/** Dead letters: asynchronous events that failed every attempt and had no on-failure destination. */
export function DeadLetters() {
  const [fn, setFn] = useState('');
  const [more, setMore] = useState<DeadLetter[]>([]);
  const [marker, setMarker] = useState<string | null>(null);
  const [message, setMessage] = useState<{ kind: 'ok' | 'error'; text: string } | undefined>();
  const functions = useLoad(listFunctions, []);
  const page = useLoad(async () => {
    const first = await listDeadLetters(fn || undefined);
    setMore([]);
    setMarker(first.NextMarker);
    return first.DeadLetters;
  }, [fn]);
  const items = [...(page.data ?? []), ...more];

  const loadMore = async () => {
    if (!marker) return;
    try {
      const next = await listDeadLetters(fn || undefined, marker);
      setMore((m) => [...m, ...next.DeadLetters]);
      setMarker(next.NextMarker);
    } catch (e) {
      setMessage({ kind: 'error', text: describeError(e) });
    }
  };
  const act = async (what: 'redrive' | 'delete', d: DeadLetter) => {
    if (what === 'delete' && !confirm(`Delete the dead letter ${d.EventId}? The event is lost.`)) return;
    try {
      if (what === 'redrive') await redriveDeadLetter(d.EventId);
      else await deleteDeadLetter(d.EventId);
      setMessage({
        kind: 'ok',
        text:
          what === 'redrive'
            ? `Event ${d.EventId} is queued to run again.`
            : `Event ${d.EventId} was deleted.`,
      });
      page.reload();
    } catch (e) {
      setMessage({ kind: 'error', text: describeError(e) });
    }
  };

  return html`<section class="page">
    <h1>Dead letters</h1>
    <p class="muted">Asynchronous events that failed every retry and had no on-failure destination. Redrive runs one again (with its retries); delete drops it.</p>
    <div class="toolbar">
      <label for="dl-function" class="inline-label">Function</label>
      <select id="dl-function" value=${fn} onChange=${(e: Event) => setFn((e.target as HTMLSelectElement).value)}>
        <option value="">All functions</option>
        ${(functions.data ?? []).map((f) => html`<option value=${f.FunctionName}>${f.FunctionName}</option>`)}
      </select>
      <button type="button" onClick=${page.reload}>Refresh</button>
    </div>
    ${message ? html`<p class=${message.kind === 'ok' ? 'notice' : 'error'} role=${message.kind === 'ok' ? 'status' : 'alert'}>${message.text}</p>` : null}
    ${page.error ? html`<p class="error" role="alert">${describeError(page.error)}</p>` : null}
    ${
      page.data && items.length === 0
        ? html`<p class="muted empty" data-testid="dead-letters-empty">No dead letters${fn ? ` for ${fn}` : ''}.</p>`
        : items.length
          ? html`<table class="list" aria-label="Dead letters">
              <thead><tr><th scope="col">Event</th><th scope="col">Function</th><th scope="col">Failed</th><th scope="col" class="num">Attempts</th><th scope="col">Record</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
              <tbody>${items.map(
                (d) => html`<tr key=${d.EventId}>
                  <td><code>${d.EventId}</code></td>
                  <td><a href=${`#/functions/${encodeURIComponent(d.FunctionName)}/logs`}>${d.FunctionName}</a></td>
                  <td><time datetime=${d.EnqueuedAt} title=${d.EnqueuedAt}>${timeAgo(d.EnqueuedAt)}</time></td>
                  <td class="num">${formatNumber(d.ApproximateInvokeCount)}</td>
                  <td>${d.Record === undefined ? '–' : html`<details><summary>Show</summary><pre class="json">${JSON.stringify(d.Record, null, 2)}</pre></details>`}</td>
                  <td class="row-actions">
                    <button type="button" class="small-button" onClick=${() => act('redrive', d)} aria-label=${`Redrive ${d.EventId}`}>Redrive</button>
                    <button type="button" class="small-button danger" onClick=${() => act('delete', d)} aria-label=${`Delete ${d.EventId}`}>Delete</button>
                  </td>
                </tr>`,
              )}</tbody>
            </table>`
          : null
    }
    ${marker ? html`<button type="button" onClick=${loadMore}>Load more</button>` : null}
  </section>`;
}
