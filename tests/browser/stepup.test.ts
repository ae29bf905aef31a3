/**
 * Step-up with a passkey in a real Chromium (issue 15, item 5; docs/step-up.md), with
 * Chromium's virtual authenticator (CDP WebAuthn domain) as the reviewer's passkey. A
 * `minAuth: passkey` step refuses a key decision and accepts one signed by the passkey
 * through the page; an assertion for another approval, for an old paramsHash, or a
 * second use of one challenge is refused and changes nothing (checked on the audit log).
 * The page is opened at `localhost` (a WebAuthn RP ID cannot be an IP address), and the
 * raw API calls are made from the page, so their origin is the page's.
 */
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { strictEventData, type Event } from '@greenlight/core';
import { GreenlightError } from '@greenlight/sdk';
import { liveFile, type Workspace } from './fixture.ts';
import { sendHeld } from './held.ts';

const live = liveFile('stepup');

const POLICY = { rules: [{ name: 'push', match: { kind: 'run_command', command: '^git push' }, action: 'ask', minAuth: 'passkey' }] };

const push = (key: string, command = 'git push origin main') => ({ key, kind: 'run_command' as const, title: `Push ${key}`, params: { command } });

/** The reviewer's page at localhost with a virtual authenticator that verifies the user (a passkey). */
async function openWithAuthenticator(ws: Workspace, taskId: string): Promise<Page> {
  const c = await live.context();
  await c.addInitScript({ content: `try { sessionStorage.setItem('greenlight.key', ${JSON.stringify(ws.reviewerKey)}) } catch {}` });
  const page = await c.newPage();
  const cdp = await c.newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
  });
  await page.goto(`${live.url.replace('127.0.0.1', 'localhost')}/#/tasks/${taskId}`);
  await page.waitForSelector('.task .live.on');
  return page;
}

type Answer = { data?: unknown; error?: { code: string; reason?: string; message: string } };

/** One tRPC mutation from the page (its origin), as the reviewer. */
function rpc(page: Page, key: string, path: string, input: unknown): Promise<Answer> {
  return page.evaluate(
    async ({ key, path, input }) => {
      const res = await fetch(`/trpc/${path}`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(input) });
      const body = (await res.json()) as { result?: { data: unknown }; error?: { message: string; data: { code: string; reason?: string } } };
      return body.error ? { error: { code: body.error.data.code, message: body.error.message, ...(body.error.data.reason ? { reason: body.error.data.reason } : {}) } } : { data: body.result?.data };
    },
    { key, path, input },
  );
}

/** Register a passkey through the page's own button. */
async function addPasskey(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Add a passkey' }).first().click();
  await page.getByText('Passkey added.').first().waitFor();
}

/** An assertion the authenticator signs over a challenge for (approvalId, paramsHash), made in the page. */
async function assertionFor(page: Page, key: string, approvalId: string, paramsHash: string): Promise<unknown> {
  const options = await rpc(page, key, 'approvals.challenge', { approvalId, paramsHash });
  if (options.error) throw new Error(`approvals.challenge: ${options.error.message}`);
  // A string: the page's WebAuthn globals are not in the tests' Node types.
  return page.evaluate(`(async (json) => {
    const { expiresAt, ...options } = json;
    const c = await navigator.credentials.get({ publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(options) });
    return c.toJSON();
  })(${JSON.stringify(options.data)})`);
}

const decisionEvents = async (ws: Workspace, taskId: string): Promise<Event[]> =>
  (await ws.reviewer.events.list.query({ taskId, limit: 200 })).items.filter((e) => /^(approval\.voted|step\.(approved|rejected|skipped|changes_requested))$/.test(e.type));

describe('a minAuth: passkey step', () => {
  it('refuses a key decision, names the page; the page approves it with the passkey, and the vote says so', async () => {
    const ws = await live.workspace({ policy: POLICY });
    const task = await ws.agent.plan({ title: 'Ship it', steps: [push('push')] });
    const [step] = task.steps;
    const approvalId = step!.approval!.id;

    const refused = await ws.reviewer.approvals.decide.mutate({ approvalId, decision: 'approve', paramsHash: step!.paramsHash }).then(
      () => undefined,
      (e: unknown) => GreenlightError.from(e),
    );
    expect(refused?.code).toBe('FORBIDDEN');
    expect(refused?.reason).toBe('step_up_required');
    expect(refused?.message).toContain(`/#/tasks/${task.id}`);
    expect(await decisionEvents(ws, task.id)).toEqual([]);

    const page = await openWithAuthenticator(ws, task.id);
    const card = page.locator('article.step[data-step-key="push"]');
    expect(await card.locator('.stepup').innerText()).toMatch(/Needs a passkey/);
    await addPasskey(page);
    await card.getByRole('button', { name: 'Approve', exact: true }).click();
    await sendHeld(page);
    await expect.poll(async () => (await ws.reviewer.tasks.get.query({ taskId: task.id })).steps[0]!.status, { timeout: 15_000 }).toBe('approved');
    const after = await ws.reviewer.tasks.get.query({ taskId: task.id });
    expect(after.steps[0]!.approvals).toEqual([expect.objectContaining({ principal: 'reviewer', decision: 'approve', authStrength: 'passkey', identitySource: 'key' })]);
    // The passkey is listed (never its public key), and deleted: both in the audit log, each parsing with its strict schema.
    const { items } = await ws.reviewer.passkeys.list.query();
    expect(items).toEqual([expect.objectContaining({ principal: 'reviewer', name: 'passkey' })]);
    expect(JSON.stringify(items)).not.toMatch(/publicKey|counter/);
    await ws.reviewer.passkeys.delete.mutate({ id: items[0]!.id });
    expect((await ws.reviewer.passkeys.list.query()).items).toEqual([]);
    const audit = (await ws.reviewer.events.list.query({ limit: 200 })).items.filter((e) => e.type.startsWith('passkey.'));
    expect(audit.map((e) => [e.type, e.actor])).toEqual([
      ['passkey.registered', 'reviewer'],
      ['passkey.deleted', 'reviewer'],
    ]);
    for (const e of audit) expect(strictEventData(e.type).safeParse(e.data).success).toBe(true);
  });

  it('refuses an assertion made for another approval, for an old paramsHash, or used twice; nothing changes', async () => {
    const ws = await live.workspace({ policy: POLICY });
    const task = await ws.agent.plan({ title: 'Ship two', steps: [push('one'), push('two', 'git push origin release')] });
    const [one, two] = task.steps;
    const page = await openWithAuthenticator(ws, task.id);
    await addPasskey(page);
    const key = ws.reviewerKey;
    const decide = (approvalId: string, paramsHash: string, passkey: unknown) => rpc(page, key, 'approvals.decide', { approvalId, decision: 'approve', paramsHash, passkey });

    // An assertion over a challenge for `one`, sent as a decision on `two`.
    const forOne = await assertionFor(page, key, one!.approval!.id, one!.paramsHash);
    const other = await decide(two!.approval!.id, two!.paramsHash, forOne);
    expect(other.error).toMatchObject({ code: 'FORBIDDEN', reason: 'challenge_invalid' });

    // The step is revised after the challenge: the old paramsHash is stale, the new one is not what was signed.
    const forTwo = await assertionFor(page, key, two!.approval!.id, two!.paramsHash);
    await ws.agent.tasks.revise.mutate({ taskId: task.id, stepId: two!.id, params: { command: 'git push --force origin release' } });
    const revised = (await ws.reviewer.tasks.get.query({ taskId: task.id })).steps[1]!;
    const old = await decide(revised.approval!.id, two!.paramsHash, forTwo);
    expect(old.error?.code).toMatch(/^(CONFLICT|FORBIDDEN)$/);
    const rebound = await decide(revised.approval!.id, revised.paramsHash, forTwo);
    expect(rebound.error).toMatchObject({ code: 'FORBIDDEN', reason: 'challenge_invalid' });
    expect(await decisionEvents(ws, task.id)).toEqual([]);

    // The assertion for `one`, sent twice at the same moment: it decides `one` once, the other use is refused.
    const both = await Promise.all([decide(one!.approval!.id, one!.paramsHash, forOne), decide(one!.approval!.id, one!.paramsHash, forOne)]);
    expect(both.filter((a) => a.error === undefined)).toHaveLength(1);
    expect(both.find((a) => a.error)?.error?.code).toMatch(/^(CONFLICT|FORBIDDEN)$/);
    const events = await decisionEvents(ws, task.id);
    expect(events.map((e) => e.type)).toEqual(['step.approved']);
    const again = await decide(one!.approval!.id, one!.paramsHash, forOne);
    expect(again.error?.code).toMatch(/^(CONFLICT|FORBIDDEN)$/);
    expect(await decisionEvents(ws, task.id)).toEqual(events);

    // A retry of a passkey decision with its idempotency key answers as the first, though its challenge is used up.
    const forRevised = await assertionFor(page, key, revised.approval!.id, revised.paramsHash);
    const input = { approvalId: revised.approval!.id, decision: 'approve', paramsHash: revised.paramsHash, passkey: forRevised, idempotencyKey: 'stepup-retry-1' };
    const sent = await rpc(page, key, 'approvals.decide', input);
    const retried = await rpc(page, key, 'approvals.decide', input);
    expect(sent.error).toBeUndefined();
    expect(retried).toEqual(sent);
    expect((await decisionEvents(ws, task.id)).map((e) => e.type)).toEqual(['step.approved', 'step.approved']);
  });
});
