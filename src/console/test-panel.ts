import type { EditorState } from '@codemirror/state';
import { useMemo, useRef, useState } from 'preact/hooks';
import { describeError } from './api';
import { CodeMirror, editorState } from './editor';
import { prettyJson } from './format';
import { useLoad } from './hooks';
import { html } from './html';
import { type SampleEvent, sampleEvents } from './islet-api';
import { type InvokeResult, invoke } from './lambda-api';
import { parseReport } from './report';

/** A test event saved for one function, in this browser's localStorage. */
interface SavedEvent {
  name: string;
  json: string;
}

const storageKey = (fn: string) => `islet.testEvents.${fn}`;

function savedEvents(fn: string): SavedEvent[] {
  try {
    const v = JSON.parse(localStorage.getItem(storageKey(fn)) ?? '[]') as SavedEvent[];
    return Array.isArray(v)
      ? v.filter((e) => typeof e?.name === 'string' && typeof e?.json === 'string')
      : [];
  } catch {
    return [];
  }
}

function storeEvents(fn: string, events: SavedEvent[]): void {
  localStorage.setItem(storageKey(fn), JSON.stringify(events));
}

type Choice = { kind: 'sample'; name: string } | { kind: 'saved'; name: string };
const choiceValue = (c: Choice) => `${c.kind}:${c.name}`;

/** The test tab: pick a sample or saved event, edit it, invoke with the log tail, read the result. */
export function TestPanel(props: { name: string; codeDirty: boolean; onSaveCode(): void }) {
  const samples = useLoad(sampleEvents, []);
  const [saved, setSaved] = useState(() => savedEvents(props.name));
  const [choice, setChoice] = useState<Choice>(() =>
    saved.length ? { kind: 'saved', name: saved[0].name } : { kind: 'sample', name: 's3-put' },
  );
  const [docVersion, setDocVersion] = useState(0);
  const [saveName, setSaveName] = useState('');
  const [problem, setProblem] = useState('');
  const [running, setRunning] = useState(false);
  const [result, setResult] = useState<InvokeResult | undefined>();
  const [failure, setFailure] = useState('');
  const current = useRef<EditorState | undefined>(undefined);
  const runRef = useRef<() => void>(() => {});

  const textOf = (c: Choice, list: SampleEvent[] | undefined): string | undefined => {
    if (c.kind === 'saved') return saved.find((e) => e.name === c.name)?.json;
    const s = list?.find((x) => x.name === c.name);
    return s ? JSON.stringify(s.event, null, 2) : undefined;
  };
  const text = textOf(choice, samples.data) ?? (samples.data ? '{}' : undefined);
  // A new editor document whenever another event is picked (or the samples arrive).
  const state = useMemo(
    () =>
      text === undefined
        ? undefined
        : editorState(text, 'event.json', {
            label: 'Test event (JSON)',
            onUpdate: (s) => {
              current.current = s;
            },
            keys: [
              {
                key: 'Mod-Enter',
                run: () => {
                  runRef.current();
                  return true;
                },
              },
            ],
          }),
    [choiceValue(choice), text === undefined, docVersion],
  );
  if (state && !current.current) current.current = state;

  const eventText = () => (current.current ?? state)?.doc.toString() ?? '{}';

  const run = async () => {
    setProblem('');
    const payload = eventText();
    try {
      JSON.parse(payload);
    } catch (e) {
      setProblem(`The event is not valid JSON: ${(e as Error).message}`);
      return;
    }
    setRunning(true);
    setFailure('');
    try {
      setResult(await invoke(props.name, payload));
    } catch (e) {
      setResult(undefined);
      setFailure(describeError(e));
    } finally {
      setRunning(false);
    }
  };
  runRef.current = run;

  const pick = (value: string) => {
    const i = value.indexOf(':');
    current.current = undefined;
    setChoice({ kind: value.slice(0, i) as Choice['kind'], name: value.slice(i + 1) });
    setProblem('');
  };

  const saveEvent = (e: Event) => {
    e.preventDefault();
    const name = saveName.trim();
    if (!/^[\w .-]{1,64}$/.test(name))
      return setProblem('Name the event with up to 64 letters, digits, spaces, dots or dashes.');
    const json = eventText();
    try {
      JSON.parse(json);
    } catch (err) {
      return setProblem(`The event is not valid JSON: ${(err as Error).message}`);
    }
    const next = [...saved.filter((x) => x.name !== name), { name, json }].sort((a, b) =>
      a.name.localeCompare(b.name),
    );
    storeEvents(props.name, next);
    setSaved(next);
    current.current = undefined;
    setChoice({ kind: 'saved', name });
    setDocVersion((v) => v + 1);
    setSaveName('');
    setProblem('');
  };

  const removeEvent = () => {
    if (choice.kind !== 'saved' || !confirm(`Delete the saved event ${choice.name}?`)) return;
    const next = saved.filter((x) => x.name !== choice.name);
    storeEvents(props.name, next);
    setSaved(next);
    current.current = undefined;
    setChoice({ kind: 'sample', name: 's3-put' });
  };

  const report = result ? parseReport(result.log) : undefined;
  return html`<div class="test-panel">
    <div class="test-input">
      ${
        props.codeDirty
          ? html`<p class="notice">The code has unsaved changes; a test runs the saved code.
              <button type="button" class="small-button" onClick=${props.onSaveCode}>Save code now</button></p>`
          : null
      }
      <div class="field">
        <label for="test-event">Event</label>
        <select id="test-event" value=${choiceValue(choice)} onChange=${(e: Event) => pick((e.target as HTMLSelectElement).value)}>
          ${
            saved.length
              ? html`<optgroup label="Saved in this browser">${saved.map((s) => html`<option value=${`saved:${s.name}`}>${s.name}</option>`)}</optgroup>`
              : null
          }
          <optgroup label="Samples">
            ${(samples.data ?? []).map((s) => html`<option value=${`sample:${s.name}`} title=${s.description}>${s.name} — ${s.description}</option>`)}
          </optgroup>
        </select>
      </div>
      ${samples.error ? html`<p class="error" role="alert">Could not load the sample events: ${describeError(samples.error)}</p>` : null}
      ${state ? html`<${CodeMirror} state=${state} docKey=${`${choiceValue(choice)}:${docVersion}:${text === undefined}`} class="event-editor" />` : html`<p class="muted">Loading the samples…</p>`}
      ${problem ? html`<p class="error" role="alert">${problem}</p>` : null}
      <div class="actions">
        <button type="button" class="primary" onClick=${run} disabled=${running} title="Ctrl+Enter / ⌘Enter in the editor">${running ? 'Running…' : 'Test'}</button>
        ${choice.kind === 'saved' ? html`<button type="button" onClick=${removeEvent}>Delete saved event</button>` : null}
      </div>
      <form class="save-event" onSubmit=${saveEvent}>
        <label for="save-event-name">Save this event as</label>
        <input id="save-event-name" value=${saveName} placeholder="my-event" onInput=${(e: Event) => setSaveName((e.target as HTMLInputElement).value)} />
        <button type="submit">Save event</button>
      </form>
      <p class="muted small">Saved events stay in this browser (localStorage), per function.</p>
    </div>
    <div class="test-output" aria-live="polite">
      ${failure ? html`<p class="error" role="alert">The invocation failed: ${failure}</p>` : null}
      ${
        result
          ? html`<section class=${`result ${result.functionError ? 'failed' : 'succeeded'}`} data-outcome=${result.functionError ? 'error' : 'success'}>
              <h2>${result.functionError ? `Function error (${result.functionError})` : 'Succeeded'}</h2>
              <p class="muted small">Request id <code>${result.requestId ?? report?.requestId ?? '–'}</code>, version ${result.executedVersion ?? '$LATEST'}</p>
              <h3>Result</h3>
              <pre class="json" data-testid="test-result">${prettyJson(result.payload)}</pre>
              ${
                report
                  ? html`<h3>Summary</h3>
                    <dl class="report" data-testid="test-report">
                      <div><dt>Duration</dt><dd>${report.durationMs.toFixed(2)} ms</dd></div>
                      <div><dt>Billed duration</dt><dd>${report.billedMs} ms</dd></div>
                      <div><dt>Memory size</dt><dd>${report.memorySizeMb} MB</dd></div>
                      <div><dt>Max memory used</dt><dd>${report.maxMemoryUsedMb} MB</dd></div>
                      <div><dt>Init duration</dt><dd>${report.initDurationMs === undefined ? '– (warm)' : `${report.initDurationMs.toFixed(2)} ms`}</dd></div>
                    </dl>`
                  : null
              }
              <h3>Log output</h3>
              <pre class="log" data-testid="test-log">${result.log || '(no log)'}</pre>
            </section>`
          : !failure
            ? html`<p class="muted">Pick an event and press Test. The result, the log tail and the REPORT figures appear here.</p>`
            : null
      }
    </div>
  </div>`;
}
