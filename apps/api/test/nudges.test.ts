/**
 * Reminders, escalations, group quorums and delegation in workerd (issue 15 item 6). Time
 * is the object's clock seam (clock.test.ts), set far ahead of the wall clock so no real
 * alarm fires meanwhile; a restart is evictDurableObject, after which the new instance
 * gets the same clock and the alarm is run by hand. No wall-clock waits.
 */
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { allEvents, clientFor, errorOf, openApproval, team } from './harness.ts';
import { stubOf } from './deadlines.ts';

const START = Date.now() + 30 * 86_400_000;
const deploy = (key = 'deploy') => ({ key, kind: 'run_command' as const, title: key, params: { command: `make ${key}` } });

/** Set the (possibly new) object instance's clock to `at`. */
async function clockAt(workspaceId: string, at: number): Promise<void> {
  await runInDurableObject(stubOf(workspaceId), (instance) => {
    instance.clock = () => at;
  });
}

/** The deadline the alarm watches for `stepId` (steps.deadline), and the stored alarm: never later than it. */
async function watched(workspaceId: string, stepId: string): Promise<number | null> {
  return runInDurableObject(stubOf(workspaceId), async (_i, state) => {
    const deadline = state.storage.sql.exec<{ deadline: number | null }>(`SELECT deadline FROM steps WHERE id = ?`, stepId).one().deadline;
    const alarm = await state.storage.getAlarm();
    if (deadline !== null && (alarm === null || alarm > deadline)) throw new Error(`alarm ${alarm} is later than the deadline ${deadline}`);
    return deadline;
  });
}

describe('reminders and escalations', () => {
  it('an unanswered approval reminds, then escalates, each once and on time, across object restarts; both reach the webhook outbox', async () => {
    const t = await team();
    await t.admin.policy.set.mutate({
      policy: { rules: [{ name: 'deploys', match: { kind: 'run_command' }, action: 'ask', remindAfterSeconds: 60, escalateAfterSeconds: 120, escalateTo: 'security' }] },
    });
    const { webhook } = await t.admin.webhooks.create.mutate({ url: 'http://127.0.0.1:9/hook', events: ['approval.reminded', 'approval.escalated'] });
    await clockAt(t.id, START);
    const task = await t.agent.tasks.plan.mutate({ title: 'ship', steps: [deploy()] });
    const a = await openApproval(t.viewer, task.id, 'deploy');
    // The alarm watches the reminder.
    expect(await watched(t.id, a.stepId)).toBe(START + 60_000);

    // A millisecond early, after a restart: nothing.
    await evictDurableObject(stubOf(t.id));
    await clockAt(t.id, START + 59_999);
    await runDurableObjectAlarm(stubOf(t.id));
    expect((await allEvents(t.viewer, task.id)).filter((e) => e.type === 'approval.reminded')).toEqual([]);

    // On time, after another restart: one reminder, however often the alarm runs.
    await evictDurableObject(stubOf(t.id));
    await clockAt(t.id, START + 60_000);
    await runDurableObjectAlarm(stubOf(t.id));
    await runDurableObjectAlarm(stubOf(t.id));
    let events = await allEvents(t.viewer, task.id);
    expect(events.filter((e) => e.type === 'approval.reminded').map((e) => ({ at: e.at, data: e.data }))).toEqual([
      { at: START + 60_000, data: { approvalId: a.approvalId, taskId: task.id, stepId: a.stepId } },
    ]);
    expect(events.filter((e) => e.type === 'approval.escalated')).toEqual([]);
    expect(await watched(t.id, a.stepId)).toBe(START + 120_000);

    // The escalation, after a restart; the approval is still open.
    await evictDurableObject(stubOf(t.id));
    await clockAt(t.id, START + 120_000);
    await runDurableObjectAlarm(stubOf(t.id));
    await runDurableObjectAlarm(stubOf(t.id));
    events = await allEvents(t.viewer, task.id);
    expect(events.filter((e) => e.type === 'approval.escalated').map((e) => ({ at: e.at, data: e.data }))).toEqual([{ at: START + 120_000, data: { approvalId: a.approvalId, group: 'security' } }]);
    expect(events.filter((e) => e.type === 'approval.reminded')).toHaveLength(1);
    expect((await t.viewer.tasks.get.query({ taskId: task.id })).steps[0]!.status).toBe('awaiting_approval');
    expect(await watched(t.id, a.stepId)).toBeNull();

    const kinds = (await t.admin.webhooks.deliveries.query({ webhookId: webhook.id, limit: 10 })).items.map((d) => d.event).sort();
    expect(kinds).toEqual(['approval.escalated', 'approval.reminded']);
    // Three restarts on a shared, loaded machine: no waiting on the clock, but workerd takes its time.
  }, 30_000);

  it('a decision before the reminder is due cancels it', async () => {
    const t = await team();
    await t.admin.policy.set.mutate({ policy: { rules: [{ match: { kind: 'run_command' }, action: 'ask', remindAfterSeconds: 60 }] } });
    await clockAt(t.id, START);
    const task = await t.agent.tasks.plan.mutate({ title: 'ship', steps: [deploy()] });
    const a = await openApproval(t.viewer, task.id, 'deploy');
    await t.approver.approvals.decide.mutate({ approvalId: a.approvalId, decision: 'approve', paramsHash: a.paramsHash });
    await clockAt(t.id, START + 120_000);
    await runDurableObjectAlarm(stubOf(t.id));
    expect((await allEvents(t.viewer, task.id)).filter((e) => e.type === 'approval.reminded')).toEqual([]);
  });
});

describe('group quorums', () => {
  it('requiredApprovals {group, count}: members only, distinct persons, a linked key of a member counts once', async () => {
    const t = await team();
    await t.admin.groups.set.mutate({ name: 'security', members: ['alice', 'bob'] });
    await t.admin.policy.set.mutate({ policy: { rules: [{ name: 'sec', match: { kind: 'run_command' }, action: 'ask', requiredApprovals: { group: 'security', count: 2 } }] } });
    const carol = clientFor((await t.admin.keys.create.mutate({ principal: 'carol', role: 'approver' })).key);
    const laptop = clientFor((await t.admin.keys.create.mutate({ principal: 'alice-laptop', role: 'approver' })).key);
    await t.admin.people.link.mutate({ principal: 'alice-laptop', person: 'alice' });
    const task = await t.agent.tasks.plan.mutate({ title: 'ship', steps: [deploy()] });
    const a = await openApproval(t.viewer, task.id, 'deploy');
    const vote = (c: typeof carol) => c.approvals.decide.mutate({ approvalId: a.approvalId, decision: 'approve', paramsHash: a.paramsHash });

    expect(await errorOf(vote(carol))).toMatchObject({ code: 'FORBIDDEN', reason: 'not_in_group' });
    await vote(laptop); // alice's person, through her linked key: a member
    expect(await errorOf(vote(t.approver))).toMatchObject({ code: 'CONFLICT', reason: 'already_voted' });
    expect((await t.viewer.tasks.get.query({ taskId: task.id })).steps[0]!.status).toBe('awaiting_approval');
    await vote(t.approver2);
    expect((await t.viewer.tasks.get.query({ taskId: task.id })).steps[0]!.status).toBe('approved');

    expect((await t.admin.groups.list.query()).items).toEqual([expect.objectContaining({ name: 'security', members: ['alice', 'bob'] })]);
    expect(await errorOf(t.approver.groups.set.mutate({ name: 'x', members: ['a'] }))).toMatchObject({ code: 'FORBIDDEN' });
    expect(await errorOf(t.admin.groups.set.mutate({ name: 'bad name', members: ['a'] }))).toMatchObject({ code: 'BAD_REQUEST' });
    expect(await errorOf(t.admin.groups.delete.mutate({ name: 'nope' }))).toMatchObject({ code: 'NOT_FOUND' });
    await t.admin.groups.delete.mutate({ name: 'security' });
    expect((await t.admin.groups.list.query()).items).toEqual([]);
  });
});

describe('delegation', () => {
  it("a delegate approves for a member while the delegation lasts, recorded as theirs 'for' the member; after `until` it lends nothing", async () => {
    const t = await team();
    await t.admin.groups.set.mutate({ name: 'security', members: ['alice'] });
    await t.admin.policy.set.mutate({ policy: { rules: [{ name: 'sec', match: { kind: 'run_command' }, action: 'ask', requiredApprovals: { group: 'security', count: 1 } }] } });
    await clockAt(t.id, START);
    // alice names bob for an hour.
    const d = await t.approver.delegations.set.mutate({ to: 'bob', until: START + 3_600_000 });
    expect(d).toMatchObject({ from: 'alice', to: 'bob', until: START + 3_600_000 });
    expect((await t.viewer.delegations.list.query({})).items.map((x) => x.id)).toEqual([d.id]);

    const task = await t.agent.tasks.plan.mutate({ title: 'two', steps: [deploy('one'), deploy('two')] });
    const one = await openApproval(t.viewer, task.id, 'one');
    await t.approver2.approvals.decide.mutate({ approvalId: one.approvalId, decision: 'approve', paramsHash: one.paramsHash });
    const step = (await t.viewer.tasks.get.query({ taskId: task.id })).steps[0]!;
    expect(step.status).toBe('approved');
    expect(step.approvals[0]).toMatchObject({ principal: 'bob', onBehalfOf: 'alice' });
    expect(step.decision?.deciders).toEqual([expect.objectContaining({ principal: 'bob', onBehalfOf: 'alice' })]);

    // An hour later, the delegation has ended: bob is refused.
    await clockAt(t.id, START + 3_600_000);
    const two = await openApproval(t.viewer, task.id, 'two');
    expect(await errorOf(t.approver2.approvals.decide.mutate({ approvalId: two.approvalId, decision: 'approve', paramsHash: two.paramsHash }))).toMatchObject({
      code: 'FORBIDDEN',
      reason: 'not_in_group',
    });
    expect((await t.viewer.delegations.list.query({})).items).toEqual([]);
    expect((await t.viewer.delegations.list.query({ all: true })).items).toHaveLength(1);
  });

  it('typed errors: for someone else (not admin), to oneself, in the past, beyond 90 days; revoke by a stranger', async () => {
    const t = await team();
    await clockAt(t.id, START);
    expect(await errorOf(t.approver.delegations.set.mutate({ from: 'bob', to: 'alice', until: START + 1000 }))).toMatchObject({ code: 'FORBIDDEN' });
    expect(await errorOf(t.approver.delegations.set.mutate({ to: 'alice', until: START + 1000 }))).toMatchObject({ code: 'BAD_REQUEST', reason: 'self_delegation' });
    expect(await errorOf(t.approver.delegations.set.mutate({ to: 'bob', until: START }))).toMatchObject({ code: 'BAD_REQUEST', reason: 'until_past' });
    expect(await errorOf(t.approver.delegations.set.mutate({ to: 'bob', until: START + 91 * 86_400_000 }))).toMatchObject({ code: 'BAD_REQUEST', reason: 'until_too_far' });
    expect(await errorOf(t.viewer.delegations.set.mutate({ to: 'bob', until: START + 1000 }))).toMatchObject({ code: 'FORBIDDEN' });
    const d = await t.admin.delegations.set.mutate({ from: 'bob', to: 'alice', until: START + 1000 });
    const carol = clientFor((await t.admin.keys.create.mutate({ principal: 'carol', role: 'approver' })).key);
    expect(await errorOf(carol.delegations.revoke.mutate({ id: d.id }))).toMatchObject({ code: 'FORBIDDEN' });
    expect(await t.approver2.delegations.revoke.mutate({ id: d.id })).toMatchObject({ id: d.id, revokedAt: START });
    expect(await errorOf(t.admin.delegations.revoke.mutate({ id: 'nope' }))).toMatchObject({ code: 'NOT_FOUND' });
  });
});
