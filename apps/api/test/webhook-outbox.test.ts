/**
 * The webhook outbox in workerd: a delivery row is written in the same transaction as its
 * event (none on a rollback), an expired approval is announced, a delivery gives up after
 * WEBHOOK_MAX_ATTEMPTS, and deleting a webhook fails what it still had pending.
 */
import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { WEBHOOK_MAX_ATTEMPTS } from '@greenlight/core';
import { describe, expect, it } from 'vitest';
import { allEvents, errorOf, team, type Team } from './harness.ts';
import { expireApproval, stubOf } from './deadlines.ts';

/** Nothing listens on the discard port: every attempt fails fast. */
const DEAD = 'http://127.0.0.1:9/hook';

const asking = (n: number) => ({
  title: `${n} commands`,
  steps: Array.from({ length: n }, (_, i) => ({ key: `c${i}`, kind: 'run_command' as const, title: `run ${i}`, params: { command: `make step${i}` } })),
});

const deliveries = async (t: Team, webhookId: string) => (await t.admin.webhooks.deliveries.query({ webhookId, limit: 100 })).items;

/** Make every pending delivery due now, then run the alarm that sends them. */
async function sendDueNow(workspaceId: string): Promise<void> {
  await runInDurableObject(stubOf(workspaceId), (_instance, state) => {
    state.storage.sql.exec(`UPDATE deliveries SET next_attempt_at = 0 WHERE status = 'pending'`);
  });
  await runDurableObjectAlarm(stubOf(workspaceId));
}

describe('webhook outbox', () => {
  it('writes no delivery when the call rolls back, though the decisions before the failing item were notifications', async () => {
    const t = await team();
    const { webhook } = await t.admin.webhooks.create.mutate({ url: DEAD, events: ['approval.decided'] });
    const task = await t.agent.tasks.plan.mutate(asking(3));
    const inbox = (await t.approver.approvals.list.query({ taskId: task.id })).items;
    const before = await allEvents(t.viewer);
    const err = await errorOf(
      t.approver.approvals.decideMany.mutate({
        items: inbox.map((a, i) => ({ approvalId: a.approvalId, decision: 'approve' as const, paramsHash: i === 2 ? 'f'.repeat(64) : a.paramsHash })),
      }),
    );
    expect(err.code).toBe('CONFLICT');
    expect(await allEvents(t.viewer)).toEqual(before);
    expect(await deliveries(t, webhook.id)).toEqual([]);
    // The same decisions, committed, are two notifications.
    await t.approver.approvals.decideMany.mutate({ items: inbox.slice(0, 2).map((a) => ({ approvalId: a.approvalId, decision: 'approve' as const, paramsHash: a.paramsHash })) });
    expect((await deliveries(t, webhook.id)).map((d) => d.event)).toEqual(['approval.decided', 'approval.decided']);
  });

  it('announces an approval that expired, from the alarm, with the seq of its event', async () => {
    const t = await team();
    await t.admin.policy.set.mutate({ policy: { rules: [{ match: { kind: 'run_command' }, action: 'ask', timeoutSeconds: 600 }] } });
    const { webhook } = await t.admin.webhooks.create.mutate({ url: DEAD, events: ['approval.expired'] });
    const task = await t.agent.tasks.plan.mutate(asking(1));
    expect(await deliveries(t, webhook.id)).toEqual([]);
    await expireApproval(t.id, task.steps[0]!.id);
    await runDurableObjectAlarm(stubOf(t.id));
    const expired = (await allEvents(t.viewer, task.id)).find((e) => e.type === 'approval.expired')!;
    const [d] = await deliveries(t, webhook.id);
    expect(d).toMatchObject({ event: 'approval.expired', eventSeq: expired.seq });
  });

  it(`gives up after ${WEBHOOK_MAX_ATTEMPTS} attempts: failed, never due again, and a later alarm leaves it alone`, async () => {
    const t = await team();
    const { webhook } = await t.admin.webhooks.create.mutate({ url: DEAD, events: ['approval.requested'] });
    await t.agent.tasks.plan.mutate(asking(1));
    for (let i = 1; i <= WEBHOOK_MAX_ATTEMPTS; i++) {
      await sendDueNow(t.id);
      const [d] = await deliveries(t, webhook.id);
      expect(d!.attempts).toBe(i);
      expect(d!.status).toBe(i < WEBHOOK_MAX_ATTEMPTS ? 'pending' : 'failed');
    }
    const [failed] = await deliveries(t, webhook.id);
    expect(failed!.nextAttemptAt).toBeUndefined();
    expect(failed!.lastError).toBeTruthy();
    await sendDueNow(t.id);
    expect(await deliveries(t, webhook.id)).toEqual([failed]);
  });

  it('deleting a webhook fails its pending deliveries and queues none for it afterwards', async () => {
    const t = await team();
    const { webhook } = await t.admin.webhooks.create.mutate({ url: DEAD, events: ['approval.requested'] });
    await t.agent.tasks.plan.mutate(asking(2));
    expect((await deliveries(t, webhook.id)).map((d) => d.status)).toEqual(['pending', 'pending']);
    await t.admin.webhooks.delete.mutate({ id: webhook.id });
    const after = await deliveries(t, webhook.id);
    expect(after.map((d) => [d.status, d.lastError, d.nextAttemptAt])).toEqual([
      ['failed', 'webhook deleted', undefined],
      ['failed', 'webhook deleted', undefined],
    ]);
    await t.agent.tasks.plan.mutate(asking(1));
    expect(await deliveries(t, webhook.id)).toEqual(after);
    expect((await errorOf(t.admin.webhooks.delete.mutate({ id: webhook.id }))).code).toBe('NOT_FOUND');
  });

  it('the object keeps its in-memory list of webhooks in step: one added, or deleted, after a call read the list decides the next event', async () => {
    const t = await team();
    // Every call so far (workspace.created, a plan) read the list, empty.
    await t.agent.tasks.plan.mutate(asking(1));
    const first = await t.admin.webhooks.create.mutate({ url: DEAD, events: ['approval.requested'] });
    const second = await t.admin.webhooks.create.mutate({ url: DEAD, events: ['approval.requested'] });
    await t.agent.tasks.plan.mutate(asking(1));
    expect((await deliveries(t, first.webhook.id)).length).toBe(1);
    expect((await deliveries(t, second.webhook.id)).length).toBe(1);
    await t.admin.webhooks.delete.mutate({ id: first.webhook.id });
    await t.agent.tasks.plan.mutate(asking(1));
    expect((await deliveries(t, first.webhook.id)).length).toBe(1);
    expect((await deliveries(t, second.webhook.id)).length).toBe(2);
    // A call that rolls back after reading the list leaves nothing behind, in storage or in memory.
    const inbox = (await t.approver.approvals.list.query({ limit: 10 })).items;
    expect((await errorOf(t.approver.approvals.decide.mutate({ approvalId: inbox[0]!.approvalId, decision: 'approve', paramsHash: 'f'.repeat(64) }))).code).toBe('CONFLICT');
    await t.agent.tasks.plan.mutate(asking(1));
    expect((await deliveries(t, second.webhook.id)).length).toBe(3);
  });
});
