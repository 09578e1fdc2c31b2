import { useState } from 'preact/hooks';
import { describeError } from './api';
import { timeAgo } from './format';
import { useLoad } from './hooks';
import { html } from './html';
import { functionTriggers } from './islet-api';
import { createEventSourceMapping, deleteEventSourceMapping, listEventSourceMappings } from './lambda-api';
import { page } from './page';

const kinesisArn = /^arn:aws[a-zA-Z-]*:kinesis:[a-z0-9-]+:\d{12}:stream\/[a-zA-Z0-9_.-]{1,128}$/;

/** Create an event source mapping (a Kinesis stream) for the function. */
function NewMapping({ name, onCreated }: { name: string; onCreated(): void }) {
  const [arn, setArn] = useState('');
  const [position, setPosition] = useState('LATEST');
  const [batch, setBatch] = useState('100');
  const [enabled, setEnabled] = useState(true);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    if (!kinesisArn.test(arn.trim()))
      return setError(
        `Enter a Kinesis stream ARN: arn:aws:kinesis:${page.region}:${page.account}:stream/NAME`,
      );
    const size = Number(batch);
    if (!Number.isInteger(size) || size < 1 || size > 10000) return setError('Batch size is 1 to 10000.');
    setBusy(true);
    setError('');
    try {
      await createEventSourceMapping({
        FunctionName: name,
        EventSourceArn: arn.trim(),
        StartingPosition: position,
        BatchSize: size,
        Enabled: enabled,
      });
      setArn('');
      onCreated();
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };
  return html`<form class="new-mapping" onSubmit=${submit} novalidate>
    <h3>Add a stream</h3>
    <div class="field">
      <label for="esm-arn">Kinesis stream ARN</label>
      <input id="esm-arn" value=${arn} spellcheck="false" placeholder=${`arn:aws:kinesis:${page.region}:${page.account}:stream/orders`}
        onInput=${(e: Event) => setArn((e.target as HTMLInputElement).value)} aria-describedby=${error ? 'esm-error' : undefined} />
    </div>
    <div class="row">
      <div class="field">
        <label for="esm-position">Starting position</label>
        <select id="esm-position" value=${position} onChange=${(e: Event) => setPosition((e.target as HTMLSelectElement).value)}>
          <option value="LATEST">LATEST (new records)</option><option value="TRIM_HORIZON">TRIM_HORIZON (oldest kept)</option>
        </select>
      </div>
      <div class="field">
        <label for="esm-batch">Batch size</label>
        <input id="esm-batch" type="number" min="1" max="10000" value=${batch} onInput=${(e: Event) => setBatch((e.target as HTMLInputElement).value)} />
      </div>
    </div>
    <label class="check"><input type="checkbox" checked=${enabled} onChange=${(e: Event) => setEnabled((e.target as HTMLInputElement).checked)} /> Enabled</label>
    ${error ? html`<p class="error" id="esm-error" role="alert">${error}</p>` : null}
    <div class="actions"><button type="submit" class="primary" disabled=${busy}>${busy ? 'Adding…' : 'Add mapping'}</button></div>
  </form>`;
}

/** The triggers tab: event source mappings (editable), bucket notifications and schedules (read-only). */
export function Triggers({ name }: { name: string }) {
  const mappings = useLoad(() => listEventSourceMappings(name), [name], 15_000);
  const others = useLoad(() => functionTriggers(name), [name]);
  const [failure, setFailure] = useState('');
  const remove = async (uuid: string) => {
    if (!confirm(`Delete the event source mapping ${uuid}? Its checkpoint is lost.`)) return;
    try {
      await deleteEventSourceMapping(uuid);
      setFailure('');
      mappings.reload();
    } catch (e) {
      setFailure(describeError(e));
    }
  };
  return html`<div class="triggers">
    <section>
      <h2>Event source mappings</h2>
      ${mappings.error ? html`<p class="error" role="alert">${describeError(mappings.error)}</p>` : null}
      ${failure ? html`<p class="error" role="alert">${failure}</p>` : null}
      ${
        mappings.data?.length
          ? html`<table class="list" aria-label="Event source mappings">
              <thead><tr><th scope="col">Source</th><th scope="col">State</th><th scope="col" class="num">Batch size</th><th scope="col">Starting position</th><th scope="col">Modified</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
              <tbody>${mappings.data.map(
                (m) => html`<tr key=${m.UUID}>
                  <td><code>${m.EventSourceArn}</code><div class="muted small">${m.UUID}</div></td>
                  <td>${m.State}</td><td class="num">${m.BatchSize}</td><td>${m.StartingPosition ?? '–'}</td>
                  <td>${m.LastModified ? timeAgo(m.LastModified * 1000) : '–'}</td>
                  <td><button type="button" class="small-button danger" onClick=${() => remove(m.UUID)} aria-label=${`Delete mapping ${m.UUID}`}>Delete</button></td>
                </tr>`,
              )}</tbody>
            </table>`
          : mappings.data
            ? html`<p class="muted">No event source mappings.</p>`
            : null
      }
      <${NewMapping} name=${name} onCreated=${mappings.reload} />
    </section>
    <section>
      <h2>Bucket notifications</h2>
      ${others.error ? html`<p class="error" role="alert">${describeError(others.error)}</p>` : null}
      ${
        others.data?.BucketNotifications.length
          ? html`<table class="list" aria-label="Bucket notifications">
              <thead><tr><th scope="col">Bucket</th><th scope="col">Events</th><th scope="col">Filter</th><th scope="col">Id</th></tr></thead>
              <tbody>${others.data.BucketNotifications.map(
                (
                  n,
                ) => html`<tr key=${`${n.Bucket}/${n.Id}`}><td><code>${n.Bucket}</code></td><td>${n.Events.join(', ')}</td>
                  <td>${[n.Prefix ? `prefix ${n.Prefix}` : '', n.Suffix ? `suffix ${n.Suffix}` : ''].filter(Boolean).join(', ') || '–'}</td><td>${n.Id}</td></tr>`,
              )}</tbody>
            </table>`
          : others.data
            ? html`<p class="muted">No bucket sends its events here. Set one up with <code>aws s3api put-bucket-notification-configuration</code> against islet.</p>`
            : null
      }
    </section>
    <section>
      <h2>Schedules</h2>
      ${
        others.data?.ScheduleRules.length
          ? html`<table class="list" aria-label="Schedule rules">
              <thead><tr><th scope="col">Rule</th><th scope="col">Schedule</th><th scope="col">State</th><th scope="col">Target id</th></tr></thead>
              <tbody>${others.data.ScheduleRules.map(
                (r) =>
                  html`<tr key=${`${r.Name}/${r.TargetId}`}><td><code>${r.Name}</code></td><td><code>${r.ScheduleExpression}</code></td><td>${r.State}</td><td>${r.TargetId}</td></tr>`,
              )}</tbody>
            </table>`
          : others.data
            ? html`<p class="muted">No schedule rule targets this function (<code>aws events put-rule</code> and <code>put-targets</code>).</p>`
            : null
      }
    </section>
  </div>`;
}
