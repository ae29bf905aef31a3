/**
 * Sign-in per workspace through OIDC (issue 15 item 1), with real parts: a real OpenID
 * provider (panva's oidc-provider, started on 127.0.0.1 by tests/support/oidc-provider.ts),
 * the real Worker (`wrangler dev`), the page in Chromium. A reviewer signs in through the
 * provider's own login page and decides; the vote and the audit say who
 * (`oidc:<issuer>#<sub>`) and how (`oidc`, `sso`). Tokens that must not sign anyone in
 * (forged, expired, for another client, another nonce, an unverified email, a domain not
 * allowed) are each refused with their reason and leave no session; a change without
 * the CSRF token, or from another origin, is refused; sign-out ends the session on the server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { liveFile, type Workspace } from './fixture.ts';
import { startTestProvider, type TestProvider } from '../support/oidc-provider.ts';

// WEBHOOK_ALLOW_PRIVATE: local development, where a plain-http issuer on 127.0.0.1 is allowed.
const live = liveFile('signin', { WEBHOOK_ALLOW_PRIVATE: 'true' });
let idp: TestProvider;

beforeAll(async () => {
  idp = await startTestProvider(live.url);
  idp.accounts.set('ana', { email: 'ana@example.com', email_verified: true, roles: ['reviewers'], groups: ['security'] });
  idp.accounts.set('una', { email: 'una@example.com', email_verified: false, roles: ['reviewers'] });
  idp.accounts.set('eve', { email: 'eve@elsewhere.org', email_verified: true, roles: ['reviewers'] });
  idp.accounts.set('ned', { email: 'ned@example.com', email_verified: true, roles: ['interns'] });
});
afterAll(() => idp?.stop());

/** A workspace whose sign-in is the test provider; deletes need two approvals (so a vote stays visible on the approval). */
async function workspace(): Promise<Workspace> {
  const ws = await live.workspace({ name: 'Signed in', policy: { rules: [{ match: { kind: 'delete_file' }, action: 'ask', requiredApprovals: 2 }] } });
  const admin = (await import('@greenlight/sdk')).createClient({ url: live.url, key: ws.adminKey });
  await admin.oidc.set.mutate({
    issuer: idp.issuer,
    clientId: idp.clientId,
    clientSecret: idp.clientSecret,
    name: 'Test IdP',
    allowedDomains: ['example.com'],
    roleClaim: 'roles',
    roleMap: { reviewers: 'approver' },
    groupsClaim: 'groups',
  });
  return ws;
}

/** Sign in as `login` through the page and the provider's own login form; answers the page where it lands. */
async function signIn(ctx: BrowserContext, ws: Workspace, login: string): Promise<Page> {
  const page = await ctx.newPage();
  await page.goto(`${live.url}/?workspace=${ws.id}`);
  await page.getByRole('button', { name: 'Sign in with Test IdP' }).click();
  await page.waitForURL((u) => u.href.startsWith(idp.issuer));
  await page.fill('input[name=login]', login);
  await page.fill('input[name=password]', 'any password');
  await page.click('button[type=submit]');
  await page.waitForURL((u) => u.href.startsWith(live.url));
  await page.waitForLoadState('load');
  return page;
}

/** What GET /auth/session answers in this browser: 200 and who, or 401. */
const sessionOf = (page: Page) =>
  page.evaluate(async () => {
    const r = await fetch('/auth/session');
    return { status: r.status, body: (await r.json()) as Record<string, unknown> };
  });

/** The session cookie Chromium holds for the server, as a Cookie header. */
async function cookieHeader(ctx: BrowserContext): Promise<string> {
  const c = (await ctx.cookies(live.url)).find((x) => x.name === '__Host-gl_session');
  if (!c) throw new Error('no session cookie');
  return `${c.name}=${c.value}`;
}

async function pendingDelete(ws: Workspace) {
  const task = await ws.agent.plan({ title: 'Tidy', steps: [{ key: 'drop', kind: 'delete_file', title: 'Delete the cache', params: { path: 'cache/index.json' } }] });
  const approval = (await ws.reviewer.approvals.list.query({ taskId: task.id })).items[0]!;
  return { task, approval };
}

describe('sign-in through the provider', () => {
  it('a reviewer signs in in Chromium, decides, and the vote and the audit name oidc:<issuer>#<sub> with source oidc and strength sso', async () => {
    const ws = await workspace();
    const { task, approval } = await pendingDelete(ws);
    const ctx = await live.context();
    const page = await signIn(ctx, ws, 'ana');
    const principal = `oidc:${idp.issuer}#ana`;
    await expect.poll(() => page.locator('header .you').innerText()).toContain('signed in as ana@example.com (approver, SSO)');
    expect(await page.locator('header .you').getAttribute('title')).toBe(principal);
    const cookie = (await ctx.cookies(live.url)).find((c) => c.name === '__Host-gl_session')!;
    expect(cookie).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Strict', path: '/' });
    expect((await sessionOf(page)).body).toMatchObject({ workspaceId: ws.id, principal, email: 'ana@example.com', role: 'approver', authStrength: 'sso', groups: ['security'] });

    // Decide through the page (the undo window runs out on its own), then read what was recorded.
    await page.goto(`${live.url}/#/tasks/${task.id}`);
    await page.locator('article.step[data-step-key="drop"]').getByRole('button', { name: 'Approve', exact: true }).click();
    await expect.poll(async () => (await ws.reviewer.approvals.get.query({ approvalId: approval.approvalId })).votes.length, { timeout: 15_000 }).toBe(1);
    const { votes } = await ws.reviewer.approvals.get.query({ approvalId: approval.approvalId });
    expect(votes[0]).toMatchObject({ principal, identitySource: 'oidc', authStrength: 'sso', person: principal });
    const admin = (await import('@greenlight/sdk')).createClient({ url: live.url, key: ws.adminKey });
    const { text } = await admin.audit.export.query({});
    const voted = text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; actor?: string; stepId?: string })
      .filter((e) => e.type === 'approval.voted');
    expect(voted.map((e) => e.actor)).toEqual([principal]);
    // The live socket's single-use ticket works for a session too (the page's live dot turns on).
    await page.waitForSelector('.task .live.on');
  });

  it('an ID token whose amr shows a second factor (RFC 8176) signs in with strength mfa', async () => {
    const ws = await workspace();
    const ctx = await live.context();
    // The provider's own token, re-signed with its own key, saying a password and a one-time code were used.
    idp.tamper = (c, k) => k.sign({ ...c, amr: ['pwd', 'otp'] });
    try {
      const page = await signIn(ctx, ws, 'ana');
      expect((await sessionOf(page)).body).toMatchObject({ principal: `oidc:${idp.issuer}#ana`, authStrength: 'mfa' });
      await expect.poll(() => page.locator('header .you').innerText()).toContain('(approver, MFA)');
    } finally {
      idp.tamper = undefined;
    }
  });

  it('sign-out ends the session on the server: the old cookie is refused afterwards', async () => {
    const ws = await workspace();
    const ctx = await live.context();
    const page = await signIn(ctx, ws, 'ana');
    await page.getByRole('button', { name: 'Sign out' }).click();
    // Back at the sign-in, the workspace still named (the callback landed on /?workspace=<id>).
    await page.getByRole('button', { name: 'Sign in with Test IdP' }).waitFor();
    expect((await sessionOf(page)).status).toBe(401);
    // Replaying the cookie as it was before sign-out: refused by the object, not just forgotten by the browser.
    const old = await cookieHeaderBefore(ws);
    const r = await fetch(`${live.url}/trpc/workspaces.get`, { headers: { cookie: old.cookie } });
    expect(r.status).toBe(200);
    await fetch(`${live.url}/auth/logout`, { method: 'POST', headers: { cookie: old.cookie, 'x-greenlight-csrf': old.csrf } });
    const after = await fetch(`${live.url}/trpc/workspaces.get`, { headers: { cookie: old.cookie } });
    expect(after.status).toBe(401);
    expect(await after.text()).toMatch(/unknown or revoked key/);
  });
});

/** A fresh signed-in session's cookie and CSRF token, taken out of the browser. */
async function cookieHeaderBefore(ws: Workspace): Promise<{ cookie: string; csrf: string }> {
  const ctx = await live.context();
  const page = await signIn(ctx, ws, 'ana');
  const { body } = await sessionOf(page);
  return { cookie: await cookieHeader(ctx), csrf: String(body['csrf']) };
}

describe('CSRF', () => {
  it('a change with the cookie but without the CSRF token, or from another origin, is refused and changes nothing', async () => {
    const ws = await workspace();
    const { approval } = await pendingDelete(ws);
    const ctx = await live.context();
    const page = await signIn(ctx, ws, 'ana');
    const csrf = String((await sessionOf(page)).body['csrf']);
    const body = JSON.stringify({ approvalId: approval.approvalId, decision: 'approve', paramsHash: approval.paramsHash });

    // Same page, no token: the cookie alone is not enough.
    const noToken = await page.evaluate(async (b) => {
      const r = await fetch('/trpc/approvals.decide', { method: 'POST', headers: { 'content-type': 'application/json' }, body: b });
      return { status: r.status, text: await r.text() };
    }, body);
    expect(noToken.status).toBe(403);
    expect(noToken.text).toContain('missing X-Greenlight-CSRF header');

    // Another origin (the provider's: same host, another port).
    // What a page there can send: the classic cross-site form post, without the token it cannot read.
    const other = await ctx.newPage();
    await other.goto(`${idp.issuer}/.well-known/openid-configuration`);
    const sent = other.waitForEvent('request', (r) => r.url().endsWith('/trpc/approvals.decide'));
    // A script string: the test's own TypeScript has no DOM types.
    await other.evaluate(`(() => {
      const form = document.createElement('form');
      form.method = 'POST';
      form.action = ${JSON.stringify(`${live.url}/trpc/approvals.decide`)};
      form.enctype = 'text/plain';
      const field = document.createElement('input');
      field.name = ${JSON.stringify(body)};
      form.append(field);
      document.body.append(form);
      form.submit();
    })()`);
    // It went out (Chromium leaves the cookie off it; should a browser send it, the checks below refuse it anyway).
    expect((await sent).method()).toBe('POST');
    // With the right token and the cookie, but an Origin of another site: refused too.
    const forgedOrigin = await fetch(`${live.url}/trpc/approvals.decide`, {
      method: 'POST',
      headers: { cookie: await cookieHeader(ctx), 'x-greenlight-csrf': csrf, origin: 'https://evil.example', 'content-type': 'application/json' },
      body,
    });
    expect(forgedOrigin.status).toBe(403);
    expect(await forgedOrigin.text()).toContain('came from another origin');
    expect((await ws.reviewer.approvals.get.query({ approvalId: approval.approvalId })).votes).toEqual([]);

    // The same call with the token from the same page is accepted: the refusals above were the token and the origin.
    const withToken = await page.evaluate(
      async ([b, t]) => (await fetch('/trpc/approvals.decide', { method: 'POST', headers: { 'content-type': 'application/json', 'x-greenlight-csrf': t }, body: b })).status,
      [body, csrf] as const,
    );
    expect(withToken).toBe(200);
    expect((await ws.reviewer.approvals.get.query({ approvalId: approval.approvalId })).votes).toHaveLength(1);
  });
});

describe('tokens that must not sign anyone in', () => {
  const cases: { name: string; login?: string; tamper?: TestProvider['tamper']; reason: RegExp }[] = [
    { name: 'forged (signed with a key the provider never published)', tamper: (c, k) => k.forge(c), reason: /signature does not verify/ },
    { name: 'expired', tamper: (c, k) => k.sign({ ...c, iat: Math.floor(Date.now() / 1000) - 7200, exp: Math.floor(Date.now() / 1000) - 3600 }), reason: /has expired/ },
    { name: 'for another client (aud)', tamper: (c, k) => k.sign({ ...c, aud: 'someone-else' }), reason: /another client/ },
    { name: 'with another nonce', tamper: (c, k) => k.sign({ ...c, nonce: 'not-this-sign-in' }), reason: /nonce does not match/ },
    { name: 'with an unverified email', login: 'una', reason: /has not verified una@example.com/ },
    { name: 'from a domain not allowed', login: 'eve', reason: /not in an allowed domain/ },
    { name: 'whose role claim maps to no role', login: 'ned', reason: /maps to no Greenlight role/ },
  ];
  for (const c of cases) {
    it(`an ID token ${c.name} is refused with its reason, and no session starts`, async () => {
      const ws = await workspace();
      const ctx = await live.context();
      idp.tamper = c.tamper;
      try {
        const page = await signIn(ctx, ws, c.login ?? 'ana');
        expect(await page.locator('h1').innerText()).toBe('Sign-in refused');
        expect(await page.locator('#reason').innerText()).toMatch(c.reason);
        expect((await ctx.cookies(live.url)).map((k) => k.name)).not.toContain('__Host-gl_session');
        expect((await sessionOf(page)).status).toBe(401);
      } finally {
        idp.tamper = undefined;
      }
    });
  }

  it('a callback whose state is not this browser’s is refused (a login CSRF), and a used state cannot be replayed', async () => {
    const ws = await workspace();
    const ctx = await live.context();
    const page = await ctx.newPage();
    // A callback made up by someone else: a state this browser never started.
    await page.goto(`${live.url}/auth/callback?code=stolen&state=${ws.id}.someone-elses-state`);
    expect(await page.locator('#reason').innerText()).toMatch(/state does not match this browser/);
    // A real sign-in, then its callback replayed with the state cookie it came with: the state was spent.
    let callback = '';
    ctx.on('request', (r) => {
      if (r.url().startsWith(`${live.url}/auth/callback`)) callback = r.url();
    });
    const signed = await signIn(ctx, ws, 'ana');
    expect((await sessionOf(signed)).status).toBe(200);
    const state = new URL(callback).searchParams.get('state')!;
    const replay = await fetch(callback, { headers: { cookie: `__Host-gl_oidc=${state}` }, redirect: 'manual' });
    expect(replay.status).toBe(401);
    expect(await replay.text()).toMatch(/unknown, used or expired/);
    expect(replay.headers.get('set-cookie') ?? '').not.toContain('__Host-gl_session=gls_');
  });
});
