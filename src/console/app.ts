import { useEffect, useState } from 'preact/hooks';
import { type ApiError, onAuthRequired } from './api';
import { AuthDialog } from './auth-dialog';
import { BillingView } from './billing';
import { CreateFunction } from './create-function';
import { DeadLetters } from './dead-letters';
import { FunctionView } from './function-view';
import { FunctionsList } from './functions-list';
import { reloadAll } from './hooks';
import { html } from './html';
import { AccountMonitoring } from './monitoring';
import { href, type Route, useRoute } from './router';
import { storeCredentials, storedCredentials } from './sign';

const sections: Array<{ label: string; route: Route; matches: Route['view'][] }> = [
  { label: 'Functions', route: { view: 'functions' }, matches: ['functions', 'create', 'function'] },
  { label: 'Monitoring', route: { view: 'monitoring' }, matches: ['monitoring'] },
  { label: 'Dead letters', route: { view: 'dead-letters' }, matches: ['dead-letters'] },
  { label: 'Billing', route: { view: 'billing' }, matches: ['billing'] },
];

function Page({ route }: { route: Route }) {
  switch (route.view) {
    case 'functions':
      return html`<${FunctionsList} />`;
    case 'create':
      return html`<${CreateFunction} />`;
    case 'function':
      return html`<${FunctionView} key=${route.name} name=${route.name} tab=${route.tab} />`;
    case 'monitoring':
      return html`<${AccountMonitoring} />`;
    case 'dead-letters':
      return html`<${DeadLetters} />`;
    case 'billing':
      return html`<${BillingView} />`;
    default:
      return html`<section class="page"><h1>Not found</h1><p>Nothing lives at <code>${route.path}</code>. <a href="#/functions">Go to the functions.</a></p></section>`;
  }
}

/** The console: a header with the sections, the current page, and the sign-in dialog when needed. */
export function App() {
  const route = useRoute();
  // The sign-in dialog: opened by the user, or by an API that wants a signature.
  const [dialog, setDialog] = useState<{ reason?: ApiError } | undefined>();
  const [keyId, setKeyId] = useState(() => storedCredentials()?.accessKeyId);
  useEffect(() => onAuthRequired((e) => setDialog((prev) => prev ?? { reason: e })), []);
  useEffect(() => {
    const title = sections.find((s) => s.matches.includes(route.view))?.label ?? 'islet';
    document.title = route.view === 'function' ? `${route.name} · islet` : `${title} · islet`;
  }, [route]);

  const signOut = () => {
    storeCredentials(undefined);
    setKeyId(undefined);
    reloadAll();
  };

  return html`<div class="shell">
    <a class="skip" href="#main" onClick=${(e: Event) => {
      e.preventDefault();
      document.getElementById('main')?.focus();
    }}>Skip to content</a>
    <header class="topbar">
      <a class="brand" href="#/functions" aria-label="islet console home"><span class="brand-mark" aria-hidden="true"></span>islet</a>
      <nav aria-label="Sections">
        <ul>
          ${sections.map(
            (s) =>
              html`<li><a href=${href(s.route)} aria-current=${s.matches.includes(route.view) ? 'page' : undefined}>${s.label}</a></li>`,
          )}
        </ul>
      </nav>
      <div class="who">
        ${
          keyId
            ? html`<span class="muted">Signed in as <code>${keyId}</code></span>
                <button type="button" class="link" onClick=${signOut}>Sign out</button>`
            : html`<button type="button" class="link" onClick=${() => setDialog({})}>Sign in</button>`
        }
      </div>
    </header>
    <main id="main" tabIndex=${-1}>
      <${Page} route=${route} />
    </main>
    ${
      dialog
        ? html`<${AuthDialog}
            reason=${dialog.reason}
            onDone=${(id: string | undefined) => {
              setDialog(undefined);
              if (id) {
                setKeyId(id);
                reloadAll();
              }
            }}
          />`
        : null
    }
  </div>`;
}
