/**
 * Sign-in through the workspace's identity provider (docs/sign-in.md). The session lives
 * in an HttpOnly cookie the page cannot read; the page asks the server who it is
 * (GET /auth/session), and sends the CSRF token it answers with every change.
 */
import type { OidcProviderInfo, SignInView } from '@greenlight/core';

/** How the page calls the API: a pasted key, or a sign-in session (cookie + CSRF token). */
export type Credential = { kind: 'key'; key: string } | { kind: 'session'; view: SignInView };

/** The signed-in session, or undefined when there is none (or it ended). */
export async function currentSignIn(): Promise<SignInView | undefined> {
  try {
    const r = await fetch('/auth/session', { credentials: 'same-origin', headers: { accept: 'application/json' } });
    return r.ok ? ((await r.json()) as SignInView) : undefined;
  } catch {
    return undefined;
  }
}

/** Whether workspace `id` has sign-in, and what its button says. */
export async function providerOf(id: string): Promise<OidcProviderInfo> {
  try {
    const r = await fetch(`/auth/provider?workspace=${encodeURIComponent(id)}`, { headers: { accept: 'application/json' } });
    return r.ok ? ((await r.json()) as OidcProviderInfo) : { enabled: false };
  } catch {
    return { enabled: false };
  }
}

/** End the session on the server (the cookie is cleared there too). */
export async function signOut(csrf: string): Promise<void> {
  await fetch('/auth/logout', { method: 'POST', credentials: 'same-origin', headers: { 'x-greenlight-csrf': csrf } }).catch(() => undefined);
}

/** Go to the provider: a navigation, since the provider's page takes over the tab. */
export const startSignIn = (workspaceId: string): void => window.location.assign(`/auth/login?workspace=${encodeURIComponent(workspaceId)}`);
