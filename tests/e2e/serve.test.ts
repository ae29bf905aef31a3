/**
 * `npm run serve` on bare workerd (scripts/serve-workerd.ts, issue 17 item 3), for real:
 * the deploy bundle on the workerd binary with a generated config. What it must keep
 * from the Miniflare mode it replaces: the API, the page with its `_headers`, the same
 * state as `wrangler dev` (a workspace made under one is there under the other), no
 * secret in the config file, and no process left behind.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, freePort, ROOT_DIR } from '../../scripts/local.ts';
import { parseHeaders, startWorkerdServe } from '../../scripts/serve-workerd.ts';
import { startServer } from '../../scripts/server.ts';
import { capnpConfig } from '../../scripts/workerd.ts';
import type { WorkerdServer } from '../../scripts/workerd.ts';

const TOKEN = 'serve-test-root-token-3f9a1c';
let dir: string;
let server: WorkerdServer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'greenlight-serve-test-'));
  server = await startWorkerdServe({ port: await freePort(), persistTo: join(dir, 'state'), buildDir: join(dir, 'build'), vars: { GREENLIGHT_ROOT_TOKEN: TOKEN, WEBHOOK_ALLOW_PRIVATE: 'true' } });
});

afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('npm run serve on bare workerd', () => {
  it('answers the API: the root token creates a workspace, its admin key reads it', async () => {
    const { adminKey } = await call<{ adminKey: string }>(server.url, TOKEN, 'workspaces.create', { id: 'serve-api', name: 'serve test' });
    const ws = await call<{ id: string }>(server.url, adminKey, 'workspaces.get', undefined, 'GET');
    expect(ws.id).toBe('serve-api');
  });

  it('refuses a wrong root token with UNAUTHORIZED, as under wrangler dev', async () => {
    await expect(call(server.url, 'not-the-token', 'workspaces.create', { id: 'nope', name: 'nope' })).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  });

  it('serves the page with the headers _headers sets, and not _headers itself', async () => {
    const rules = parseHeaders(readFileSync(join(ROOT_DIR, 'apps', 'web', 'dist', '_headers'), 'utf8'));
    const page = await fetch(`${server.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await page.text()).toContain('<html');
    for (const [name, value] of Object.entries(rules.find((r) => r.pattern === '/*')!.set)) expect(page.headers.get(name)).toBe(value);
    expect((await fetch(`${server.url}/_headers`)).status).toBe(404);
    const redirect = await fetch(`${server.url}/index.html`, { redirect: 'manual' });
    expect([redirect.status, redirect.headers.get('location')]).toEqual([307, '/']);
  });

  it('sends an unknown path to the Worker (404), never a directory listing', async () => {
    for (const path of ['/assets', '/assets/', '/no-such-page', '/..%2fpackage.json']) {
      const res = await fetch(`${server.url}${path}`);
      expect(res.status, path).toBe(404);
      expect(await res.text(), path).not.toContain('"name"');
    }
  });

  it('writes no secret into the workerd config: secrets come from its environment', () => {
    const config = readFileSync(join(dir, 'build', 'workerd.capnp'), 'utf8');
    expect(config).toContain('fromEnvironment = "GREENLIGHT_WORKERD_GREENLIGHT_ROOT_TOKEN"');
    expect(config).not.toContain(TOKEN);
  });

  it('keeps state where wrangler dev reads it: the workspace made here is there under npm start', async () => {
    const { adminKey } = await call<{ adminKey: string }>(server.url, TOKEN, 'workspaces.create', { id: 'serve-state', name: 'serve state' });
    await server.stop();
    expect(existsSync(join(dir, 'state', 'v3', 'do', 'greenlight-Workspace'))).toBe(true);
    const envFile = join(dir, 'dev.env');
    writeFileSync(envFile, `GREENLIGHT_ROOT_TOKEN=${TOKEN}\n`, { mode: 0o600 });
    const dev = await startServer({ port: await freePort(), persistTo: join(dir, 'state'), envFile });
    try {
      const ws = await call<{ id: string }>(dev.url, adminKey, 'workspaces.get', undefined, 'GET');
      expect(ws.id).toBe('serve-state');
    } finally {
      await dev.stop();
    }
    server = await startWorkerdServe({ port: await freePort(), persistTo: join(dir, 'state'), buildDir: join(dir, 'build'), vars: { GREENLIGHT_ROOT_TOKEN: TOKEN } });
  });
});

describe('the workerd config', () => {
  it('quotes every string, so a value cannot break out of the config', () => {
    const text = capnpConfig(
      [{ worker: { name: 'w', modules: [{ name: 'a.js', path: '/x/a.js' }], compatibilityDate: '2026-10-01', bindings: [{ name: 'V', text: 'a") , evil = ("' }] } }],
      'w',
      1234,
      '/x',
    );
    expect(text).toContain('text = "a\\") , evil = (\\""');
    expect(text).toContain('embed "a.js"');
  });

  it('reads _headers blocks and refuses a line it does not understand', () => {
    expect(parseHeaders('# c\n/*\n  X-A: 1\n  Content-Security-Policy: a; b\n/x\n  X-B: 2\n')).toEqual([
      { pattern: '/*', set: { 'x-a': '1', 'content-security-policy': 'a; b' } },
      { pattern: '/x', set: { 'x-b': '2' } },
    ]);
    expect(() => parseHeaders('/*\n  ! X-A\n')).toThrow(/cannot read/);
  });
});
