/**
 * The fixture every browser test file shares: ONE live `wrangler dev` and ONE Chromium
 * per file (starting them is what costs seconds), and for each test its own workspace,
 * its own keys and its own browser contexts. Nothing a test does can be seen by another:
 * each file passes with any single test run alone (`-t '<title>'`) and in any order (the
 * browser project shuffles its tests, see tests/browser/vitest.config.ts).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { createClient, type GreenlightClient } from '@greenlight/sdk';
import { call, freePort, startServer, type Server } from '../../scripts/server.ts';
import { launchChromium } from './chromium.ts';
import { buildPage, RESULTS_DIR } from './page.ts';

/** A workspace made for one test, with an approver (`reviewer`) and an agent. */
export type Workspace = {
  id: string;
  adminKey: string;
  reviewerKey: string;
  agentKey: string;
  /** SDK clients of the two keys. */
  reviewer: GreenlightClient;
  agent: GreenlightClient;
  /** Another key of this workspace (principal up to 200 characters, role as keys.create takes it). */
  key: (principal: string, role: string) => Promise<string>;
};

export type WorkspaceOptions = {
  /** The workspace's display name (the page shows it in its bar). */
  name?: string;
  /** The agent key's principal; `agent` unless given. */
  agent?: string;
  /** A policy set before the test sees the workspace (policy.set's `policy`). */
  policy?: unknown;
};

export type OpenOptions = {
  /** Put in sessionStorage before the page's first script runs, as after a sign-in; none: the key form. */
  key?: string;
  /** The page's hash route (`#/tasks/…`); the inbox when empty. */
  path?: string;
  viewport?: { width: number; height: number };
  /** More sessionStorage entries set before the page runs (e.g. `greenlight.undoSeconds`). */
  session?: Record<string, string>;
  /** Runs on the new page before it loads (install a clock, cut the live stream). */
  before?: (page: Page) => Promise<void>;
};

export type LiveFile = {
  /** The server's base URL, e.g. `http://127.0.0.1:8787`. */
  readonly url: string;
  readonly browser: Browser;
  /** A new workspace with fresh keys, unique in this file's server. */
  workspace: (opts?: WorkspaceOptions) => Promise<Workspace>;
  /** A page in a new browser context (closed after the test), at `path`, signed in with `key` when given. */
  open: (opts?: OpenOptions) => Promise<Page>;
  /** A new browser context, closed after the test. */
  context: (viewport?: { width: number; height: number }) => Promise<BrowserContext>;
};

const DESKTOP = { width: 1280, height: 900 };

/**
 * Registers this file's hooks: beforeAll builds the page and starts the server and
 * Chromium together; afterEach closes the contexts the test opened; afterAll stops both.
 * `name` prefixes workspace ids and temp dirs (a-z, 0-9, -; up to 20 characters); `env`
 * adds Worker variables (e.g. WEBHOOK_ALLOW_PRIVATE for a provider on 127.0.0.1).
 */
export function liveFile(name: string, env: Record<string, string> = {}): LiveFile {
  const root = `${name}-root-token`;
  let dir: string | undefined;
  let server: Server | undefined;
  let browser: Browser | undefined;
  let contexts: BrowserContext[] = [];
  let made = 0;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), `greenlight-${name}-`));
    writeFileSync(
      join(dir, 'env'),
      Object.entries({ GREENLIGHT_ROOT_TOKEN: root, ...env })
        .map(([k, v]) => `${k}=${v}\n`)
        .join(''),
    );
    mkdirSync(RESULTS_DIR, { recursive: true });
    const [, port] = await Promise.all([buildPage(), freePort()]);
    [server, browser] = await Promise.all([startServer({ port, persistTo: join(dir, 'state'), envFile: join(dir, 'env') }), launchChromium()]);
  });

  afterEach(async () => {
    const open = contexts;
    contexts = [];
    await Promise.all(open.map((c) => c.close().catch(() => {})));
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const started = () => {
    if (!server || !browser) throw new Error(`${name}: the server and Chromium start in beforeAll; use them inside a test`);
    return { server, browser };
  };

  const context = async (viewport = DESKTOP) => {
    const c = await started().browser.newContext({ viewport });
    contexts.push(c);
    return c;
  };

  return {
    get url() {
      return started().server.url;
    },
    get browser() {
      return started().browser;
    },
    context,

    async workspace(opts = {}) {
      const { url } = started().server;
      // Unique per server: a counter for this file, a random tail for reruns against kept state.
      const id = `${name}-${++made}-${randomUUID().slice(0, 8)}`;
      const { adminKey } = await call<{ adminKey: string }>(url, root, 'workspaces.create', { id, name: opts.name ?? `${name} ${made}` });
      const key = async (principal: string, role: string) => (await call<{ key: string }>(url, adminKey, 'keys.create', { principal, role })).key;
      const [reviewerKey, agentKey] = await Promise.all([key('reviewer', 'approver'), key(opts.agent ?? 'agent', 'agent')]);
      if (opts.policy !== undefined) await call(url, adminKey, 'policy.set', { policy: opts.policy });
      return {
        id,
        adminKey,
        reviewerKey,
        agentKey,
        key,
        reviewer: createClient({ url, key: reviewerKey }),
        agent: createClient({ url, key: agentKey }),
      };
    },

    async open(opts = {}) {
      const c = await context(opts.viewport);
      const session: Record<string, string> = { ...(opts.key ? { 'greenlight.key': opts.key } : {}), ...opts.session };
      if (Object.keys(session).length > 0) {
        await c.addInitScript({ content: `try { for (const [k, v] of Object.entries(${JSON.stringify(session)})) sessionStorage.setItem(k, v) } catch {}` });
      }
      const page = await c.newPage();
      if (opts.before) await opts.before(page);
      await page.goto(`${started().server.url}/${opts.path ?? ''}`);
      return page;
    },
  };
}
