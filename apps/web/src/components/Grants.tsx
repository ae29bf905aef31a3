/**
 * The grants in force on a task (a session): what each approves, who gave it and when,
 * how often it was used, and Revoke (grants.revoke). Revoked ones are listed as such.
 */
import { useState } from 'preact/hooks';
import type { Grant } from '@greenlight/core';
import type { GreenlightError } from '@greenlight/sdk';
import { asError, type Client } from '../client.ts';
import { time } from '../format.ts';
import { matcherText } from '../grants.ts';
import { ErrorBox } from './ErrorBox.tsx';

type Props = { client: Client; grants: Grant[]; mayRevoke: boolean; onChanged: () => void };

export function Grants({ client, grants, mayRevoke, onChanged }: Props) {
  const [busy, setBusy] = useState<string | undefined>(undefined);
  const [error, setError] = useState<GreenlightError | undefined>(undefined);
  if (grants.length === 0) return null;
  const revoke = async (grantId: string) => {
    setBusy(grantId);
    setError(undefined);
    try {
      await client.grants.revoke.mutate({ grantId });
      onChanged();
    } catch (err) {
      setError(asError(err));
    } finally {
      setBusy(undefined);
    }
  };
  return (
    <section class="grants card" aria-labelledby="grants-title">
      <h2 id="grants-title">Approved for this session</h2>
      <ul>
        {grants.map((g) => (
          <li key={g.id} data-grant-id={g.id} class={g.revokedAt ? 'revoked' : ''}>
            <span>
              <strong>{matcherText(g.matcher)}</strong>
              <span class="muted small">
                {' '}
                · by {g.by} · {time(g.createdAt)} · used {g.uses === 1 ? 'once' : `${g.uses} times`}
                {g.revokedAt !== undefined && ` · revoked${g.revokedBy ? ` by ${g.revokedBy}` : ''} ${time(g.revokedAt)}`}
              </span>
            </span>
            {mayRevoke && g.revokedAt === undefined && (
              <button type="button" class="tone-stop" disabled={busy === g.id} onClick={() => void revoke(g.id)}>
                Revoke
              </button>
            )}
          </li>
        ))}
      </ul>
      <ErrorBox error={error} onDismiss={() => setError(undefined)} />
    </section>
  );
}
