import { unzipSync } from 'fflate';
import { useState } from 'preact/hooks';
import { describeError } from './api';
import { blueprints } from './blueprints/index';
import { html } from './html';
import { createFunction } from './lambda-api';
import { page } from './page';
import { navigate } from './router';
import { toBase64, zipFiles } from './zip';

const namePattern = /^[A-Za-z0-9_-]{1,64}$/;
const maxZipBytes = 50 * 1024 * 1024;

/** The settings form's values as typed. */
interface Form {
  name: string;
  description: string;
  runtime: string;
  handler: string;
  memory: string;
  timeout: string;
  role: string;
  source: 'blueprint' | 'zip';
  blueprint: string;
}

/** Checks the form; returns a message per invalid field. */
export function validateSettings(
  f: Pick<Form, 'handler' | 'memory' | 'timeout'> & Partial<Form>,
): Record<string, string> {
  const errors: Record<string, string> = {};
  if (f.name !== undefined && !namePattern.test(f.name))
    errors.name = 'Use 1 to 64 letters, digits, hyphens or underscores.';
  if (!/^[^\s]{1,128}$/.test(f.handler)) errors.handler = 'A handler is file.export, e.g. index.handler.';
  const memory = Number(f.memory);
  if (!Number.isInteger(memory) || memory < 128 || memory > 10240)
    errors.memory = 'Memory is 128 to 10240 MB.';
  const timeout = Number(f.timeout);
  if (!Number.isInteger(timeout) || timeout < 1 || timeout > 900)
    errors.timeout = 'Timeout is 1 to 900 seconds.';
  if (f.role !== undefined && !/^arn:aws[a-zA-Z-]*:iam::\d{12}:role\/.+$/.test(f.role))
    errors.role = 'A role ARN looks like arn:aws:iam::123456789012:role/NAME.';
  return errors;
}

/** A labelled input with its error message tied to it. */
export function Field(props: {
  id: string;
  label: string;
  value: string;
  error?: string;
  hint?: string;
  type?: string;
  onInput(v: string): void;
  attrs?: Record<string, unknown>;
}) {
  const describedBy = [props.hint ? `${props.id}-hint` : '', props.error ? `${props.id}-error` : '']
    .filter(Boolean)
    .join(' ');
  return html`<div class="field">
    <label for=${props.id}>${props.label}</label>
    <input id=${props.id} type=${props.type ?? 'text'} value=${props.value} aria-invalid=${props.error ? 'true' : undefined}
      aria-describedby=${describedBy || undefined} onInput=${(e: Event) => props.onInput((e.target as HTMLInputElement).value)} ...${props.attrs ?? {}} />
    ${props.hint ? html`<p class="hint" id=${`${props.id}-hint`}>${props.hint}</p>` : null}
    ${props.error ? html`<p class="field-error" id=${`${props.id}-error`}>${props.error}</p>` : null}
  </div>`;
}

/** Create a function: settings, then code from a blueprint or an uploaded zip. */
export function CreateFunction() {
  const [form, setForm] = useState<Form>({
    name: '',
    description: '',
    runtime: 'nodejs20.x',
    handler: 'index.handler',
    memory: '128',
    timeout: '3',
    role: `arn:aws:iam::${page.account}:role/lambda-basic-execution`,
    source: 'blueprint',
    blueprint: blueprints[0].id,
  });
  const [zip, setZip] = useState<{ name: string; bytes: Uint8Array } | undefined>();
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState('');
  const [busy, setBusy] = useState(false);
  const set = (k: keyof Form) => (v: string) => setForm((f) => ({ ...f, [k]: v }));

  const pickBlueprint = (id: string) => {
    const bp = blueprints.find((b) => b.id === id);
    setForm((f) => ({
      ...f,
      blueprint: id,
      handler: bp?.handler ?? f.handler,
      description: f.description || (bp?.description ?? ''),
    }));
  };

  const onFile = async (e: Event) => {
    const file = (e.target as HTMLInputElement).files?.[0];
    setZip(undefined);
    if (!file) return;
    if (file.size > maxZipBytes) return setErrors((x) => ({ ...x, zip: 'The zip is larger than 50 MB.' }));
    const bytes = new Uint8Array(await file.arrayBuffer());
    try {
      unzipSync(bytes, { filter: () => false });
    } catch {
      return setErrors((x) => ({ ...x, zip: `${file.name} is not a zip file.` }));
    }
    setErrors(({ zip: _, ...x }) => x);
    setZip({ name: file.name, bytes });
  };

  const submit = async (e: Event) => {
    e.preventDefault();
    const found = validateSettings(form);
    if (form.source === 'zip' && !zip) found.zip = 'Choose a zip file to upload.';
    setErrors(found);
    setFailure('');
    if (Object.keys(found).length) {
      document.getElementById(`cf-${Object.keys(found)[0]}`)?.focus();
      return;
    }
    const bp = blueprints.find((b) => b.id === form.blueprint) ?? blueprints[0];
    const bytes = form.source === 'zip' && zip ? zip.bytes : zipFiles(bp.files);
    setBusy(true);
    try {
      await createFunction({
        FunctionName: form.name,
        Description: form.description,
        Runtime: form.runtime,
        Handler: form.handler,
        MemorySize: Number(form.memory),
        Timeout: Number(form.timeout),
        Role: form.role,
        ZipFileBase64: toBase64(bytes),
      });
      navigate({ view: 'function', name: form.name, tab: 'code' });
    } catch (err) {
      setFailure(describeError(err));
    } finally {
      setBusy(false);
    }
  };

  return html`<section class="page narrow">
    <nav class="crumbs" aria-label="Breadcrumb"><a href="#/functions">Functions</a> / <span aria-current="page">Create</span></nav>
    <h1>Create function</h1>
    <form onSubmit=${submit} novalidate>
      <fieldset>
        <legend>Code</legend>
        <div class="segmented" role="radiogroup" aria-label="Code source">
          ${(['blueprint', 'zip'] as const).map(
            (s) => html`<label class=${form.source === s ? 'on' : ''}>
              <input type="radio" name="source" value=${s} checked=${form.source === s} onChange=${() => set('source')(s)} />
              ${s === 'blueprint' ? 'Start from a blueprint' : 'Upload a .zip'}</label>`,
          )}
        </div>
        ${
          form.source === 'blueprint'
            ? html`<div class="cards" role="radiogroup" aria-label="Blueprint">
                ${blueprints.map(
                  (
                    b,
                  ) => html`<label class=${`card${form.blueprint === b.id ? ' on' : ''}`} data-blueprint=${b.id}>
                    <input type="radio" name="blueprint" value=${b.id} checked=${form.blueprint === b.id} onChange=${() => pickBlueprint(b.id)} />
                    <strong>${b.title}</strong><span class="muted small">${b.description}</span></label>`,
                )}
              </div>`
            : html`<div class="field">
                <label for="cf-zip">Deployment package (.zip, up to 50 MB)</label>
                <input id="cf-zip" type="file" accept=".zip,application/zip" onChange=${onFile}
                  aria-invalid=${errors.zip ? 'true' : undefined} aria-describedby=${errors.zip ? 'cf-zip-error' : undefined} />
                ${zip ? html`<p class="hint">${zip.name}, ${zip.bytes.length.toLocaleString()} bytes</p>` : null}
                ${errors.zip ? html`<p class="field-error" id="cf-zip-error">${errors.zip}</p>` : null}
              </div>`
        }
      </fieldset>
      <fieldset>
        <legend>Settings</legend>
        <${Field} id="cf-name" label="Function name" value=${form.name} error=${errors.name} onInput=${set('name')}
          hint="Letters, digits, hyphens and underscores; up to 64." attrs=${{ autocomplete: 'off', spellcheck: false, required: true }} />
        <${Field} id="cf-description" label="Description" value=${form.description} onInput=${set('description')} />
        <div class="field">
          <label for="cf-runtime">Runtime</label>
          <select id="cf-runtime" value=${form.runtime} onChange=${(e: Event) => set('runtime')((e.target as HTMLSelectElement).value)}>
            ${['nodejs24.x', 'nodejs22.x', 'nodejs20.x', 'nodejs18.x'].map((r) => html`<option value=${r}>${r}</option>`)}
          </select>
        </div>
        <${Field} id="cf-handler" label="Handler" value=${form.handler} error=${errors.handler} onInput=${set('handler')} hint="file.export, e.g. index.handler" />
        <div class="row">
          <${Field} id="cf-memory" label="Memory (MB)" type="number" value=${form.memory} error=${errors.memory} onInput=${set('memory')} attrs=${{ min: 128, max: 10240, step: 1 }} />
          <${Field} id="cf-timeout" label="Timeout (s)" type="number" value=${form.timeout} error=${errors.timeout} onInput=${set('timeout')} attrs=${{ min: 1, max: 900, step: 1 }} />
        </div>
        <${Field} id="cf-role" label="Execution role" value=${form.role} error=${errors.role} onInput=${set('role')} attrs=${{ spellcheck: false }}
          hint="The IAM role the function's own AWS calls run as." />
      </fieldset>
      ${failure ? html`<p class="error" role="alert">${failure}</p>` : null}
      <div class="actions">
        <a class="button" href="#/functions">Cancel</a>
        <button type="submit" class="primary" disabled=${busy}>${busy ? 'Creating…' : 'Create function'}</button>
      </div>
    </form>
  </section>`;
}
