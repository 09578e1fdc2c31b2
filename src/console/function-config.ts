import { useEffect, useState } from 'preact/hooks';
import { ApiError, describeError } from './api';
import { Field, validateSettings } from './create-function';
import { html } from './html';
import { type FunctionConfiguration, updateFunctionConfiguration } from './lambda-api';

interface ConfigForm {
  description: string;
  handler: string;
  runtime: string;
  memory: string;
  timeout: string;
  env: Array<{ key: string; value: string }>;
}

function formOf(c: FunctionConfiguration): ConfigForm {
  return {
    description: c.Description ?? '',
    handler: c.Handler,
    runtime: c.Runtime,
    memory: String(c.MemorySize),
    timeout: String(c.Timeout),
    env: Object.entries(c.Environment?.Variables ?? {}).map(([key, value]) => ({ key, value })),
  };
}

const envKey = /^[a-zA-Z]\w*$/;

/** What the configuration handle exposes to the page (Ctrl/Cmd-S). */
export interface ConfigHandle {
  save(): Promise<void>;
}

/** The configuration tab: memory, timeout, environment variables, description, handler, runtime. */
export function FunctionConfig(props: {
  config: FunctionConfiguration;
  onSaved(config: FunctionConfiguration): void;
  onDirty(dirty: boolean): void;
  handle: { current?: ConfigHandle };
}) {
  const [saved, setSaved] = useState(() => formOf(props.config));
  const [form, setForm] = useState(saved);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [status, setStatus] = useState<{ kind: 'ok' | 'error' | 'busy'; text: string } | undefined>();
  const dirty = JSON.stringify(form) !== JSON.stringify(saved);
  useEffect(() => props.onDirty(dirty), [dirty]);
  const set = (k: keyof Omit<ConfigForm, 'env'>) => (v: string) => {
    setForm((f) => ({ ...f, [k]: v }));
    setStatus(undefined);
  };
  const setEnv = (i: number, part: 'key' | 'value', v: string) => {
    setForm((f) => ({ ...f, env: f.env.map((e, k) => (k === i ? { ...e, [part]: v } : e)) }));
    setStatus(undefined);
  };

  const addVariable = () => {
    const i = form.env.length;
    setForm((f) => ({ ...f, env: [...f.env, { key: '', value: '' }] }));
    requestAnimationFrame(() => document.getElementById(`env-key-${i}`)?.focus());
  };

  const save = async () => {
    const found = validateSettings(form);
    const seen = new Set<string>();
    form.env.forEach((e, i) => {
      if (!envKey.test(e.key))
        found[`env-${i}`] = 'Names start with a letter and hold letters, digits and _.';
      else if (seen.has(e.key)) found[`env-${i}`] = 'This name is used twice.';
      seen.add(e.key);
    });
    setErrors(found);
    if (Object.keys(found).length) {
      setStatus({ kind: 'error', text: 'Fix the fields marked above.' });
      return;
    }
    setStatus({ kind: 'busy', text: 'Saving…' });
    try {
      const config = await updateFunctionConfiguration(
        props.config.FunctionName,
        {
          Description: form.description,
          Handler: form.handler,
          Runtime: form.runtime,
          MemorySize: Number(form.memory),
          Timeout: Number(form.timeout),
          Environment: { Variables: Object.fromEntries(form.env.map((e) => [e.key, e.value])) },
        },
        props.config.RevisionId,
      );
      const next = formOf(config);
      setSaved(next);
      setForm(next);
      setStatus({ kind: 'ok', text: 'Saved' });
      props.onSaved(config);
    } catch (e) {
      const stale = e instanceof ApiError && e.code === 'PreconditionFailedException';
      setStatus({
        kind: 'error',
        text: stale
          ? 'The function was changed elsewhere since it was opened: reload the page.'
          : describeError(e),
      });
    }
  };
  props.handle.current = { save };

  return html`<form class="config-form narrow" onSubmit=${(e: Event) => {
    e.preventDefault();
    save();
  }} novalidate>
    <fieldset>
      <legend>General</legend>
      <${Field} id="cfg-description" label="Description" value=${form.description} onInput=${set('description')} />
      <${Field} id="cfg-handler" label="Handler" value=${form.handler} error=${errors.handler} onInput=${set('handler')} />
      <div class="field">
        <label for="cfg-runtime">Runtime</label>
        <select id="cfg-runtime" value=${form.runtime} onChange=${(e: Event) => set('runtime')((e.target as HTMLSelectElement).value)}>
          ${[...new Set([form.runtime, 'nodejs24.x', 'nodejs22.x', 'nodejs20.x', 'nodejs18.x'])].map((r) => html`<option value=${r}>${r}</option>`)}
        </select>
      </div>
      <div class="row">
        <${Field} id="cfg-memory" label="Memory (MB)" type="number" value=${form.memory} error=${errors.memory} onInput=${set('memory')} attrs=${{ min: 128, max: 10240 }} />
        <${Field} id="cfg-timeout" label="Timeout (s)" type="number" value=${form.timeout} error=${errors.timeout} onInput=${set('timeout')} attrs=${{ min: 1, max: 900 }} />
      </div>
    </fieldset>
    <fieldset>
      <legend>Environment variables</legend>
      ${form.env.length === 0 ? html`<p class="muted">None.</p>` : null}
      ${form.env.map(
        (e, i) => html`<div class="env-row" key=${i}>
          <div class="field">
            <label for=${`env-key-${i}`}>Name</label>
            <input id=${`env-key-${i}`} value=${e.key} spellcheck="false" aria-invalid=${errors[`env-${i}`] ? 'true' : undefined}
              aria-describedby=${errors[`env-${i}`] ? `env-error-${i}` : undefined}
              onInput=${(ev: Event) => setEnv(i, 'key', (ev.target as HTMLInputElement).value)} />
            ${errors[`env-${i}`] ? html`<p class="field-error" id=${`env-error-${i}`}>${errors[`env-${i}`]}</p>` : null}
          </div>
          <div class="field">
            <label for=${`env-value-${i}`}>Value</label>
            <input id=${`env-value-${i}`} value=${e.value} spellcheck="false" onInput=${(ev: Event) => setEnv(i, 'value', (ev.target as HTMLInputElement).value)} />
          </div>
          <button type="button" class="small-button" aria-label=${`Remove ${e.key || 'variable'}`}
            onClick=${() => setForm((f) => ({ ...f, env: f.env.filter((_, k) => k !== i) }))}>Remove</button>
        </div>`,
      )}
      <button type="button" class="small-button" onClick=${addVariable}>Add variable</button>
    </fieldset>
    <div class="actions">
      <span class=${`status ${status?.kind ?? ''}`} role="status" aria-live="polite">${status?.text ?? (dirty ? 'Unsaved changes' : '')}</span>
      <button type="button" disabled=${!dirty} onClick=${() => {
        setForm(saved);
        setErrors({});
      }}>Discard changes</button>
      <button type="submit" class="primary" disabled=${!dirty || status?.kind === 'busy'} title="Ctrl+S / ⌘S">Save</button>
    </div>
  </form>`;
}
