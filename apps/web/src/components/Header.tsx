/** The bar on every signed-in page: where you are and as whom, help, and sign out. */
import type { SignInView, WorkspaceDetail } from '@greenlight/core';
import { useContext } from 'preact/hooks';
import { CharacterKeys } from '../hooks/useShortcuts.ts';
import { historyHref, INBOX_HREF } from '../route.ts';

type Props = { workspaceId: string; workspace: WorkspaceDetail | undefined; signIn?: SignInView | undefined; onHelp: () => void; onSignOut: () => void };

export function Header({ workspaceId, workspace, signIn, onHelp, onSignOut }: Props) {
  const characterKeys = useContext(CharacterKeys);
  return (
    <header class="bar">
      <a class="brand" href={INBOX_HREF}>
        Greenlight
      </a>
      <span class="workspace" title={workspaceId}>
        {workspace?.name ?? workspaceId}
        {signIn ? (
          // Signed in through the provider: the email a person knows, the principal on hover (what the audit records).
          <span class="you" title={signIn.principal}>
            {' '}
            · signed in as {signIn.email} ({signIn.role}, {signIn.authStrength === 'mfa' ? 'MFA' : 'SSO'})
          </span>
        ) : (
          workspace && (
            <span class="you">
              {' '}
              · {workspace.you.principal} ({workspace.you.role})
            </span>
          )
        )}
      </span>
      <nav>
        <a href={INBOX_HREF}>Inbox</a>
        <a href={historyHref()}>History</a>
        <button type="button" class="link" onClick={onHelp} aria-label="Keyboard shortcuts" aria-keyshortcuts={characterKeys ? '?' : undefined}>
          ?
        </button>
        <button type="button" class="link" onClick={onSignOut}>
          Sign out
        </button>
      </nav>
    </header>
  );
}
