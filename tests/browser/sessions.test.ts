/**
 * The review page for sessions (issue 13 item 5) in a real Chromium: an open task that
 * grows shows each appended step live; "Approve for this session" shows the suggested
 * grant before anything is sent, and then the next identical command is approved without
 * asking while a different one still asks; a grant can be revoked and the session ended.
 * Each test plans its own session and opens its own browser context.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { StepInput } from '@greenlight/core';
import { createClient, type GreenlightClient } from '@greenlight/sdk';
import { call, freePort, startServer, type Server } from '../../scripts/server.ts';
import { launchChromium } from './chromium.ts';
import { sendHeld } from './held.ts';
import { buildPage } from './page.ts';

const ROOT = 'sessions-root-token';
let dir: string;
let server: Server;
let browser: Browser;
let agent: GreenlightClient;
let reviewer: GreenlightClient;
let reviewerKey: string;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'greenlight-sessions-'));
  writeFileSync(join(dir, 'env'), `GREENLIGHT_ROOT_TOKEN=${ROOT}\n`);
  const [, port] = await Promise.all([buildPage(), freePort()]);
  [server, browser] = await Promise.all([startServer({ port, persistTo: join(dir, 'state'), envFile: join(dir, 'env') }), launchChromium()]);
  const { adminKey } = await call<{ adminKey: string }>(server.url, ROOT, 'workspaces.create', { id: 'sessions', name: 'Sessions' });
  const mk = async (principal: string, role: string) => (await call<{ key: string }>(server.url, adminKey, 'keys.create', { principal, role })).key;
  reviewerKey = await mk('reviewer', 'approver');
  agent = createClient({ url: server.url, key: await mk('claude', 'agent') });
  reviewer = createClient({ url: server.url, key: reviewerKey });
});

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => {});
  await browser?.close();
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function openTask(taskId: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  contexts.push(context);
  await context.addInitScript({ content: `try { sessionStorage.setItem('greenlight.key', ${JSON.stringify(reviewerKey)}) } catch {}` });
  const page = await context.newPage();
  await page.goto(`${server.url}/#/tasks/${taskId}`);
  await page.waitForSelector('.task .live.on');
  return page;
}

const step = (key: string) => `article.step[data-step-key="${key}"]`;
const bash = (key: string, command: string): StepInput => ({ key, kind: 'run_command', title: command, params: { command }, dependsOn: [] });

describe('a session on the review page', () => {
  it('approve for this session: the next identical command is approved without asking, a different one still asks; revoke; end the session', async () => {
    const task = await agent.tasks.plan.mutate({
      title: 'Claude Code session', open: true, session: 'cc-1', steps: [bash('t1', 'npm test')],
      metadata: { source: 'claude-code', session: 'cc-1', cwd: '/home/dev/shop', repository: 'github.com/acme/shop' },
    });
    const page = await openTask(task.id);
    expect(await page.locator('.task-head .agent-context').innerText()).toMatch(/Claude Code.*github\.com\/acme\/shop.*\/home\/dev\/shop/s);

    // The suggested grant is shown before anything is sent; the reviewer keeps it exact.
    await page.locator(step('t1')).getByRole('button', { name: 'Approve for this session…', exact: true }).click();
    const form = page.locator(`${step('t1')} .grant-form`);
    await form.waitFor();
    expect(await form.locator('.grant-preview').innerText()).toBe('Grant: the command npm test.');
    await form.getByRole('button', { name: 'Approve for this session', exact: true }).click();
    expect(await page.locator('.hold-bar li').innerText()).toMatch(/Approving for this session “npm test”/);
    await sendHeld(page);
    await page.waitForSelector(`${step('t1')}[data-status="approved"]`);
    const grants = page.locator('.grants li');
    await grants.first().waitFor();
    expect(await grants.first().innerText()).toMatch(/the command npm test.*by reviewer/s);

    // The agent goes on: the same command is approved by the grant, a different one asks. Both arrive live.
    await agent.tasks.append.mutate({ taskId: task.id, steps: [bash('t2', 'npm test'), bash('b1', 'npm run build')] });
    await page.waitForSelector(`${step('t2')}[data-status="approved"]`);
    await page.waitForSelector(`${step('b1')}[data-status="awaiting_approval"]`);
    const after = await reviewer.tasks.get.query({ taskId: task.id });
    expect(after.steps.find((s) => s.key === 't2')!.decision?.by.some((b) => b.startsWith('grant:'))).toBe(true);
    expect(await grants.first().innerText()).toMatch(/used once/);

    // Revoked: the same command asks again.
    await grants.first().getByRole('button', { name: 'Revoke', exact: true }).click();
    await page.locator('.grants').waitFor({ state: 'detached' });
    await agent.tasks.append.mutate({ taskId: task.id, steps: [bash('t3', 'npm test')] });
    await page.waitForSelector(`${step('t3')}[data-status="awaiting_approval"]`);

    // End the session: the agent can append no more.
    await page.getByRole('button', { name: 'End session', exact: true }).click();
    await page.locator('.session-state', { hasText: 'Session ended' }).waitFor();
    await expect(agent.tasks.append.mutate({ taskId: task.id, steps: [bash('t4', 'ls')] })).rejects.toMatchObject({ code: 'CONFLICT' });
  });
});
