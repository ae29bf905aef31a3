/** Approval deadlines: the object's alarm applies defaultOnTimeout, once, also after eviction. */
import { env } from 'cloudflare:workers';
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { expireApproval } from './deadlines.ts';
import { team, type Team } from './harness.ts';

const stub = (t: Team) => env.WORKSPACE.get(env.WORKSPACE.idFromName(t.id));

const makeDue = (t: Team, stepId: string) => expireApproval(t.id, stepId);

const planWithTimeout = async (t: Team, defaultOnTimeout?: 'reject' | 'approve' | 'skip' | 'cancel_task') => {
  await t.admin.policy.set.mutate({
    policy: { rules: [{ match: { kind: 'run_command' }, action: 'ask', timeoutSeconds: 600, ...(defaultOnTimeout ? { defaultOnTimeout } : {}) }] },
  });
  return t.agent.plan({
    title: 'deadline',
    steps: [
      { key: 'deploy', kind: 'run_command', title: 'deploy', params: { command: 'make deploy' } },
      { key: 'after', kind: 'edit_file', title: 'after', params: { path: 'CHANGELOG.md', content: 'deployed' }, dependsOn: ['deploy'] },
    ],
  });
};

describe('approval timeouts', () => {
  it('gives an approval an expiresAt and rejects it on expiry by default, blocking its dependents', async () => {
    const t = await team();
    const task = await planWithTimeout(t);
    const deploy = task.steps[0]!;
    expect(deploy.approval!.expiresAt).toBe(deploy.approval!.requestedAt + 600_000);
    await makeDue(t, deploy.id);
    expect(await runDurableObjectAlarm(stub(t))).toBe(true);
    const after = await t.viewer.tasks.get.query({ taskId: task.id });
    expect(after.steps.map((s) => s.status)).toEqual(['rejected', 'blocked']);
    expect(after.steps[0]!.decision).toMatchObject({ decision: 'timeout', by: ['timeout'] });
    const expired = (await t.viewer.events.list.query({ taskId: task.id, limit: 100 })).items.filter((e) => e.type === 'approval.expired');
    expect(expired).toHaveLength(1);
    expect(expired[0]).toMatchObject({ actor: 'system', stepId: deploy.id, data: { defaultOnTimeout: 'reject', to: 'rejected' } });
  });

  it.each([
    ['approve', ['approved', 'awaiting_approval'], 'active'],
    ['skip', ['skipped', 'awaiting_approval'], 'active'],
    ['cancel_task', ['cancelled', 'cancelled'], 'cancelled'],
  ] as const)('applies defaultOnTimeout %s', async (outcome, statuses, taskStatus) => {
    const t = await team();
    const task = await planWithTimeout(t, outcome);
    await makeDue(t, task.steps[0]!.id);
    await runDurableObjectAlarm(stub(t));
    const after = await t.viewer.tasks.get.query({ taskId: task.id });
    expect(after.steps.map((s) => s.status)).toEqual(statuses);
    expect(after.status).toBe(taskStatus);
  });

  it('changes nothing when the alarm is delivered twice', async () => {
    const t = await team();
    const task = await planWithTimeout(t);
    await makeDue(t, task.steps[0]!.id);
    await runDurableObjectAlarm(stub(t));
    const once = await t.viewer.events.list.query({ limit: 200 });
    // At-least-once delivery: run the handler again directly, as a duplicate would.
    await runInDurableObject(stub(t), (instance) => instance.alarm());
    await runDurableObjectAlarm(stub(t));
    const twice = await t.viewer.events.list.query({ limit: 200 });
    expect(twice.items).toEqual(once.items);
  });

  it('keeps an open deadline across eviction', async () => {
    const t = await team();
    const task = await planWithTimeout(t);
    await evictDurableObject(stub(t));
    await makeDue(t, task.steps[0]!.id);
    expect(await runDurableObjectAlarm(stub(t))).toBe(true);
    expect((await t.viewer.steps.get.query({ stepId: task.steps[0]!.id })).status).toBe('rejected');
  });

  it('leaves an approval decided before its deadline untouched', async () => {
    const t = await team();
    const task = await planWithTimeout(t);
    const [a] = (await t.approver.approvals.list.query({ taskId: task.id })).items;
    await t.approver.approvals.decide.mutate({ approvalId: a!.approvalId, decision: 'approve', paramsHash: a!.paramsHash });
    const before = await t.viewer.events.list.query({ limit: 200 });
    await runDurableObjectAlarm(stub(t));
    expect((await t.viewer.steps.get.query({ stepId: a!.stepId })).status).toBe('approved');
    expect((await t.viewer.events.list.query({ limit: 200 })).items).toEqual(before.items);
  });

  it('applies a deadline that fell due on the next read even before the alarm runs', async () => {
    const t = await team();
    const task = await planWithTimeout(t);
    await makeDue(t, task.steps[0]!.id);
    expect((await t.viewer.tasks.get.query({ taskId: task.id })).steps[0]!.status).toBe('rejected');
    const expired = (await t.viewer.events.list.query({ limit: 200 })).items.filter((e) => e.type === 'approval.expired');
    expect(expired).toHaveLength(1);
    await runDurableObjectAlarm(stub(t));
    expect((await t.viewer.events.list.query({ limit: 200 })).items.filter((e) => e.type === 'approval.expired')).toHaveLength(1);
  });
});
