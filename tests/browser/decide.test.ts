/**
 * Deliberate decisions in a real Chromium (issue 16 item 1): a decision is held for its
 * undo window in the page, visibly, before it is sent; an undone one never reaches the
 * workspace (checked through the API and the audit log), one not undone is sent exactly
 * once. "Approve all" leaves out high-risk and N-of-M steps unless they are confirmed by
 * name, separately. The history pages through decisions and filters them. Each test
 * has its own workspace, task and browser context (tests/browser/fixture.ts).
 * The page's clock is Playwright's (page.clock), so a 5 s window costs no real time.
 */
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { Event } from '@greenlight/core';
import type { GreenlightClient } from '@greenlight/sdk';
import { liveFile, type Workspace } from './fixture.ts';
import { sendHeld } from './held.ts';

const live = liveFile('decide');

/** A workspace of its own for each test. Deletes need two approvals: N-of-M must see one vote per decision the page sends. */
const newWorkspace = (): Promise<Workspace> => live.workspace({ name: 'Deliberate decisions', policy: { rules: [{ match: { kind: 'delete_file' }, action: 'ask', requiredApprovals: 2 }] } });

/** A page at `hash` with the page's clock under the test's control, signed in as the workspace's reviewer. */
function open(ws: Workspace, hash: string): Promise<Page> {
  return live.open({ key: ws.reviewerKey, path: hash, before: (page) => page.clock.install() });
}

async function openTask(ws: Workspace, taskId: string): Promise<Page> {
  const page = await open(ws, `#/tasks/${taskId}`);
  await page.waitForSelector('.task .live.on');
  return page;
}

const step = (key: string) => `article.step[data-step-key="${key}"]`;

/** Every event of the task that records a decision about `stepId`. */
async function decisionEvents(reviewer: GreenlightClient, taskId: string, stepId: string): Promise<Event[]> {
  const { items } = await reviewer.events.list.query({ taskId, limit: 200 });
  return items.filter((e) => e.stepId === stepId && /^(approval\.voted|step\.(approved|rejected|skipped|changes_requested))$/.test(e.type));
}

describe('the undo window', () => {
  it('an undone decision never reaches the workspace; one not undone is sent once when the window ends; N-of-M counts it once', async () => {
    const ws = await newWorkspace();
    const { agent, reviewer } = ws;
    const task = await agent.plan({
      title: 'Tidy the build',
      steps: [
        { key: 'build', kind: 'run_command', title: 'Build', params: { command: 'npm run build' } },
        { key: 'drop', kind: 'delete_file', title: 'Delete the cache', params: { path: 'cache/index.json' } },
      ],
    });
    const [build, drop] = task.steps;
    const page = await openTask(ws, task.id);
    const buildCard = page.locator(step('build'));

    // Held, visibly, with what it decides and the seconds left; nothing sent.
    await buildCard.getByRole('button', { name: 'Approve', exact: true }).click();
    const bar = page.locator('.hold-bar li[data-hold-state="held"]');
    await bar.waitFor();
    expect(await bar.innerText()).toMatch(/Approving “Build” in 5 s/);
    expect(await buildCard.locator('.held').innerText()).toMatch(/Approving “Build” in \d s/);
    await page.clock.fastForward(3000);
    expect((await reviewer.tasks.get.query({ taskId: task.id })).steps[0]!.status).toBe('awaiting_approval');

    // Undo: the window ends with nothing sent, however long we wait.
    await buildCard.getByRole('button', { name: 'Undo', exact: true }).click();
    await page.waitForSelector('.hold-bar', { state: 'hidden' });
    await page.clock.fastForward(20_000);
    expect(await decisionEvents(reviewer, task.id, build!.id)).toEqual([]);
    expect((await reviewer.approvals.list.query({ taskId: task.id })).items.map((a) => a.stepKey).sort()).toEqual(['build', 'drop']);

    // Not undone: sent when the window ends, exactly once, and the page says what was decided.
    await buildCard.getByRole('button', { name: 'Approve', exact: true }).click();
    await page.clock.fastForward(5000);
    await page.waitForSelector(`${step('build')}[data-status="approved"]`);
    expect(await page.locator('.hold-bar li[data-hold-state="sent"]').innerText()).toBe('“Build” is now approved.');
    await page.clock.fastForward(20_000);
    expect((await decisionEvents(reviewer, task.id, build!.id)).map((e) => e.type)).toEqual(['step.approved']);

    // N-of-M: "a", undone with "u", then Approve: one vote of two, once.
    const dropCard = page.locator(step('drop'));
    await page.waitForSelector(`${step('drop')}.selected`);
    await page.keyboard.press('a');
    await dropCard.locator('.held').waitFor();
    await page.keyboard.press('u');
    await dropCard.locator('.held').waitFor({ state: 'detached' });
    await dropCard.getByRole('button', { name: 'Approve', exact: true }).click();
    await dropCard.locator('.held').waitFor();
    await page.clock.fastForward(5000);
    await page.locator('.hold-bar li[data-hold-state="sent"]', { hasText: 'Vote recorded on “Delete the cache”: 1 of 2 approvals' }).waitFor();
    await page.clock.fastForward(20_000);
    const votes = await decisionEvents(reviewer, task.id, drop!.id);
    expect(votes.map((e) => [e.type, e.actor])).toEqual([['approval.voted', 'reviewer']]);
  });

  it('the window keeps running while the reviewer moves to another view', async () => {
    const ws = await newWorkspace();
    const { agent, reviewer } = ws;
    const task = await agent.plan({ title: 'Move on', steps: [{ key: 'lint', kind: 'run_command', title: 'Lint', params: { command: 'npm run lint' } }] });
    const page = await openTask(ws, task.id);
    await page.locator(step('lint')).getByRole('button', { name: 'Reject', exact: true }).click();
    await page.locator('.hold-bar li[data-hold-state="held"]').waitFor();
    await page.click('.bar a:has-text("Inbox")');
    await page.waitForSelector('.inbox h1');
    expect(await page.locator('.hold-bar li[data-hold-state="held"]').innerText()).toMatch(/Rejecting “Lint”/);
    await page.clock.fastForward(5000);
    await page.locator('.hold-bar li[data-hold-state="sent"]').waitFor();
    expect((await reviewer.tasks.get.query({ taskId: task.id })).steps[0]!.status).toBe('rejected');
  });
});

describe('approve all', () => {
  it('leaves out high-risk (by the server) and N-of-M steps unless they are confirmed, by name, in a separate step', async () => {
    const ws = await newWorkspace();
    const { agent, reviewer } = ws;
    // The case: npm publish and git push --tags, no risk declared by the agent.
    const task = await agent.plan({
      title: 'Release',
      steps: [
        { key: 'test', kind: 'run_command', title: 'Run the tests', params: { command: 'npm test' } },
        { key: 'publish', kind: 'run_command', title: 'Publish to npm', params: { command: 'npm publish' } },
        { key: 'tags', kind: 'run_command', title: 'Push the tags', params: { command: 'git push --tags' } },
        { key: 'old', kind: 'delete_file', title: 'Delete the old build', params: { path: 'dist/old.js' } },
        { key: 'notes', kind: 'run_command', title: 'Write release notes', params: { command: 'npm run notes' } },
      ],
    });
    const page = await openTask(ws, task.id);
    await page.click('.task-actions button:has-text("Approve all")');
    const confirm = page.locator('.confirm-all');
    await confirm.waitFor();
    expect(await confirm.locator('li').allInnerTexts()).toEqual([
      'publish Publish to npm (high risk: `npm publish` publishes to the npm registry)',
      'tags Push the tags (high risk: `git push --tags` pushes to a remote)',
      'old Delete the old build (needs 2 approvals)',
    ]);
    // Nothing is held or sent by the first click.
    expect(await page.locator('.hold-bar').isHidden()).toBe(true);

    await confirm.getByRole('button', { name: 'Approve only the other 2 steps', exact: true }).click();
    await sendHeld(page);
    for (const key of ['test', 'notes']) await page.waitForSelector(`${step(key)}[data-status="approved"]`);
    const after = await reviewer.tasks.get.query({ taskId: task.id });
    expect(after.steps.map((s) => [s.key, s.status])).toEqual([
      ['test', 'approved'],
      ['publish', 'awaiting_approval'],
      ['tags', 'awaiting_approval'],
      ['old', 'awaiting_approval'],
      ['notes', 'approved'],
    ]);

    // Confirmed by name: now they go (the batch names them in `confirm`, which the server checks).
    await page.click('.task-actions button:has-text("Approve all")');
    await confirm.getByRole('button', { name: 'Approve all 3, including these 3', exact: true }).click();
    await sendHeld(page);
    await page.waitForSelector(`${step('publish')}[data-status="approved"]`);
    await page.waitForSelector(`${step('tags')}[data-status="approved"]`);
    expect((await reviewer.tasks.get.query({ taskId: task.id })).steps.find((s) => s.key === 'old')!.approvals.map((v) => v.principal)).toEqual(['reviewer']);
  });
});

describe('history', () => {
  it('pages through a task’s decisions, oldest last, and filters by who decided', async () => {
    const ws = await newWorkspace();
    const { agent, reviewer } = ws;
    // 60 reads the policy allows, and one command a person approves.
    const reads = Array.from({ length: 60 }, (_, i) => ({ key: `read-${i}`, kind: 'read' as const, title: `Read file ${i}`, params: { tool: 'read_file', paths: [`src/f${i}.ts`] }, dependsOn: [] }));
    const task = await agent.plan({ title: 'Survey', steps: [...reads, { key: 'count', kind: 'run_command', title: 'Count lines', params: { command: 'wc -l src/*.ts' } }] });
    const approval = (await reviewer.approvals.list.query({ taskId: task.id })).items[0]!;
    await reviewer.approvals.decide.mutate({ approvalId: approval.approvalId, decision: 'approve', paramsHash: approval.paramsHash });

    const page = await open(ws, `#/history?task=${task.id}`);
    const entries = page.locator('.history-entry');
    await entries.first().waitFor();
    expect(await entries.count()).toBe(50);
    expect(await entries.first().innerText()).toMatch(/approve by reviewer[\s\S]*Count lines/);
    await page.getByRole('button', { name: 'Show older decisions', exact: true }).click();
    await page.locator('.history .end').waitFor();
    expect(await entries.count()).toBe(61);
    const seqs = await entries.evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-seq'))));
    expect(new Set(seqs).size).toBe(61);
    expect(seqs).toEqual([...seqs].sort((a, b) => b - a));
    expect(await entries.last().innerText()).toMatch(/allowed by policy[\s\S]*Read file 0/);

    // A decider's name is a link to their decisions; the filter is in the URL.
    await entries.first().getByRole('link', { name: 'reviewer', exact: true }).click();
    await page.waitForFunction(`location.hash === '#/history?decider=reviewer'`);
    // The task's list may still be on screen for a moment: wait until its policy's entries are gone.
    await page.locator('.history-entry', { hasText: 'allowed by policy' }).first().waitFor({ state: 'detached' });
    await page.locator('.history-entry').first().waitFor();
    const mine = await page.locator('.history-entry').allInnerTexts();
    expect(mine.every((t) => /by reviewer/.test(t))).toBe(true);
    expect(mine.some((t) => t.includes('Count lines'))).toBe(true);
  });
});
