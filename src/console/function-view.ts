import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { describeError } from './api';
import { timeAgo } from './format';
import { type ConfigHandle, FunctionConfig } from './function-config';
import { type CodeEditorHandle, FunctionEditor } from './function-editor';
import { useLoad } from './hooks';
import { html } from './html';
import { deleteFunction, type FunctionConfiguration, getFunction } from './lambda-api';
import { LogsView } from './logs';
import { FunctionMonitoring } from './monitoring';
import { type FunctionTab, functionTabs, href, navigate, useLeaveGuard } from './router';
import { TestPanel } from './test-panel';
import { Triggers } from './triggers';

const tabLabels: Record<FunctionTab, string> = {
  code: 'Code',
  configuration: 'Configuration',
  test: 'Test',
  monitoring: 'Monitoring',
  logs: 'Logs',
  triggers: 'Triggers',
};

/** One function: its settings at a glance and a tab per task. Code and configuration edits survive tab switches. */
export function FunctionView({ name, tab }: { name: string; tab: FunctionTab }) {
  const loaded = useLoad(() => getFunction(name).then((f) => f.Configuration), [name]);
  const [config, setConfig] = useState<FunctionConfiguration | undefined>();
  const [visited, setVisited] = useState<Set<FunctionTab>>(new Set([tab]));
  const [codeDirty, setCodeDirty] = useState(false);
  const [configDirty, setConfigDirty] = useState(false);
  const code = useRef<CodeEditorHandle | undefined>(undefined);
  const settings = useRef<ConfigHandle | undefined>(undefined);
  const tabsRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (loaded.data) setConfig(loaded.data);
  }, [loaded.data]);
  useEffect(() => setVisited((v) => (v.has(tab) ? v : new Set([...v, tab]))), [tab]);
  const dirty = useRef(false);
  dirty.current = codeDirty || configDirty;
  useLeaveGuard(useCallback(() => dirty.current, []));

  // Ctrl/Cmd-S saves what changed, on any tab of this function.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && !e.altKey && e.key.toLowerCase() === 's') {
        e.preventDefault();
        if (codeDirty) code.current?.save();
        if (configDirty) settings.current?.save();
      }
    };
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  }, [codeDirty, configDirty]);

  const onTabKey = (e: KeyboardEvent) => {
    const i = functionTabs.indexOf(tab);
    const next =
      e.key === 'ArrowRight'
        ? (i + 1) % functionTabs.length
        : e.key === 'ArrowLeft'
          ? (i + functionTabs.length - 1) % functionTabs.length
          : e.key === 'Home'
            ? 0
            : e.key === 'End'
              ? functionTabs.length - 1
              : -1;
    if (next < 0) return;
    e.preventDefault();
    navigate({ view: 'function', name, tab: functionTabs[next] });
    requestAnimationFrame(() =>
      tabsRef.current?.querySelector<HTMLElement>('[aria-selected="true"]')?.focus(),
    );
  };

  const remove = async () => {
    if (!confirm(`Delete the function ${name}? Its code and settings are removed.`)) return;
    try {
      await deleteFunction(name);
      dirty.current = false;
      setCodeDirty(false);
      setConfigDirty(false);
      navigate({ view: 'functions' });
    } catch (e) {
      alert(`Could not delete ${name}: ${describeError(e)}`);
    }
  };

  if (!config) {
    return html`<section class="page">
      <nav class="crumbs" aria-label="Breadcrumb"><a href="#/functions">Functions</a> / <span aria-current="page">${name}</span></nav>
      <h1>${name}</h1>
      ${loaded.error ? html`<p class="error" role="alert">${describeError(loaded.error)}</p>` : html`<p class="muted" role="status">Loading…</p>`}
    </section>`;
  }

  return html`<section class="page function-page">
    <nav class="crumbs" aria-label="Breadcrumb"><a href="#/functions">Functions</a> / <span aria-current="page">${name}</span></nav>
    <div class="page-head">
      <div>
        <h1>${name}</h1>
        <p class="muted small facts">
          <span>${config.Runtime}</span><span>${config.MemorySize} MB</span><span>${config.Timeout} s timeout</span>
          <span>handler <code>${config.Handler}</code></span><span>modified ${timeAgo(config.LastModified)}</span>
        </p>
        ${config.Description ? html`<p class="description">${config.Description}</p>` : null}
      </div>
      <button type="button" class="danger" onClick=${remove}>Delete function</button>
    </div>
    <div class="tabs" role="tablist" aria-label="Function" ref=${tabsRef} onKeyDown=${onTabKey}>
      ${functionTabs.map(
        (
          t,
        ) => html`<a class="tab" role="tab" id=${`tab-${t}`} href=${href({ view: 'function', name, tab: t })} aria-selected=${t === tab ? 'true' : 'false'}
          aria-controls=${`panel-${t}`} tabIndex=${t === tab ? 0 : -1}>${tabLabels[t]}${
            (t === 'code' && codeDirty) || (t === 'configuration' && configDirty)
              ? html`<span class="dot" aria-label="(unsaved changes)"></span>`
              : null
          }</a>`,
      )}
    </div>
    ${functionTabs
      .filter((t) => visited.has(t) && (t === tab || t === 'code' || t === 'configuration'))
      .map(
        (
          t,
        ) => html`<div role="tabpanel" id=${`panel-${t}`} aria-labelledby=${`tab-${t}`} hidden=${t !== tab} key=${t} class="panel">
          ${
            t === 'code'
              ? html`<${FunctionEditor} config=${config} handle=${code} onDirty=${setCodeDirty} onSaved=${setConfig} />`
              : t === 'configuration'
                ? html`<${FunctionConfig} config=${config} handle=${settings} onDirty=${setConfigDirty} onSaved=${setConfig} />`
                : t === 'test'
                  ? html`<${TestPanel} name=${name} codeDirty=${codeDirty} onSaveCode=${() => code.current?.save()} />`
                  : t === 'monitoring'
                    ? html`<${FunctionMonitoring} name=${name} />`
                    : t === 'logs'
                      ? html`<${LogsView} name=${name} />`
                      : html`<${Triggers} name=${name} />`
          }
        </div>`,
      )}
  </section>`;
}
