/**
 * Sign in by pasting a workspace key. The key is checked against the server before
 * it is kept (sessionStorage, this tab only).
 */
import { useState } from 'preact/hooks';
import { parseKey } from '@greenlight/core';
import type { GreenlightError } from '@greenlight/sdk';
import { asError, localError, makeClient } from '../client.ts';
import { useTitle } from '../hooks/useTitle.ts';
import { ErrorBox } from './ErrorBox.tsx';

export function KeyEntry({ onKey }: { onKey: (key: string) => void }) {
  const [value, setValue] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<GreenlightError | undefined>(undefined);
  useTitle('Sign in');

  async function submit(e: SubmitEvent) {
    e.preventDefault();
    const key = value.trim();
    if (!parseKey(key)) return setError(localError('That is not a workspace key: a key looks like gl_<workspace>_<secret>.'));
    setBusy(true);
    setError(undefined);
    try {
      await makeClient(key).workspaces.get.query();
      onKey(key);
    } catch (err) {
      setError(asError(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <main class="signin">
      <form class="card" onSubmit={(e) => void submit(e)}>
        <h1>Greenlight</h1>
        <p>Review what your coding agents want to do. Paste a workspace key with the approver (or viewer) role.</p>
        <label for="key">Workspace key</label>
        <input id="key" name="key" type="password" autocomplete="off" spellcheck={false} placeholder="gl_<workspace>_<secret>" value={value} onInput={(e) => setValue(e.currentTarget.value)} />
        <button type="submit" class="primary" disabled={busy || !value.trim()}>
          {busy ? 'Checking…' : 'Sign in'}
        </button>
        <ErrorBox error={error} />
        <p class="muted small">The key stays in this tab (sessionStorage) and is sent only to this server.</p>
      </form>
    </main>
  );
}
