/**
 * The review page is accessible: the decision buttons are named by their label alone and
 * announce their key with aria-keyshortcuts, and every view (sign-in, inbox, the task
 * page with each step kind and outcome, the modify form, help, a CONFLICT) passes an
 * axe-core audit with no violation and never scrolls sideways on a 390 px phone.
 * Each test has its own workspace and browser context (tests/browser/fixture.ts), so each
 * can run and fail alone, in any order.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { checkView, PHONE } from './audit.ts';
import { liveFile, type Workspace } from './fixture.ts';
import { sendHeld } from './held.ts';
import { RESULTS_DIR } from './page.ts';
import { LONG, planCancelled, planCompleted, planDecided, planEveryKind } from './views.ts';

const live = liveFile('a11y');

/**
 * A workspace of its own for each test, with a long name and a long agent principal.
 * Deletes need two approvals and expire, so the vote count and the deadline show.
 */
const newWorkspace = (): Promise<Workspace> =>
  live.workspace({
    name: `Accessibility ${LONG.word}`,
    agent: LONG.agent,
    policy: { rules: [{ match: { kind: 'delete_file' }, action: 'ask', requiredApprovals: 2, timeoutSeconds: 3600 }] },
  });
/** A workspace with nothing in it. */
const emptyWorkspace = (): Promise<Workspace> => live.workspace({ name: 'Nothing to do', agent: LONG.agent });

/** A fresh context at phone width, signed in with `key` (kept in sessionStorage as the page does). */
function open(path: string, key?: string, opts: { undoSeconds?: number } = {}): Promise<Page> {
  // A longer undo window (the help dialog's choice) for views audited while a decision is held.
  const session = opts.undoSeconds ? { 'greenlight.undoSeconds': String(opts.undoSeconds) } : undefined;
  return live.open({ path, viewport: PHONE, ...(key ? { key } : {}), ...(session ? { session } : {}) });
}

/** A task page once its plan and its live stream are there. */
async function openTask(ws: Workspace, taskId: string, opts: { undoSeconds?: number } = {}): Promise<Page> {
  const page = await open(`#/tasks/${taskId}`, ws.reviewerKey, opts);
  await page.waitForSelector('.task .live.on');
  await page.waitForSelector('article.step');
  return page;
}

const step = (key: string) => `article.step[data-step-key="${key}"]`;

describe('decision buttons', () => {
  /** Each option's accessible name and key, as a screen reader announces them. */
  const BUTTONS: Record<string, [name: string, key: string | null]> = {
    approve: ['Approve', 'a'],
    request_changes: ['Request changes', 'c'],
    reject: ['Reject', 'r'],
    modify: ['Modify…', 'm'],
    skip: ['Skip', 's'],
    submit: ['Send answer', null],
    cancel: ['Cancel (reject)', 'r'],
  };

  it('are named by their label alone, the key announced with aria-keyshortcuts and hidden from the name', async () => {
    const ws = await newWorkspace();
    const { agent } = ws;
    const page = await openTask(ws, (await planEveryKind(agent)).id);
    const command = page.locator(step('command'));
    for (const name of ['Approve', 'Request changes', 'Reject', 'Modify…', 'Skip']) {
      await expect(command.getByRole('button', { name, exact: true }).count(), name).resolves.toBe(1);
    }
    const buttons = page.locator('button[data-option]');
    expect(await buttons.count()).toBeGreaterThan(20);
    for (const button of await buttons.all()) {
      const option = (await button.getAttribute('data-option')) ?? '';
      const [name, key] = BUTTONS[option] ?? ['?', null];
      expect(await button.ariaSnapshot(), option).toBe(`- button "${name}"`);
      expect(await button.getAttribute('aria-keyshortcuts'), option).toBe(key);
    }
    // The question's buttons: an answer, and cancel.
    const ask = page.locator(step('ask'));
    await expect(ask.getByRole('button', { name: 'Send answer', exact: true }).count()).resolves.toBe(1);
    await expect(ask.getByRole('button', { name: 'Cancel (reject)', exact: true }).count()).resolves.toBe(1);
    // The help button in the bar says what it opens, and its key.
    const help = page.getByRole('button', { name: 'Keyboard shortcuts', exact: true });
    expect(await help.getAttribute('aria-keyshortcuts')).toBe('?');

    // A click by the accessible name decides, as a screen-reader user would.
    await page.locator(step('custom')).getByRole('button', { name: 'Skip', exact: true }).click();
    await sendHeld(page);
    await page.waitForSelector(`${step('custom')}[data-status="skipped"]`);
  });

  it('single-key shortcuts can be turned off (speech input), and their hints and aria-keyshortcuts go with them', async () => {
    const ws = await newWorkspace();
    const { agent } = ws;
    const task = await planEveryKind(agent);
    const page = await openTask(ws, task.id);
    const edit = step(task.steps[1]!.key);
    await page.waitForSelector(`${edit}.selected[aria-current="true"]`);
    await page.getByRole('button', { name: 'Keyboard shortcuts', exact: true }).click();
    const on = page.getByRole('checkbox', { name: /Single-key shortcuts/ });
    expect(await on.isChecked()).toBe(true);
    await on.uncheck();
    await page.getByRole('dialog').getByRole('button', { name: 'Close', exact: true }).click();
    expect(await page.locator('[aria-keyshortcuts]').count()).toBe(0);
    expect(await page.locator('button kbd').count()).toBe(0);

    // "a" must not approve: the click after it is sent after anything "a" would have sent.
    await page.keyboard.press('a');
    await page.locator(edit).getByRole('button', { name: 'Skip', exact: true }).click();
    await sendHeld(page);
    await page.waitForSelector(`${edit}[data-status="skipped"]`);
    await page.keyboard.press('?');
    expect(await page.getByRole('dialog').count()).toBe(0);

    // Kept for the tab; turned back on, the keys work again.
    await page.reload();
    await page.waitForSelector(`${step('new-file')}.selected`);
    expect(await page.locator('[aria-keyshortcuts]').count()).toBe(0);
    await page.getByRole('button', { name: 'Keyboard shortcuts', exact: true }).click();
    await on.check();
    await page.keyboard.press('Escape');
    expect(await page.locator(step('new-file')).getByRole('button', { name: 'Approve', exact: true }).getAttribute('aria-keyshortcuts')).toBe('a');
    await page.keyboard.press('a');
    await sendHeld(page);
    await page.waitForSelector(`${step('new-file')}[data-status="approved"]`);
  });
});

describe('every view passes axe and fits a 390 px phone', () => {
  it('sign-in form: empty, with a malformed key, with a rejected key', async () => {
    const page = await open('');
    await page.waitForSelector('#key');
    expect(await page.title()).toBe('Sign in · Greenlight');
    await checkView(page, 'signin');
    await page.fill('#key', 'not a key');
    await page.click('button[type=submit]');
    await page.waitForSelector('.error');
    await page.fill('#key', `gl_a11y_${'x'.repeat(43)}`);
    await page.click('button[type=submit]');
    await page.waitForSelector('.error:has-text("UNAUTHORIZED")');
    await checkView(page, 'signin-error');
  });

  it('inbox with nothing to review', async () => {
    const ws = await emptyWorkspace();
    const page = await open('#/', ws.reviewerKey);
    await page.waitForSelector('.inbox .empty');
    await page.waitForSelector('.bar .you');
    expect(await page.title()).toBe('Inbox (0) · Greenlight');
    await checkView(page, 'inbox-empty');
  });

  it('inbox with an open approval of every kind: a wide diff, a long command, path, URL and question', async () => {
    const ws = await newWorkspace();
    const { agent } = ws;
    await planEveryKind(agent);
    const page = await open('#/', ws.reviewerKey);
    await page.waitForSelector('.inbox .live.on');
    await page.waitForSelector('article.approval[data-kind="clarify"]');
    await page.waitForSelector('article.approval[data-kind="edit_file"] .diff');
    await checkView(page, 'inbox');
  });

  it('task page with every step kind waiting for a decision', async () => {
    const ws = await newWorkspace();
    const { agent } = ws;
    const task = await planEveryKind(agent);
    const page = await openTask(ws, task.id);
    await page.waitForSelector(`${step('command')} pre.command`);
    expect(await page.title()).toBe(`${LONG.title} · Greenlight`);
    // A dependency's state is in words, not only in its colour.
    expect(await page.locator(`${step('delete')} .dep`).innerText()).toMatch(/-s approved$/);
    await checkView(page, 'task-open');
  });

  it('task page with the modify form, a missing-feedback error and the cancel form open', async () => {
    const ws = await newWorkspace();
    const { agent } = ws;
    const page = await openTask(ws, (await planEveryKind(agent)).id);
    await page.locator(step('command')).getByRole('button', { name: 'Modify…', exact: true }).click();
    await page.waitForSelector(`${step('command')} .modify textarea`);
    await page.locator(step('code')).getByRole('button', { name: 'Request changes', exact: true }).click();
    await page.waitForSelector(`${step('code')} .error`);
    await page.getByRole('button', { name: 'Cancel task', exact: true }).click();
    await page.getByRole('textbox', { name: 'Reason' }).waitFor();
    await checkView(page, 'task-modify');
  });

  it('the status legend: every step and task status with where it can go next, from the transition tables', async () => {
    const ws = await newWorkspace();
    const { agent } = ws;
    const page = await openTask(ws, (await planEveryKind(agent)).id);
    const legend = page.locator('details.legend');
    await legend.locator('summary', { hasText: 'What the statuses mean' }).click();
    await legend.locator('.legend-row').first().waitFor();
    // one row per step status (10) and per task status (5); a final status says so
    expect(await legend.locator('.legend-row').count()).toBe(15);
    expect(await legend.locator('.legend-row', { has: page.locator('.badge.status-executing') }).innerText()).toMatch(/completed\s+on complete/);
    expect(
      await legend
        .locator('.legend-row', { has: page.locator('.badge.status-skipped') })
        .first()
        .innerText(),
    ).toMatch(/final/);
    await checkView(page, 'task-legend');
    await legend.screenshot({ path: join(RESULTS_DIR, 'a11y-status-legend.png') });
  });

  it('a task that does not exist', async () => {
    const ws = await newWorkspace();
    const page = await open('#/tasks/no-such-task', ws.reviewerKey);
    await page.waitForSelector('.error:has-text("NOT_FOUND")');
    await checkView(page, 'task-missing');
  });

  it('help overlay on "?": a modal dialog that takes the focus and gives it back', async () => {
    const ws = await newWorkspace();
    const { agent } = ws;
    const page = await openTask(ws, (await planEveryKind(agent)).id);
    const help = page.getByRole('button', { name: 'Keyboard shortcuts', exact: true });
    await help.focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
    await dialog.waitFor();
    expect(await page.evaluate('document.activeElement?.closest("dialog")?.open')).toBe(true);
    // The rest of the page was audited as task-open: here the dialog, and the page's width.
    await checkView(page, 'help', { include: 'dialog' });
    await page.setViewportSize(PHONE);
    await page.screenshot({ path: join(RESULTS_DIR, 'a11y-help-dialog-390.png') }); // the viewport: where the dialog is
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    expect(await page.evaluate('document.activeElement?.getAttribute("aria-label")')).toBe('Keyboard shortcuts');
    await page.keyboard.press('?');
    await dialog.waitFor();
  });

  it('task page with every outcome: completed, failed, executing, rejected, blocked, changes requested, skipped, answered, 1 of 2 votes', async () => {
    const ws = await newWorkspace();
    const { agent, reviewer } = ws;
    const task = await planDecided(agent, reviewer);
    const page = await openTask(ws, task.id);
    await page.waitForSelector(`${step('broken')}[data-status="failed"] .outcome.failed`);
    await page.waitForSelector('.timeline li[data-type="step.failed"]');
    await checkView(page, 'task-decided');
  });

  it('a completed task and a cancelled one', async () => {
    const ws = await newWorkspace();
    const { agent, reviewer } = ws;
    const completed = await planCompleted(agent, reviewer);
    let page = await openTask(ws, completed.id);
    await page.waitForSelector('.task-head .badge.status-completed');
    await checkView(page, 'task-completed');
    const cancelled = await planCancelled(agent, reviewer);
    page = await openTask(ws, cancelled.id);
    await page.waitForSelector('.task-head .badge.status-cancelled');
    await checkView(page, 'task-cancelled');
  });

  it('a held decision in its undo window, and approve all asking to confirm the high-risk steps by name', async () => {
    const ws = await newWorkspace();
    const { agent } = ws;
    // The audit takes longer than 5 s: this reviewer chose the longest window.
    const page = await openTask(ws, (await planEveryKind(agent)).id, { undoSeconds: 30 });
    await page.locator(step('command')).getByRole('button', { name: 'Approve', exact: true }).click();
    await page.locator(`${step('command')} .held`).waitFor();
    await page.getByRole('button', { name: /^Approve all/ }).click();
    await page.locator('.confirm-all li').first().waitFor();
    await checkView(page, 'task-held');
  });

  it('signed in with an agent key: the page says what the key can and cannot do', async () => {
    const ws = await emptyWorkspace();
    const page = await open('#/', ws.agentKey);
    const notice = page.locator('.key-notice');
    await notice.waitFor();
    expect(await notice.innerText()).toMatch(/agent key .*you can look, not decide[\s\S]*It cannot .*decide approvals/);
    await checkView(page, 'agent-key');
  });

  it('history: the filters and a page of decisions by people and the policy', async () => {
    const ws = await newWorkspace();
    const { agent, reviewer } = ws;
    await planDecided(agent, reviewer);
    const page = await open(`#/history?agent=${encodeURIComponent(LONG.agent)}`, ws.reviewerKey);
    await page.locator('.history-entry').first().waitFor();
    expect(await page.title()).toBe('History · Greenlight');
    await checkView(page, 'history');
  });

  it('a session: appended steps with terminal output, the grant form open, the grants in force', async () => {
    const ws = await newWorkspace();
    const { agent, reviewer } = ws;
    const task = await agent.tasks.plan.mutate({
      title: `Claude Code session ${LONG.word}`,
      open: true,
      session: 'a11y-session',
      metadata: { source: 'claude-code', session: 'a11y-session' },
      steps: [{ key: 'ls', kind: 'run_command', title: 'List', params: { command: 'ls -la' }, dependsOn: [], context: { cwd: LONG.path, gitRemote: LONG.url, gitBranch: 'main' } }],
    });
    const first = (await reviewer.approvals.list.query({ taskId: task.id })).items[0]!;
    await reviewer.approvals.decide.mutate({ approvalId: first.approvalId, decision: 'approve', paramsHash: first.paramsHash, scope: 'task' });
    const [claimed] = (await agent.steps.claim.mutate({ taskId: task.id })).steps;
    await agent.steps.complete.mutate({ stepId: claimed!.stepId, leaseId: claimed!.leaseId, output: { stdout: `\x1b[32mtotal 8\x1b[0m\n${LONG.line}\n`, stderr: 'warning: x', exitCode: 0 } });
    await agent.tasks.append.mutate({ taskId: task.id, steps: [{ key: 'build', kind: 'run_command', title: 'Build', params: { command: LONG.command }, dependsOn: [] }] });
    const page = await openTask(ws, task.id);
    await page.locator(step('build')).getByRole('button', { name: 'Approve for this session…', exact: true }).click();
    await page.locator('.grant-form').waitFor();
    await page.locator('.grants li').waitFor();
    await page.locator(`${step('ls')} pre.terminal.stdout`).waitFor();
    expect(await page.locator(`${step('ls')} pre.terminal.stdout`).innerText()).toBe(`total 8\n${LONG.line}\n`);
    await checkView(page, 'session');
  });

  it('a decision refused with CONFLICT, its banner offering a reload', async () => {
    const ws = await newWorkspace();
    const { agent } = ws;
    const task = await agent.plan({ title: 'Clean up', steps: [{ key: 'rm', kind: 'run_command', title: 'Remove build output', params: { command: 'rm -rf dist' } }] });
    // no live stream: the page keeps showing the old version
    const page = await live.open({ key: ws.reviewerKey, path: `#/tasks/${task.id}`, viewport: PHONE, before: (tab) => tab.routeWebSocket(/\/ws/, () => {}) });
    const approve = page.locator(step('rm')).getByRole('button', { name: 'Approve', exact: true });
    await approve.waitFor();
    await agent.tasks.revise.mutate({ taskId: task.id, stepId: task.steps[0]!.id, params: { command: `rm -rf dist ${LONG.path}` } });
    await approve.click();
    await sendHeld(page);
    await page.waitForSelector(`${step('rm')} .error:has-text("CONFLICT")`);
    await checkView(page, 'conflict');
  });
});
