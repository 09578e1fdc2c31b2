import { useEffect, useRef, useState } from 'preact/hooks';
import type { ApiError } from './api';
import { html } from './html';
import { storeCredentials } from './sign';

/**
 * Asks for an access key when islet wants signed requests. The key stays in this tab's
 * sessionStorage; the secret is only ever used to sign requests here, never sent.
 */
export function AuthDialog({
  reason,
  onDone,
}: {
  reason?: ApiError;
  onDone(keyId: string | undefined): void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const [keyId, setKeyId] = useState('');
  const [secret, setSecret] = useState('');
  const [error, setError] = useState('');
  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
  }, []);

  const submit = (e: Event) => {
    e.preventDefault();
    const id = keyId.trim();
    if (!/^\w{16,128}$/.test(id))
      return setError('An access key id is 16 to 128 letters and digits (AKIA...).');
    if (secret.length < 1) return setError('Enter the secret access key.');
    storeCredentials({ accessKeyId: id, secretAccessKey: secret });
    onDone(id);
  };

  return html`<dialog ref=${ref} class="dialog" aria-labelledby="auth-title" onCancel=${(e: Event) => {
    e.preventDefault();
    onDone(undefined);
  }}>
    <form onSubmit=${submit}>
      <h2 id="auth-title" class="dialog-title">Sign in with an access key</h2>
      ${
        reason
          ? html`<p class="notice">islet refused a request: <code>${reason.code}</code> (${reason.message}).</p>`
          : null
      }
      <p class="muted">Requests are signed in this browser (SigV4). The key is kept for this tab only and the secret is never sent. Create keys with <code>islet keys create</code>.</p>
      <label for="auth-key">Access key id</label>
      <input id="auth-key" name="accessKeyId" autocomplete="username" spellcheck="false" value=${keyId}
        onInput=${(e: Event) => setKeyId((e.target as HTMLInputElement).value)} required />
      <label for="auth-secret">Secret access key</label>
      <input id="auth-secret" name="secretAccessKey" type="password" autocomplete="current-password" value=${secret}
        onInput=${(e: Event) => setSecret((e.target as HTMLInputElement).value)} required />
      ${error ? html`<p class="error" role="alert">${error}</p>` : null}
      <div class="actions">
        <button type="button" onClick=${() => onDone(undefined)}>Cancel</button>
        <button type="submit" class="primary">Sign in</button>
      </div>
    </form>
  </dialog>`;
}
