/** The workspace object loses nothing when evicted, and its alarm expires leases exactly once. */
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { expireLease, stubOf } from './deadlines.ts';
import { allEvents, gaplessSeqs, openApproval, team, threeStepPlan, type Team } from './harness.ts';

/** Instances seen so far (tests run in the Worker's isolate), to prove an eviction made a new one. */
const seen = new WeakSet<object>();
const markInstance = (workspaceId: string) => runInDurableObject(stubOf(workspaceId), (instance) => void seen.add(instance));
const isNewInstance = (workspaceId: string) => runInDurableObject(stubOf(workspaceId), (instance) => !seen.has(instance));

/** The step row as stored, read without going through the API (which would apply deadlines itself). */
const storedStatus = (workspaceId: string, stepId: string) =>
  runInDurableObject(stubOf(workspaceId), (_instance, state) => state.storage.sql.exec<{ status: string }>(`SELECT status FROM steps WHERE id = ?`, stepId).one().status);

/** A one-step task of `kind`, approved and claimed under a 5 s lease. */
async function claimedStep(t: Team, kind: 'run_command' | 'read') {
  const step =
    kind === 'read'
      ? { key: 'look', kind, title: 'Look around', params: { tool: 'read_file', paths: ['README.md'] } }
      : { key: 'migrate', kind, title: 'Migrate the database', params: { command: 'npm run migrate' } };
  const task = await t.agent.tasks.plan.mutate({ title: `one ${kind}`, steps: [step] });
  if (kind !== 'read') {
    const a = await openApproval(t.approver, task.id, step.key);
    await t.approver.approvals.decide.mutate({ approvalId: a.approvalId, decision: 'approve', paramsHash: a.paramsHash });
  }
  const claimed = await t.agent.steps.claim.mutate({ taskId: task.id, leaseSeconds: 5 });
  expect(claimed.steps).toHaveLength(1);
  return { task, claimed: claimed.steps[0]! };
}

describe('eviction', () => {
  it('an evicted object comes back with identical state; the flow completes and seqs continue without a gap', async () => {
    const t = await team();
    const task = await t.agent.tasks.plan.mutate(threeStepPlan());
    const edit = await openApproval(t.approver, task.id, 'edit');
    await t.approver.approvals.decide.mutate({ approvalId: edit.approvalId, decision: 'approve', paramsHash: edit.paramsHash });
    const read = (await t.agent.steps.claim.mutate({ taskId: task.id })).steps[0]!;

    const before = await t.viewer.tasks.get.query({ taskId: task.id });
    const eventsBefore = await allEvents(t.viewer);
    const wsBefore = await t.viewer.workspaces.get.query();
    const inboxBefore = await t.viewer.approvals.list.query();

    await markInstance(t.id);
    expect(await isNewInstance(t.id)).toBe(false);
    await evictDurableObject(stubOf(t.id));

    expect(await t.viewer.tasks.get.query({ taskId: task.id })).toEqual(before);
    expect(await isNewInstance(t.id)).toBe(true);
    expect(await allEvents(t.viewer)).toEqual(eventsBefore);
    expect(await t.viewer.workspaces.get.query()).toEqual(wsBefore);
    expect(await t.viewer.approvals.list.query()).toEqual(inboxBefore);

    // The lease taken before the eviction is still live, and the keys still work.
    await t.agent.steps.complete.mutate({ stepId: read.stepId, leaseId: read.leaseId });
    const editRun = (await t.agent.steps.claim.mutate({ taskId: task.id })).steps[0]!;
    expect(editRun.key).toBe('edit');
    await evictDurableObject(stubOf(t.id));
    await t.agent.steps.complete.mutate({ stepId: editRun.stepId, leaseId: editRun.leaseId });
    const test = await openApproval(t.approver, task.id, 'test');
    await t.approver.approvals.decide.mutate({ approvalId: test.approvalId, decision: 'approve', paramsHash: test.paramsHash });
    const testRun = (await t.agent.steps.claim.mutate({ taskId: task.id })).steps[0]!;
    const done = await t.agent.steps.complete.mutate({ stepId: testRun.stepId, leaseId: testRun.leaseId });
    expect(done.taskStatus).toBe('completed');

    const after = await allEvents(t.viewer);
    expect(after.slice(0, eventsBefore.length)).toEqual(eventsBefore);
    expect(after.length).toBeGreaterThan(eventsBefore.length);
    expect(gaplessSeqs(after)).toBe(true);
    expect(after.at(-1)?.type).toBe('task.finished');
  });
});

describe('approval expiry by alarm', () => {
  it('an approval that runs out while the object is evicted applies its defaultOnTimeout when the alarm fires', async () => {
    const t = await team();
    await t.admin.policy.set.mutate({
      policy: { rules: [{ name: 'commands', match: { kind: 'run_command' }, action: 'ask', timeoutSeconds: 600, defaultOnTimeout: 'cancel_task' }] },
    });
    const task = await t.agent.tasks.plan.mutate(threeStepPlan());
    const test = task.steps[2]!;
    expect(test.approval?.expiresAt).toBeTypeOf('number');
    expect(test.approval?.defaultOnTimeout).toBe('cancel_task');
    // The alarm is already set for the expiry.
    expect(await runInDurableObject(stubOf(t.id), (_i, state) => state.storage.getAlarm())).toBe(test.approval?.expiresAt);

    await evictDurableObject(stubOf(t.id));
    const past = Date.now() - 1_000;
    await runInDurableObject(stubOf(t.id), (_i, state) => {
      state.storage.sql.exec(`UPDATE steps SET deadline = ?, data = json_set(data, '$.approval.expiresAt', ?) WHERE id = ?`, past, past, test.id);
    });
    await evictDurableObject(stubOf(t.id));

    expect(await runDurableObjectAlarm(stubOf(t.id))).toBe(true);
    expect(await storedStatus(t.id, test.id)).toBe('cancelled');
    const after = await t.viewer.tasks.get.query({ taskId: task.id });
    expect(after.status).toBe('cancelled');
    expect(after.cancel?.by).toBe('system');
    expect(after.steps.map((s) => s.status)).toEqual(['cancelled', 'cancelled', 'cancelled']);
    const types = (await allEvents(t.viewer, task.id)).filter((e) => e.actor === 'system').map((e) => e.type);
    expect(types).toEqual(['approval.expired', 'step.cancelled', 'step.cancelled', 'task.cancelled', 'task.finished']);
    expect(gaplessSeqs(await allEvents(t.viewer))).toBe(true);
  });
});

describe('lease expiry by alarm', () => {
  it('a non-idempotent step whose lease ran out is failed with lease_expired and never handed out again', async () => {
    const t = await team();
    const { task, claimed } = await claimedStep(t, 'run_command');
    expect(claimed.idempotent).toBe(false);
    await expireLease(t.id, claimed.stepId);

    expect(await runDurableObjectAlarm(stubOf(t.id))).toBe(true);
    // The alarm itself did it: the stored row moved before any API call.
    expect(await storedStatus(t.id, claimed.stepId)).toBe('failed');

    const after = await t.viewer.tasks.get.query({ taskId: task.id });
    const step = after.steps[0]!;
    expect(step.status).toBe('failed');
    expect(step.result?.error?.code).toBe('lease_expired');
    expect(step.completedAt).toBeTypeOf('number');
    expect(step.lease).toBeUndefined();
    expect(after.status).toBe('failed');
    const failed = (await allEvents(t.viewer, task.id)).filter((e) => e.type === 'step.failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ actor: 'system', stepId: claimed.stepId, data: { reason: 'lease_expired' } });

    expect((await t.agent.steps.claim.mutate({ max: 10 })).steps).toEqual([]);
    const late = await t.agent.steps.complete.mutate({ stepId: claimed.stepId, leaseId: claimed.leaseId }).then(
      () => undefined,
      (e: { code: string }) => e.code,
    );
    expect(late).toBe('CONFLICT');
    const hb = await t.agent.steps.heartbeat.mutate({ stepId: claimed.stepId, leaseId: claimed.leaseId }).then(
      () => undefined,
      (e: { code: string }) => e.code,
    );
    expect(hb).toBe('CONFLICT');
    expect((await t.viewer.tasks.get.query({ taskId: task.id })).steps[0]!.status).toBe('failed');
  });

  it('a read step (retry-safe) goes back to approved with attempt 1, and the next claim is attempt 2', async () => {
    const t = await team();
    const { task, claimed } = await claimedStep(t, 'read');
    expect(claimed.attempt).toBe(1);
    await expireLease(t.id, claimed.stepId);

    expect(await runDurableObjectAlarm(stubOf(t.id))).toBe(true);
    expect(await storedStatus(t.id, claimed.stepId)).toBe('approved');
    const step = (await t.viewer.tasks.get.query({ taskId: task.id })).steps[0]!;
    expect(step.status).toBe('approved');
    expect(step.attempt).toBe(1);
    expect(step.lease).toBeUndefined();

    // The old lease is dead; a new claim is the second attempt.
    const old = await t.agent.steps.complete.mutate({ stepId: claimed.stepId, leaseId: claimed.leaseId }).then(
      () => undefined,
      (e: { code: string }) => e.code,
    );
    expect(old).toBe('CONFLICT');
    const again = await t.agent.steps.claim.mutate({ taskId: task.id, leaseSeconds: 5 });
    expect(again.steps).toHaveLength(1);
    expect(again.steps[0]).toMatchObject({ stepId: claimed.stepId, attempt: 2 });
    expect(again.steps[0]!.leaseId).not.toBe(claimed.leaseId);
    const done = await t.agent.steps.complete.mutate({ stepId: again.steps[0]!.stepId, leaseId: again.steps[0]!.leaseId });
    expect(done.taskStatus).toBe('completed');
  });

  it('running the alarm again changes nothing: what is due is applied once, live leases stay live', async () => {
    const t = await team();
    const expired = await claimedStep(t, 'run_command');
    // A second task whose lease is far from due keeps an alarm scheduled.
    const live = await t.agent.tasks.plan.mutate({ title: 'live', steps: [{ key: 'r', kind: 'read', title: 'Read', params: { tool: 'search', query: 'x' } }] });
    const liveClaim = (await t.agent.steps.claim.mutate({ taskId: live.id, leaseSeconds: 3600 })).steps[0]!;
    await expireLease(t.id, expired.claimed.stepId);

    expect(await runDurableObjectAlarm(stubOf(t.id))).toBe(true);
    const once = await allEvents(t.viewer);
    const stateOnce = await Promise.all([expired.task.id, live.id].map((taskId) => t.viewer.tasks.get.query({ taskId })));
    expect(stateOnce[0]!.steps[0]!.status).toBe('failed');
    expect(stateOnce[1]!.steps[0]!.status).toBe('executing');

    // The alarm for the live lease is still scheduled; running it early finds nothing due.
    expect(await runDurableObjectAlarm(stubOf(t.id))).toBe(true);
    // And alarm() called directly (an at-least-once redelivery) is a no-op as well.
    await runInDurableObject(stubOf(t.id), (instance) => instance.alarm());
    expect(await allEvents(t.viewer)).toEqual(once);
    expect(await Promise.all([expired.task.id, live.id].map((taskId) => t.viewer.tasks.get.query({ taskId })))).toEqual(stateOnce);
    expect(gaplessSeqs(once)).toBe(true);
    expect(once.filter((e) => e.type === 'step.failed')).toHaveLength(1);

    const hb = await t.agent.steps.heartbeat.mutate({ stepId: liveClaim.stepId, leaseId: liveClaim.leaseId });
    expect(hb.cancelled).toBe(false);
  });
});

describe('alarm scheduling', () => {
  const alarmOf = (workspaceId: string) => runInDurableObject(stubOf(workspaceId), (_i, state) => state.storage.getAlarm());

  it('the alarm is never later than the earliest lease, also when a heartbeat shortens the lease', async () => {
    const t = await team();
    const task = await t.agent.tasks.plan.mutate({ title: 'long job', steps: [{ key: 'r', kind: 'read', title: 'Index the repo', params: { tool: 'search', query: 'TODO' } }] });
    const claimed = (await t.agent.steps.claim.mutate({ taskId: task.id, leaseSeconds: 3600 })).steps[0]!;
    const afterClaim = await alarmOf(t.id);
    expect(afterClaim).not.toBeNull();
    expect(afterClaim!).toBeLessThanOrEqual(claimed.leaseExpiresAt);

    // A heartbeat without leaseSeconds renews for the policy's default (60 s): the lease now ends much sooner.
    const hb = await t.agent.steps.heartbeat.mutate({ stepId: claimed.stepId, leaseId: claimed.leaseId });
    expect(hb.leaseExpiresAt).toBeLessThan(claimed.leaseExpiresAt);
    const afterHeartbeat = await alarmOf(t.id);
    expect(afterHeartbeat).not.toBeNull();
    expect(afterHeartbeat!).toBeLessThanOrEqual(hb.leaseExpiresAt!);

    await t.agent.steps.complete.mutate({ stepId: claimed.stepId, leaseId: claimed.leaseId });
    // Nothing left to watch.
    expect(await alarmOf(t.id)).toBeNull();
  });
});
