/**
 * The Worker's /auth routes: sign-in per workspace through OIDC (docs/sign-in.md). The
 * Worker only moves cookies and redirects; the workspace's object runs the flow
 * (workspace/oidc.ts). Two cookies, both `__Host-` (Secure, Path=/, no Domain):
 *
 * - `__Host-gl_oidc`: the authorization request's state, for the callback to match
 *   (binds the callback to the browser that started it). SameSite=Lax, because the
 *   provider's redirect back is a cross-site navigation; ten minutes; cleared at callback.
 * - `__Host-gl_session`: the session's credential `gls_<workspace>_<secret>`. HttpOnly,
 *   SameSite=Strict; the page reads who it is (and its CSRF token) from GET /auth/session.
 */
import { SIGNIN_PENDING_TTL_MS } from '@greenlight/core';
import type { Context as HonoContext } from 'hono';
import { Hono } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { csrfTokenOf, SESSION_PATTERN } from './workspace/oidc.ts';

type Ctx = HonoContext<{ Bindings: Env }>;

const SESSION_COOKIE = 'gl_session';
const STATE_COOKIE = 'gl_oidc';
const WORKSPACE_ID = /^[a-z0-9-]{3,40}$/;

/** The session credential the request's cookie carries, if any. */
export const sessionCookie = (c: Ctx): string | null => getCookie(c, SESSION_COOKIE, 'host') ?? null;

/**
 * Whether a request came from another site: its Origin is not this server's, or the
 * browser's Sec-Fetch-Site says cross-site or same-site (a sibling subdomain is another
 * tenant's page). Requests without either header (non-browser clients) are not.
 */
export function isCrossSite(req: Request): boolean {
  const origin = req.headers.get('origin');
  if (origin !== null && origin !== new URL(req.url).origin) return true;
  const site = req.headers.get('sec-fetch-site');
  return site === 'cross-site' || site === 'same-site';
}

const setSession = (c: Ctx, value: string, expiresAt: number) =>
  setCookie(c, SESSION_COOKIE, value, { prefix: 'host', path: '/', secure: true, httpOnly: true, sameSite: 'Strict', maxAge: Math.max(1, Math.floor((expiresAt - Date.now()) / 1000)) });
const clearSession = (c: Ctx) => deleteCookie(c, SESSION_COOKIE, { prefix: 'host', path: '/', secure: true, httpOnly: true, sameSite: 'Strict' });

const escape = (s: string): string => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

/** A refused sign-in, as a small page a person can read (the callback is a navigation, not a fetch). */
const refusedPage = (c: Ctx, message: string, status: 400 | 401 | 403 | 404 | 429) =>
  c.html(
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sign-in refused · Greenlight</title></head><body><main><h1>Sign-in refused</h1><p id="reason">${escape(message)}</p><p><a href="/">Back to Greenlight</a></p></main></body></html>`,
    status,
  );

const workspaceOf = (c: Ctx, id: string) => c.env.WORKSPACE.get(c.env.WORKSPACE.idFromName(id));

export const signInRoutes = new Hono<{ Bindings: Env }>();

signInRoutes.use('*', async (c, next) => {
  await next();
  c.header('cache-control', 'no-store');
});

/** Whether a workspace has sign-in, and the button's name: `?workspace=<id>`. */
signInRoutes.get('/provider', async (c) => {
  const id = c.req.query('workspace') ?? '';
  if (!WORKSPACE_ID.test(id)) return c.json({ enabled: false });
  return c.json(await workspaceOf(c, id).signInProvider(id));
});

/** Start a sign-in: `?workspace=<id>` → the provider's authorization URL, with this browser's state in a cookie. */
signInRoutes.get('/login', async (c) => {
  const id = c.req.query('workspace') ?? '';
  if (!WORKSPACE_ID.test(id)) return refusedPage(c, 'name a workspace: /auth/login?workspace=<id>', 400);
  const r = await workspaceOf(c, id).signInBegin(id, new URL(c.req.url).origin);
  if (!r.ok) return refusedPage(c, r.error.message, r.error.code === 'NOT_FOUND' ? 404 : r.error.code === 'TOO_MANY_REQUESTS' ? 429 : 401);
  setCookie(c, STATE_COOKIE, r.value.state, { prefix: 'host', path: '/', secure: true, httpOnly: true, sameSite: 'Lax', maxAge: SIGNIN_PENDING_TTL_MS / 1000 });
  return c.redirect(r.value.url, 302);
});

/** The provider's redirect back: the state names the workspace; the object verifies everything. */
signInRoutes.get('/callback', async (c) => {
  const browserState = getCookie(c, STATE_COOKIE, 'host');
  deleteCookie(c, STATE_COOKIE, { prefix: 'host', path: '/', secure: true, httpOnly: true, sameSite: 'Lax' });
  const state = c.req.query('state') ?? '';
  const id = state.split('.')[0] ?? '';
  if (!WORKSPACE_ID.test(id)) return refusedPage(c, "the sign-in's state is missing or malformed: start again from the sign-in button", 400);
  const r = await workspaceOf(c, id).signInFinish(id, c.req.url, browserState);
  if (!r.ok) return refusedPage(c, r.error.message, r.error.code === 'FORBIDDEN' ? 403 : 401);
  setSession(c, r.value.session, r.value.expiresAt);
  // The page, with its workspace named: after a sign-out its sign-in button is one click away.
  return c.redirect(`/?workspace=${id}`, 303);
});

/** Who is signed in, and the CSRF token for X-Greenlight-CSRF; a rotated secret comes back as a new cookie. */
signInRoutes.get('/session', async (c) => {
  const m = SESSION_PATTERN.exec(sessionCookie(c) ?? '');
  if (!m) return c.json({ error: 'not signed in' }, 401);
  const r = await workspaceOf(c, m[1]!).signInView(m[1]!, m[2]!);
  if (!r.ok) {
    clearSession(c);
    return c.json({ error: r.error.message }, 401);
  }
  const { session, ...view } = r.value;
  if (session) setSession(c, session, view.expiresAt);
  return c.json(view);
});

/** Sign out: ends the session on the server (and its live sockets), then clears the cookie. Same-site, with the CSRF token. */
signInRoutes.post('/logout', async (c) => {
  const m = SESSION_PATTERN.exec(sessionCookie(c) ?? '');
  if (!m) return c.body(null, 204);
  if (isCrossSite(c.req.raw)) return c.json({ error: 'sign-out must come from this site' }, 403);
  const csrf = c.req.header('x-greenlight-csrf') ?? '';
  if (csrf !== (await csrfTokenOf(m[2]!))) return c.json({ error: 'missing or wrong X-Greenlight-CSRF token' }, 403);
  await workspaceOf(c, m[1]!).signOut(m[1]!, m[2]!);
  clearSession(c);
  return c.body(null, 204);
});
