/**
 * Sign in by pasting a workspace key. The key is checked against the server before
 * it is kept (sessionStorage, this tab only).
 */
import { useEffect, useState } from 'preact/hooks';
import { parseKey } from '@greenlight/core';
import type { GreenlightError } from '@greenlight/sdk';
import { asError, localError, makeClient } from '../client.ts';
import { useTitle } from '../hooks/useTitle.ts';
import { ErrorBox } from './ErrorBox.tsx';
import { providerOf, startSignIn } from '../signin.ts';

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
      <SingleSignOn />
    </main>
  );
}

/** The workspace named by the page's `?workspace=<id>`, if any (a link an admin shares). */
const linkedWorkspace = (): string => new URLSearchParams(window.location.search).get('workspace') ?? '';

/**
 * Sign in through the workspace's identity provider (OIDC, docs/sign-in.md): name the
 * workspace, and the button says whose sign-in it is; the provider's page takes over.
 */
function SingleSignOn() {
  const [workspace, setWorkspace] = useState(linkedWorkspace);
  const [provider, setProvider] = useState<string | undefined>(undefined);
  const [checked, setChecked] = useState('');
  const id = workspace.trim();
  useEffect(() => {
    if (!/^[a-z0-9-]{3,40}$/.test(id)) return setProvider(undefined);
    let live = true;
    // Asked as the name settles, so the button can say "Sign in with <provider>".
    const t = setTimeout(() => {
      void providerOf(id).then((p) => {
        if (!live) return;
        setProvider(p.enabled ? (p.name ?? 'your identity provider') : undefined);
        setChecked(id);
      });
    }, 250);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [id]);
  return (
    <section class="card" aria-labelledby="sso-title">
      <h2 id="sso-title">Single sign-on</h2>
      <label for="sso-workspace">Workspace</label>
      <input id="sso-workspace" name="workspace" autocomplete="off" spellcheck={false} placeholder="acme" value={workspace} onInput={(e) => setWorkspace(e.currentTarget.value)} />
      <button type="button" class="primary" disabled={!provider} onClick={() => startSignIn(id)}>
        {provider ? `Sign in with ${provider}` : 'Sign in with your identity provider'}
      </button>
      {checked === id && id && !provider && <p class="muted small">Workspace {id} has no single sign-on: use a key.</p>}
    </section>
  );
}
