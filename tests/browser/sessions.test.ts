/**
 * The review page for sessions (issue 13 item 5) in a real Chromium: an open task that
 * grows shows each appended step live; "Approve for this session" shows the suggested
 * grant before anything is sent, and then the next identical command is approved without
 * asking while a different one still asks; a grant can be revoked and the session ended.
 * Each test has its own workspace, session and browser context (tests/browser/fixture.ts).
 */
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { StepInput } from '@greenlight/core';
import { liveFile, type Workspace } from './fixture.ts';
import { sendHeld } from './held.ts';

const live = liveFile('sessions');

async function openTask(ws: Workspace, taskId: string): Promise<Page> {
  const page = await live.open({ key: ws.reviewerKey, path: `#/tasks/${taskId}` });
  await page.waitForSelector('.task .live.on');
  return page;
}

const step = (key: string) => `article.step[data-step-key="${key}"]`;
const bash = (key: string, command: string): StepInput => ({ key, kind: 'run_command', title: command, params: { command }, dependsOn: [] });

describe('a session on the review page', () => {
  it('approve for this session: the next identical command is approved without asking, a different one still asks; revoke; end the session', async () => {
    const ws = await live.workspace({ name: 'Sessions', agent: 'claude' });
    const { agent, reviewer } = ws;
    const task = await agent.tasks.plan.mutate({
      title: 'Claude Code session',
      open: true,
      session: 'cc-1',
      steps: [bash('t1', 'npm test')],
      metadata: { source: 'claude-code', session: 'cc-1', cwd: '/home/dev/shop', repository: 'github.com/acme/shop' },
    });
    const page = await openTask(ws, task.id);
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
