/**
 * The enforcing MCP gateway decided on the review page, in a real Chromium (issue 14,
 * "one through the web page"): the SDK's MCP Client calls a destructive tool through the
 * real `greenlight mcp proxy -- node mcp-fixture-server.ts` process; the call is held
 * until a reviewer approves it on the page (its undo window ended with "Send now"), and
 * the client then gets the upstream's own result. A call rejected on the page comes back
 * as a tool error carrying the reviewer's reason, and the fixture never receives it (it
 * logs every call that reaches it). The API is only read here, never used to decide.
 * Each test starts its own gateway (its own session task) and browser context.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { createClient, type GreenlightClient } from '@greenlight/sdk';
import { call, freePort, startServer, type Server } from '../../scripts/server.ts';
import { approvalFor as approvalOf, resultText, startGateway } from '../support/mcp-gateway.ts';
import { launchChromium } from './chromium.ts';
import { sendHeld } from './held.ts';
import { buildPage } from './page.ts';

const ROOT = 'mcp-page-root-token';

let dir: string;
let server: Server;
let browser: Browser;
let agentKey: string;
let reviewerKey: string;
let reviewer: GreenlightClient;
const contexts: BrowserContext[] = [];
const clients: Client[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'greenlight-mcp-page-'));
  writeFileSync(join(dir, 'env'), `GREENLIGHT_ROOT_TOKEN=${ROOT}\n`);
  const [, port] = await Promise.all([buildPage(), freePort()]);
  [server, browser] = await Promise.all([startServer({ port, persistTo: join(dir, 'state'), envFile: join(dir, 'env') }), launchChromium()]);
  const { adminKey } = await call<{ adminKey: string }>(server.url, ROOT, 'workspaces.create', { id: 'mcp-page', name: 'MCP on the page' });
  const mk = async (principal: string, role: string) => (await call<{ key: string }>(server.url, adminKey, 'keys.create', { principal, role })).key;
  [agentKey, reviewerKey] = await Promise.all([mk('agent', 'agent'), mk('reviewer', 'approver')]);
  reviewer = createClient({ url: server.url, key: reviewerKey });
});

afterEach(async () => {
  await Promise.allSettled(clients.splice(0).map((c) => c.close()));
});

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => {});
  await browser?.close();
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** `greenlight mcp proxy --name notes -- node mcp-fixture-server.ts <log>` as the agent, closed after the test. */
async function gateway() {
  const g = await startGateway({ dir, url: server.url, key: agentKey });
  clients.push(g.client);
  return g;
}

/** The review page at the task, signed in as the reviewer, its live stream on. */
async function openTask(taskId: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  contexts.push(context);
  await context.addInitScript({ content: `try { sessionStorage.setItem('greenlight.key', ${JSON.stringify(reviewerKey)}) } catch {}` });
  const page = await context.newPage();
  await page.goto(`${server.url}/#/tasks/${taskId}`);
  await page.waitForSelector('.task .live.on');
  return page;
}

const card = (key: string) => `article.step[data-step-key="${key}"]`;

describe('greenlight mcp proxy, decided on the review page', () => {
  it('a destructive call is held until the reviewer approves it on the page; the client then gets the upstream’s real result', async () => {
    const g = await gateway();
    const pending = g.client.callTool({ name: 'delete_note', arguments: { name: 'hello' } });
    let settled = false;
    void pending.finally(() => (settled = true));
    const a = await approvalOf(reviewer, 'delete_note', { name: 'hello' });

    const page = await openTask(a.taskId);
    const step = page.locator(card(a.stepKey));
    await page.waitForSelector(`${card(a.stepKey)}[data-status="awaiting_approval"]`);
    // The page shows the call as the gateway asked for it: the MCP tool and its arguments.
    expect(await step.innerText()).toMatch(/mcp__notes__delete_note/);
    expect(await step.innerText()).toMatch(/hello/);
    expect(g.calls()).toEqual([]);
    expect(settled).toBe(false);

    await step.getByRole('button', { name: 'Approve', exact: true }).click();
    await sendHeld(page);
    const result = await pending;
    expect(result.isError).toBeFalsy();
    expect(resultText(result)).toBe('deleted hello');
    expect(g.calls()).toEqual([expect.objectContaining({ tool: 'delete_note', args: { name: 'hello' } })]);
    await page.waitForSelector(`${card(a.stepKey)}[data-status="completed"]`);

    const s = await reviewer.steps.get.query({ stepId: a.stepId });
    expect(s.decision).toMatchObject({ decision: 'approve', by: ['reviewer'] });
    expect(s.result?.output).toEqual(result);
    const events = (await reviewer.events.list.query({ taskId: a.taskId, limit: 200 })).items.filter((e) => e.stepId === a.stepId);
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['approval.requested', 'step.approved', 'step.claimed', 'step.completed']));
    expect(events.find((e) => e.type === 'step.approved')?.actor).toBe('reviewer');
  });

  it('a call rejected on the page is a tool error with the reviewer’s reason, and the upstream never receives it', async () => {
    const g = await gateway();
    const pending = g.client.callTool({ name: 'delete_note', arguments: { name: 'keep' } });
    const a = await approvalOf(reviewer, 'delete_note', { name: 'keep' });

    const page = await openTask(a.taskId);
    const step = page.locator(card(a.stepKey));
    await page.waitForSelector(`${card(a.stepKey)}[data-status="awaiting_approval"]`);
    await step.locator('textarea.feedback').fill('keep it, it is the only copy');
    await step.getByRole('button', { name: 'Reject', exact: true }).click();
    await sendHeld(page);

    const result = await pending;
    expect(result.isError).toBe(true);
    expect(resultText(result)).toMatch(/rejected by reviewer: keep it, it is the only copy/);
    await page.waitForSelector(`${card(a.stepKey)}[data-status="rejected"]`);
    // Given time to misbehave, the gateway still forwards nothing, and the client's connection still works.
    await new Promise((r) => setTimeout(r, 300));
    expect(g.calls()).toEqual([]);
    const s = await reviewer.steps.get.query({ stepId: a.stepId });
    expect(s).toMatchObject({ status: 'rejected', decision: { decision: 'reject', feedback: 'keep it, it is the only copy' } });
    const events = (await reviewer.events.list.query({ taskId: a.taskId, limit: 200 })).items.filter((e) => e.stepId === a.stepId).map((e) => e.type);
    expect(events).toContain('step.rejected');
    expect(events).not.toContain('step.claimed');
  });
});
