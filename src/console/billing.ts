import { useState } from 'preact/hooks';
import { describeError } from './api';
import { download } from './download';
import { formatNumber, formatUsd, utcDay } from './format';
import { useLoad } from './hooks';
import { html } from './html';
import { billing, billingCsv } from './islet-api';

const dayPattern = /^\d{4}-\d{2}-\d{2}$/;

/** The billing ledger: usage and cost per function per day, with the month's free tier applied. */
export function BillingView() {
  const today = utcDay();
  const [from, setFrom] = useState(`${today.slice(0, 8)}01`);
  const [to, setTo] = useState(today);
  const valid = dayPattern.test(from) && dayPattern.test(to) && from <= to;
  const ledger = useLoad(
    () =>
      valid ? billing(from, to) : Promise.reject(new Error('Pick a start date on or before the end date.')),
    [from, to],
  );
  const [csvError, setCsvError] = useState('');
  const saveCsv = async () => {
    try {
      download(`islet-billing-${from}-to-${to}.csv`, await billingCsv(from, to), 'text/csv');
      setCsvError('');
    } catch (e) {
      setCsvError(describeError(e));
    }
  };
  const d = ledger.data;
  return html`<section class="page">
    <h1>Billing</h1>
    <p class="muted">Requests and compute (billed duration × memory, in 100 ms units), priced per day; the account's monthly free tier is used first. Dates are UTC.</p>
    <div class="toolbar">
      <label for="bill-from" class="inline-label">From</label>
      <input id="bill-from" type="date" value=${from} max=${today} onInput=${(e: Event) => setFrom((e.target as HTMLInputElement).value)} />
      <label for="bill-to" class="inline-label">To</label>
      <input id="bill-to" type="date" value=${to} max=${today} onInput=${(e: Event) => setTo((e.target as HTMLInputElement).value)} />
      <button type="button" onClick=${saveCsv} disabled=${!valid}>Download CSV</button>
    </div>
    ${csvError ? html`<p class="error" role="alert">${csvError}</p>` : null}
    ${ledger.error ? html`<p class="error" role="alert">${describeError(ledger.error)}</p>` : null}
    ${
      d
        ? html`<dl class="totals" data-testid="billing-totals">
            <div><dt>Requests</dt><dd>${formatNumber(d.totals.requests)}</dd></div>
            <div><dt>GB-seconds</dt><dd>${formatNumber(d.totals.gbSeconds, 3)}</dd></div>
            <div><dt>Billed duration</dt><dd>${formatNumber(d.totals.billedDurationMs / 1000, 1)} s</dd></div>
            <div><dt>CPU time</dt><dd>${formatNumber(d.totals.cpuTimeMs / 1000, 2)} s</dd></div>
            <div><dt>Before free tier</dt><dd>${formatUsd(d.totals.grossCost)}</dd></div>
            <div><dt>To pay</dt><dd>${formatUsd(d.totals.cost)}</dd></div>
          </dl>
          ${
            d.lines.length
              ? html`<table class="list" aria-label="Billing ledger">
                  <thead><tr><th scope="col">Date</th><th scope="col">Function</th><th scope="col" class="num">Requests</th><th scope="col" class="num">Billed (s)</th>
                    <th scope="col" class="num">GB-seconds</th><th scope="col" class="num">CPU (s)</th><th scope="col" class="num">Cost</th></tr></thead>
                  <tbody>${d.lines.map(
                    (
                      l,
                    ) => html`<tr key=${`${l.date}/${l.functionName}`}><td>${l.date}</td><td>${l.functionName}</td>
                      <td class="num">${formatNumber(l.requests)}</td><td class="num">${formatNumber(l.billedMs / 1000, 1)}</td>
                      <td class="num">${formatNumber(l.gbSeconds, 3)}</td><td class="num">${formatNumber(l.cpuMs / 1000, 2)}</td>
                      <td class="num">${formatUsd(l.cost)}</td></tr>`,
                  )}</tbody>
                </table>`
              : html`<p class="muted">No usage between ${d.from} and ${d.to}.</p>`
          }`
        : null
    }
  </section>`;
}
