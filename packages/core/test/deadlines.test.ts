/** Deadlines: expired leases and approvals, applied in the order they fell due. */
import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, Policy, applyDeadlines, claim, complete, decide, isClaimable, nextDeadline, type Task } from '../src/index.ts';
import { T0, commandStep, decision, editStep, expectError, makeEnv, readStep, stepOf, unwrap } from './fixtures.ts';

import { LEASE, MAX, approveAll, claimOne, leaseOf, setup } from './executor-helpers.ts';

describe('applyDeadlines: leases', () => {
  it('a non-idempotent step whose lease ran out fails with lease_expired; a read step goes back to approved with its attempt kept', async () => {
    const { env, task } = await setup([commandStep('c'), readStep('r')]);
    const approved = approveAll(task, env);
    const claimed = unwrap(claim(approved, { stepIds: approved.steps.map((s) => s.id), leaseMs: LEASE }, DEFAULT_POLICY, env.ctx('runner-1'))).task;
    expect(nextDeadline(claimed)).toBe(T0 + LEASE);
    expect(applyDeadlines(claimed, MAX, env.ctx('system', T0 + LEASE - 1))).toBeUndefined();

    const out = applyDeadlines(claimed, MAX, env.ctx('system', T0 + LEASE));
    expect(out).toBeDefined();
    const after = out?.task ?? claimed;
    const c = stepOf(after, 'c');
    expect(c.status).toBe('failed');
    expect(c.result?.error?.code).toBe('lease_expired');
    expect(c.completedAt).toBe(T0 + LEASE);
    expect(c.lease).toBeUndefined();
    const r = stepOf(after, 'r');
    expect(r.status).toBe('approved');
    expect(r.attempt).toBe(1);
    expect(r.lease).toBeUndefined();
    expect(isClaimable(after, r)).toBe(true);
    expect(out?.events.find((e) => e.stepId === c.id)).toMatchObject({ type: 'step.failed', data: { from: 'executing', to: 'failed', reason: 'lease_expired' } });
    expect(out?.events.find((e) => e.stepId === r.id)).toMatchObject({ type: 'step.approved', data: { reason: 'lease_expired', retry: true } });

    // the executor that lost its lease can no longer report
    expectError(complete(after, { stepId: c.id, leaseId: leaseOf(claimed, 'c') }, env.ctx('h', T0 + LEASE)), 'CONFLICT', 'lost_lease');
  });

  it('a read step that keeps losing its lease fails after maxAttempts', async () => {
    const { env, task } = await setup([readStep('r')]);
    let t = task;
    for (let i = 1; i <= MAX; i++) {
      t = claimOne(t, stepOf(t, 'r'), env).task;
      env.advance(LEASE);
      t = applyDeadlines(t, MAX, env.ctx('system'))?.task ?? t;
    }
    expect(stepOf(t, 'r').status).toBe('failed');
    expect(stepOf(t, 'r').attempt).toBe(MAX);
  });

  it('called twice at the same time: the second call changes nothing (undefined)', async () => {
    const { env, task } = await setup([commandStep('c'), readStep('r'), editStep('e')], Policy.parse({ timeoutSeconds: 30 }));
    const approved = unwrap(decide(task, decision(stepOf(task, 'c'), 'approve'), DEFAULT_POLICY, env.ctx('alice'))).task;
    const claimed = unwrap(claim(approved, { stepIds: [stepOf(task, 'c').id, stepOf(task, 'r').id], leaseMs: LEASE }, DEFAULT_POLICY, env.ctx('runner-1'))).task;
    const at = T0 + LEASE;
    const first = applyDeadlines(claimed, MAX, env.ctx('system', at));
    expect(first).toBeDefined();
    expect(stepOf(first?.task ?? claimed, 'e').status).toBe('rejected');
    expect(applyDeadlines(first?.task ?? claimed, MAX, env.ctx('system', at))).toBeUndefined();
  });
});

describe('applyDeadlines: a late alarm', () => {
  /** Run A (not retry-safe) under a 30 s lease while B, which depends on A, waits on a 60 s approval. */
  async function leaseThenApproval(defaultOnTimeout: 'reject' | 'cancel_task') {
    const policy = Policy.parse({ rules: [{ match: { kind: 'edit_file' }, action: 'ask', timeoutSeconds: 60, defaultOnTimeout }] });
    const { env, task } = await setup([commandStep('a'), editStep('b', ['a'])], policy);
    const approved = unwrap(decide(task, decision(stepOf(task, 'a'), 'approve'), policy, env.ctx('alice'))).task;
    const claimed = claimOne(approved, stepOf(approved, 'a'), env, 30_000).task;
    return claimed;
  }
  const statuses = (t: Task) => [t.status, ...t.steps.map((s) => `${s.key}:${s.status}`)];

  it('on time: the lease runs out first, so B is blocked before its approval can expire', async () => {
    const t = await leaseThenApproval('cancel_task');
    const at30 = applyDeadlines(t, MAX, makeEnv().ctx('system', T0 + 30_000))?.task ?? t;
    expect(statuses(at30)).toEqual(['failed', 'a:failed', 'b:blocked']);
    expect(applyDeadlines(at30, MAX, makeEnv().ctx('system', T0 + 90_000))).toBeUndefined();
  });

  // BUG (src/machine/deadlines.ts lines 16-22, applyDeadlines): due deadlines are applied by
  // kind, not in time order: every expired lease first, then every expired approval, with
  // blocking propagated only at the end (settle). When the alarm runs late, a dependent whose
  // dependency's lease ran out earlier (so it was already blocked) still has its approval
  // expire: with defaultOnTimeout cancel_task the whole task is cancelled, with reject the step
  // ends 'rejected' instead of 'blocked'. The module promises "a late or doubled alarm changes
  // nothing". Input: A (run_command, approved) claimed at T0 with a 30 s lease; B (edit_file,
  // depends on A) asking with timeoutSeconds 60. applyDeadlines once at T0+90 s.
  // Expected (as on time): task failed, A failed, B blocked. Actual: task cancelled, B cancelled
  // (cancel_task) / task failed, B rejected (reject).
  it.each(['cancel_task', 'reject'] as const)('late (defaultOnTimeout %s): gives the same outcome as alarms on time', async (outcome) => {
    const t = await leaseThenApproval(outcome);
    const late = applyDeadlines(t, MAX, makeEnv().ctx('system', T0 + 90_000))?.task ?? t;
    expect(statuses(late)).toEqual(['failed', 'a:failed', 'b:blocked']);
  });
});

describe('applyDeadlines: approval expiry', () => {
  const policyWith = (defaultOnTimeout: 'reject' | 'approve' | 'skip' | 'cancel_task') =>
    Policy.parse({ rules: [{ match: { kind: 'edit_file' }, action: 'ask', timeoutSeconds: 60, defaultOnTimeout }] });

  it.each([
    ['reject', 'rejected'],
    ['approve', 'approved'],
    ['skip', 'skipped'],
  ] as const)('defaultOnTimeout %s: the step becomes %s, with an approval.expired event', async (outcome, status) => {
    const policy = policyWith(outcome);
    const { env, task } = await setup([editStep('e'), editStep('other', [], { params: { path: 'x', content: 'y' }, title: 'x' }), commandStep('c')], policy);
    const e0 = stepOf(task, 'e');
    expect(e0.approval?.expiresAt).toBe(T0 + 60_000);
    expect(stepOf(task, 'c').approval?.expiresAt).toBeUndefined();
    expect(nextDeadline(task)).toBe(T0 + 60_000);
    expect(applyDeadlines(task, MAX, env.ctx('system', T0 + 59_999))).toBeUndefined();

    const out = applyDeadlines(task, MAX, env.ctx('system', T0 + 60_000));
    const e = stepOf(out?.task ?? task, 'e');
    expect(e.status).toBe(status);
    expect(e.decision).toMatchObject({ decision: 'timeout', by: ['timeout'], at: T0 + 60_000 });
    expect(out?.events.find((ev) => ev.stepId === e.id)).toEqual({
      type: 'approval.expired',
      taskId: task.id,
      stepId: e.id,
      data: { from: 'awaiting_approval', to: status, revision: 1, approvalId: e0.approval?.id, defaultOnTimeout: outcome },
    });
    expect(stepOf(out?.task ?? task, 'c').status).toBe('awaiting_approval');
    expect(out?.task.status).toBe('active');
  });

  it('defaultOnTimeout cancel_task cancels the whole task', async () => {
    const { env, task } = await setup([editStep('e'), commandStep('c'), readStep('r')], policyWith('cancel_task'));
    const out = applyDeadlines(task, MAX, env.ctx('system', T0 + 60_000));
    const after = out?.task ?? task;
    expect(after.status).toBe('cancelled');
    expect(after.steps.map((s) => s.status)).toEqual(['cancelled', 'cancelled', 'cancelled']);
    expect(after.cancel).toMatchObject({ by: 'system', at: T0 + 60_000 });
    expect(out?.events.find((e) => e.stepId === stepOf(after, 'e').id)?.type).toBe('approval.expired');
    expect(out?.events.filter((e) => e.type === 'task.finished')).toHaveLength(1);
    expect(applyDeadlines(after, MAX, env.ctx('system', T0 + 120_000))).toBeUndefined();
  });

  it('a decision made in time removes the deadline', async () => {
    const { env, task } = await setup([editStep('e')], policyWith('reject'));
    const approved = unwrap(decide(task, decision(stepOf(task, 'e'), 'approve'), DEFAULT_POLICY, env.ctx('alice'))).task;
    expect(nextDeadline(approved)).toBeUndefined();
    expect(applyDeadlines(approved, MAX, env.ctx('system', T0 + 3_600_000))).toBeUndefined();
  });
});
