/**
 * Sign-in sessions (OIDC, docs/sign-in.md) in the real Worker and object: a session's
 * cookie is a credential like a key (queries need only it; changes need its CSRF token
 * too, and must come from this site), it ends at its expiry, when idle, and at sign-out,
 * and its secret rotates with a short grace for requests in flight. The provider's side
 * (a real OpenID provider through Chromium) is tests/browser/sign-in.test.ts; here the
 * session is started in the object directly, as a verified sign-in would.
 * Also `oidc.set|get`: admin only, the client secret sealed at rest and never answered.
 */
import { runInDurableObject } from 'cloudflare:test';
import { SIGNIN_IDLE_MS, SIGNIN_ROTATE_GRACE_MS, SIGNIN_ROTATE_MS, SIGNIN_TTL_MS, sha256Hex } from '@greenlight/core';
import { describe, expect, it } from 'vitest';
import { csrfTokenOf } from '../src/workspace/oidc.ts';
import { newSecret } from '../src/workspace/keys.ts';
import { startSignIn } from '../src/workspace/signins.ts';
import { stubOf } from './deadlines.ts';
import { BASE, errorOf, team, workerFetch } from './harness.ts';

const ISSUER = 'https://idp.example.com';
const PRINCIPAL = `oidc:${ISSUER}#u-1`;

/** Start a session for `u-1` (approver, mfa) in the workspace's object, its clock frozen far ahead; answers its cookie, CSRF token and a clock mover. */
async function signedIn(workspaceId: string) {
  const secret = newSecret();
  const hash = await sha256Hex(secret);
  let now = Date.now() + 30 * 86_400_000;
  await runInDurableObject(stubOf(workspaceId), (instance, state) => {
    instance.clock = () => now;
    startSignIn(state.storage.sql, crypto.randomUUID(), hash, { principal: PRINCIPAL, email: 'ana@example.com', role: 'approver', authStrength: 'mfa', groups: ['security'] }, now);
  });
  return { cookie: `__Host-gl_session=gls_${workspaceId}_${secret}`, csrf: await csrfTokenOf(secret), advance: (ms: number) => (now += ms) };
}

const trpc = (path: string, init: RequestInit & { input?: unknown } = {}) => {
  const { input, ...rest } = init;
  const method = rest.method ?? 'GET';
  const url = method === 'GET' ? `${BASE}/trpc/${path}${input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(input))}`}` : `${BASE}/trpc/${path}`;
  return workerFetch(url, { ...rest, ...(method === 'POST' ? { body: JSON.stringify(input ?? {}), headers: { 'content-type': 'application/json', ...rest.headers } } : {}) });
};
const you = async (cookie: string) => {
  const r = await trpc('workspaces.get', { headers: { cookie } });
  return r.status === 200 ? ((await r.json()) as { result: { data: { you: { principal: string; role: string } } } }).result.data.you : r.status;
};

describe('a sign-in session as a credential', () => {
  it('reads with the cookie alone, as oidc:<issuer>#<sub> with its role; a change needs the CSRF token, and the token of another session does not do', async () => {
    const t = await team();
    const s = await signedIn(t.id);
    expect(await you(s.cookie)).toMatchObject({ principal: PRINCIPAL, role: 'approver' });
    const bare = await trpc('events.ticket', { method: 'POST', headers: { cookie: s.cookie } });
    expect(bare.status).toBe(403);
    expect(await bare.text()).toContain('missing X-Greenlight-CSRF header');
    const other = await signedIn(t.id);
    const wrong = await trpc('events.ticket', { method: 'POST', headers: { cookie: s.cookie, 'x-greenlight-csrf': other.csrf } });
    expect(wrong.status).toBe(403);
    expect(await wrong.text()).toContain('wrong X-Greenlight-CSRF token');
    const cross = await trpc('events.ticket', { method: 'POST', headers: { cookie: s.cookie, 'x-greenlight-csrf': s.csrf, 'sec-fetch-site': 'cross-site' } });
    expect(cross.status).toBe(403);
    const good = await trpc('events.ticket', { method: 'POST', headers: { cookie: s.cookie, 'x-greenlight-csrf': s.csrf } });
    expect(good.status).toBe(200);
  });

  it('a key in Authorization wins over a session cookie', async () => {
    const t = await team();
    const s = await signedIn(t.id);
    const r = await trpc('workspaces.get', { headers: { cookie: s.cookie, authorization: `Bearer ${t.keys.viewer}` } });
    expect(((await r.json()) as { result: { data: { you: { principal: string } } } }).result.data.you.principal).toBe('victor');
  });

  it('ends at its absolute expiry, however busy', async () => {
    const t = await team();
    const s = await signedIn(t.id);
    // Used just often enough never to idle out, right up to a millisecond before the expiry.
    const step = SIGNIN_IDLE_MS - 60_000;
    let used = 0;
    while (used + step < SIGNIN_TTL_MS) {
      s.advance(step);
      used += step;
      expect(await you(s.cookie)).toMatchObject({ principal: PRINCIPAL });
    }
    s.advance(SIGNIN_TTL_MS - used - 1);
    expect(await you(s.cookie)).toMatchObject({ principal: PRINCIPAL });
    s.advance(1);
    expect(await you(s.cookie)).toBe(401);
  });

  it('ends when unused for the idle time', async () => {
    const t = await team();
    const s = await signedIn(t.id);
    s.advance(SIGNIN_IDLE_MS - 1);
    expect(await you(s.cookie)).toMatchObject({ principal: PRINCIPAL });
    s.advance(SIGNIN_IDLE_MS);
    expect(await you(s.cookie)).toBe(401);
  });

  it('rotates its secret: the new cookie works, the old one only for the grace period', async () => {
    const t = await team();
    const s = await signedIn(t.id);
    const before = await workerFetch(`${BASE}/auth/session`, { headers: { cookie: s.cookie } });
    expect(before.headers.get('set-cookie')).toBeNull();
    expect(await before.json()).toMatchObject({ principal: PRINCIPAL, authStrength: 'mfa', groups: ['security'], csrf: s.csrf });
    s.advance(SIGNIN_ROTATE_MS);
    const rotated = await workerFetch(`${BASE}/auth/session`, { headers: { cookie: s.cookie } });
    const setCookie = rotated.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/^__Host-gl_session=gls_/);
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/Secure/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    const fresh = setCookie.split(';')[0]!;
    expect(fresh).not.toBe(s.cookie);
    const view = (await rotated.json()) as { csrf: string };
    expect(view.csrf).not.toBe(s.csrf);
    expect(await you(fresh)).toMatchObject({ principal: PRINCIPAL });
    expect(await you(s.cookie)).toMatchObject({ principal: PRINCIPAL });
    s.advance(SIGNIN_ROTATE_GRACE_MS);
    expect(await you(s.cookie)).toBe(401);
    expect(await you(fresh)).toMatchObject({ principal: PRINCIPAL });
  });

  it('sign-out ends it on the server (with the CSRF token); a sign-out without the token ends nothing', async () => {
    const t = await team();
    const s = await signedIn(t.id);
    const forged = await workerFetch(`${BASE}/auth/logout`, { method: 'POST', headers: { cookie: s.cookie } });
    expect(forged.status).toBe(403);
    expect(await you(s.cookie)).toMatchObject({ principal: PRINCIPAL });
    const out = await workerFetch(`${BASE}/auth/logout`, { method: 'POST', headers: { cookie: s.cookie, 'x-greenlight-csrf': s.csrf } });
    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toMatch(/^__Host-gl_session=;/);
    expect(await you(s.cookie)).toBe(401);
    expect((await workerFetch(`${BASE}/auth/session`, { headers: { cookie: s.cookie } })).status).toBe(401);
  });

  it("a session of one workspace is nothing in another (the cookie's workspace is checked by the object)", async () => {
    const [a, b] = [await team(), await team()];
    const s = await signedIn(a.id);
    expect(await you(s.cookie.replace(a.id, b.id))).toBe(401);
  });
});

describe('oidc.set / oidc.get', () => {
  const settings = { issuer: ISSUER, clientId: 'greenlight', clientSecret: 'client-secret-never-shown-again', roleClaim: 'roles', roleMap: { reviewers: 'approver' as const } };

  it('admin only; the secret is sealed at rest and never answered', async () => {
    const t = await team();
    expect((await errorOf(t.admin.oidc.get.query())).code).toBe('NOT_FOUND');
    expect((await errorOf(t.approver.oidc.set.mutate(settings))).code).toBe('FORBIDDEN');
    const set = await t.admin.oidc.set.mutate(settings);
    expect(set).toMatchObject({ issuer: ISSUER, hasClientSecret: true, redirectPath: '/auth/callback' });
    expect(JSON.stringify(set)).not.toContain(settings.clientSecret);
    expect(JSON.stringify(await t.admin.oidc.get.query())).not.toContain(settings.clientSecret);
    const atRest = await runInDurableObject(stubOf(t.id), (_o, state) => JSON.stringify(state.storage.sql.exec(`SELECT * FROM oidc_settings`).toArray()));
    expect(atRest).toContain('v1.rt.');
    expect(atRest).not.toContain(settings.clientSecret);
    expect(await (await workerFetch(`${BASE}/auth/provider?workspace=${t.id}`)).json()).toEqual({ enabled: true, name: 'idp.example.com' });
  });

  it('records every change in the audit (oidc.configured: who may sign in and as what), never the secret; a refused change records nothing', async () => {
    const t = await team();
    await errorOf(t.admin.oidc.set.mutate({ ...settings, issuer: 'http://idp.example.com' }));
    await t.admin.oidc.set.mutate({ ...settings, allowedDomains: ['example.com'] });
    const events = (await t.admin.events.list.query({ limit: 100 })).items.filter((e) => e.type === 'oidc.configured');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ actor: 'admin', data: { issuer: ISSUER, clientId: 'greenlight', roleClaim: 'roles', roleMap: { reviewers: 'approver' }, allowedDomains: ['example.com'] } });
    expect(JSON.stringify(events)).not.toContain(settings.clientSecret);
  });

  it('refuses a plain-http issuer that is not this machine', async () => {
    const t = await team();
    const e = await errorOf(t.admin.oidc.set.mutate({ ...settings, issuer: 'http://idp.example.com' }));
    expect(e).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringContaining('must be an https URL') });
  });
});
