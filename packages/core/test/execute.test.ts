import { describe, expect, it } from 'vitest';
import {
  DEFAULT_POLICY,
  Policy,
  applyDeadlines,
  cancelTask,
  claim,
  claimableSteps,
  complete,
  decide,
  deriveTaskStatus,
  failStep,
  heartbeat,
  isClaimable,
  nextDeadline,
  revise,
  setMode,
  type Step,
  type Task,
} from '../src/index.ts';
import {
  T0,
  clarifyStep,
  commandStep,
  decision,
  editStep,
  expectError,
  makeEnv,
  makeTask,
  readStep,
  snapshot,
  stepOf,
  unwrap,
  type Env,
  type StepSpec,
} from './fixtures.ts';

const LEASE = 60_000;
const MAX = DEFAULT_POLICY.maxAttempts;

async function setup(specs: StepSpec[], policy = DEFAULT_POLICY): Promise<{ env: Env; task: Task }> {
  const env = makeEnv();
  const { task } = await makeTask(specs, policy, 'agent', { env });
  return { env, task };
}

/** Approve every waiting step as 'alice'. */
function approveAll(task: Task, env: Env): Task {
  let t = task;
  for (const s of t.steps) {
    const live = stepOf(t, s.key);
    if (live.status === 'awaiting_approval') t = unwrap(decide(t, decision(live, 'approve'), DEFAULT_POLICY, env.ctx('alice'))).task;
  }
  return t;
}

const claimOne = (task: Task, step: Step, env: Env, leaseMs = LEASE) =>
  unwrap(claim(task, { stepIds: [step.id], leaseMs }, env.ctx('runner-1')));

const leaseOf = (task: Task, key: string): string => {
  const l = stepOf(task, key).lease;
  if (!l) throw new Error(`step ${key} has no lease`);
  return l.leaseId;
};

/** Claim then complete, returning the task. */
function run(task: Task, key: string, env: Env): Task {
  const claimed = claimOne(task, stepOf(task, key), env).task;
  return unwrap(complete(claimed, { stepId: stepOf(claimed, key).id, leaseId: leaseOf(claimed, key) }, env.ctx('runner-1'))).task;
}

describe('claim', () => {
  it('only claimable steps: approved, with every dependency completed or skipped', async () => {
    const { env, task } = await setup([readStep('r'), readStep('after', ['r']), editStep('e')]);
    expect(claimableSteps(task).map((s) => s.key)).toEqual(['r']);
    const before = snapshot(task);
    expectError(claim(task, { stepIds: [stepOf(task, 'after').id], leaseMs: LEASE }, env.ctx('runner-1')), 'CONFLICT', 'not_claimable');
    expectError(claim(task, { stepIds: [stepOf(task, 'e').id], leaseMs: LEASE }, env.ctx('runner-1')), 'CONFLICT', 'not_claimable');
    expectError(claim(task, { stepIds: ['nope'], leaseMs: LEASE }, env.ctx('runner-1')), 'CONFLICT', 'not_claimable');
    expectError(claim(task, { stepIds: [stepOf(task, 'r').id, stepOf(task, 'r').id], leaseMs: LEASE }, env.ctx('runner-1')), 'CONFLICT');
    expect(snapshot(task)).toBe(before);

    const done = run(task, 'r', env);
    expect(isClaimable(done, stepOf(done, 'after'))).toBe(true);
  });

  it('sets startedAt, attempt and a lease, with a step.claimed event', async () => {
    const { env, task } = await setup([readStep('r')]);
    env.advance(5);
    const { task: after, events } = claimOne(task, stepOf(task, 'r'), env);
    const r = stepOf(after, 'r');
    expect(r.status).toBe('executing');
    expect(r.startedAt).toBe(T0 + 5);
    expect(r.attempt).toBe(1);
    expect(r.lease).toEqual({ leaseId: expect.stringMatching(/^id-/), holder: 'runner-1', expiresAt: T0 + 5 + LEASE });
    expect(events).toEqual([
      {
        type: 'step.claimed', taskId: task.id, stepId: r.id,
        data: { from: 'approved', to: 'executing', revision: 1, attempt: 1, holder: 'runner-1', leaseExpiresAt: T0 + 5 + LEASE },
      },
    ]);
    expect(JSON.stringify(events)).not.toContain(r.lease!.leaseId);
    expect(claimableSteps(after)).toEqual([]);
  });

  it('independent steps can be claimed together', async () => {
    const { env, task } = await setup([readStep('a'), readStep('b')]);
    const { task: after } = unwrap(claim(task, { stepIds: task.steps.map((s) => s.id), leaseMs: LEASE }, env.ctx('runner-1')));
    expect(after.steps.map((s) => s.status)).toEqual(['executing', 'executing']);
    expect(stepOf(after, 'a').lease?.leaseId).not.toBe(stepOf(after, 'b').lease?.leaseId);
  });
});

describe('complete', () => {
  it('with the live lease: completed, output kept, usage summed into the task', async () => {
    const { env, task } = await setup([readStep('a'), readStep('b')]);
    const claimed = unwrap(claim(task, { stepIds: task.steps.map((s) => s.id), leaseMs: LEASE }, env.ctx('runner-1'))).task;
    env.advance(1500);
    const usageA = { inputTokens: 100, outputTokens: 20, costUsd: 0.1 };
    const usageB = { inputTokens: 5, outputTokens: 7, costUsd: 0.2 };
    const one = unwrap(complete(claimed, { stepId: stepOf(claimed, 'a').id, leaseId: leaseOf(claimed, 'a'), output: { lines: 3 }, usage: usageA }, env.ctx('runner-1')));
    const a = stepOf(one.task, 'a');
    expect(a.status).toBe('completed');
    expect(a.completedAt).toBe(T0 + 1500);
    expect(a.lease).toBeUndefined();
    expect(a.result).toEqual({ output: { lines: 3 }, usage: usageA });
    expect(one.events[0]).toMatchObject({ type: 'step.completed', data: { from: 'executing', to: 'completed', attempt: 1, durationMs: 1500 } });
    expect(one.task.status).toBe('active');

    const two = unwrap(complete(one.task, { stepId: stepOf(claimed, 'b').id, leaseId: leaseOf(claimed, 'b'), usage: usageB }, env.ctx('runner-1')));
    expect(two.task.usage).toEqual({ inputTokens: 105, outputTokens: 27, costUsd: 0.3 });
    expect(two.task.status).toBe('completed');
    expect(two.task.finishedAt).toBe(T0 + 1500);
    expect(two.events.at(-1)).toEqual({ type: 'task.finished', taskId: task.id, data: { status: 'completed' } });
  });

  it('with a wrong lease id: CONFLICT lost_lease, nothing changed', async () => {
    const { env, task } = await setup([readStep('r')]);
    const claimed = claimOne(task, stepOf(task, 'r'), env).task;
    const before = snapshot(claimed);
    expectError(complete(claimed, { stepId: stepOf(claimed, 'r').id, leaseId: 'not-my-lease' }, env.ctx('runner-1')), 'CONFLICT', 'lost_lease');
    expectError(failStep(claimed, { stepId: stepOf(claimed, 'r').id, leaseId: 'not-my-lease', error: { message: 'x' } }, MAX, env.ctx('runner-1')), 'CONFLICT', 'lost_lease');
    expectError(complete(claimed, { stepId: 'nope', leaseId: leaseOf(claimed, 'r') }, env.ctx('runner-1')), 'NOT_FOUND');
    // A lease id is no use to anyone but its holder.
    expectError(complete(claimed, { stepId: stepOf(claimed, 'r').id, leaseId: leaseOf(claimed, 'r') }, env.ctx('runner-2')), 'CONFLICT', 'lost_lease');
    expect(snapshot(claimed)).toBe(before);
  });

  it('on a step that is not executing: CONFLICT lost_lease', async () => {
    const { env, task } = await setup([readStep('r')]);
    const claimed = claimOne(task, stepOf(task, 'r'), env).task;
    const lease = leaseOf(claimed, 'r');
    const done = unwrap(complete(claimed, { stepId: stepOf(claimed, 'r').id, leaseId: lease }, env.ctx('runner-1'))).task;
    expectError(complete(done, { stepId: stepOf(done, 'r').id, leaseId: lease }, env.ctx('runner-1')), 'CONFLICT', 'lost_lease');
  });

  it('with an expired lease: CONFLICT lease_expired', async () => {
    const { env, task } = await setup([readStep('r')]);
    const claimed = claimOne(task, stepOf(task, 'r'), env).task;
    env.advance(LEASE);
    expectError(complete(claimed, { stepId: stepOf(claimed, 'r').id, leaseId: leaseOf(claimed, 'r') }, env.ctx('runner-1')), 'CONFLICT', 'lease_expired');
  });
});

describe('heartbeat', () => {
  it('extends the live lease', async () => {
    const { env, task } = await setup([readStep('r')]);
    const claimed = claimOne(task, stepOf(task, 'r'), env).task;
    env.advance(LEASE - 1);
    const hb = unwrap(heartbeat(claimed, { stepId: stepOf(claimed, 'r').id, leaseId: leaseOf(claimed, 'r'), leaseMs: LEASE }, env.ctx('runner-1')));
    expect(hb.heartbeat).toEqual({ cancelled: false, leaseExpiresAt: env.now + LEASE });
    expect(stepOf(hb.task, 'r').lease?.expiresAt).toBe(env.now + LEASE);
    expect(hb.events).toEqual([]);
    env.advance(LEASE - 1);
    expect(stepOf(unwrap(complete(hb.task, { stepId: stepOf(hb.task, 'r').id, leaseId: leaseOf(hb.task, 'r') }, env.ctx('runner-1'))).task, 'r').status).toBe('completed');
  });

  it('refuses a wrong or expired lease', async () => {
    const { env, task } = await setup([readStep('r')]);
    const claimed = claimOne(task, stepOf(task, 'r'), env).task;
    expectError(heartbeat(claimed, { stepId: stepOf(claimed, 'r').id, leaseId: 'other', leaseMs: LEASE }, env.ctx('runner-1')), 'CONFLICT', 'lost_lease');
    env.advance(LEASE);
    expectError(heartbeat(claimed, { stepId: stepOf(claimed, 'r').id, leaseId: leaseOf(claimed, 'r'), leaseMs: LEASE }, env.ctx('runner-1')), 'CONFLICT', 'lease_expired');
  });

  it('answers { cancelled: true } after cancelTask', async () => {
    const { env, task } = await setup([readStep('r')]);
    const claimed = claimOne(task, stepOf(task, 'r'), env).task;
    const cancelled = unwrap(cancelTask(claimed, 'stop', env.ctx('alice'))).task;
    const hb = unwrap(heartbeat(cancelled, { stepId: stepOf(claimed, 'r').id, leaseId: leaseOf(claimed, 'r'), leaseMs: LEASE }, env.ctx('runner-1')));
    expect(hb.heartbeat.cancelled).toBe(true);
    expect(hb.events).toEqual([]);
  });
});

describe('failStep', () => {
  it('retryable on an idempotent step: approved again until maxAttempts, then failed', async () => {
    const { env, task } = await setup([commandStep('c', [], { idempotent: true })]);
    let t = approveAll(task, env);
    for (let attempt = 1; attempt <= MAX; attempt++) {
      t = claimOne(t, stepOf(t, 'c'), env).task;
      expect(stepOf(t, 'c').attempt).toBe(attempt);
      const out = unwrap(failStep(t, { stepId: stepOf(t, 'c').id, leaseId: leaseOf(t, 'c'), error: { message: 'flaky', retryable: true } }, MAX, env.ctx('runner-1')));
      t = out.task;
      const c = stepOf(t, 'c');
      if (attempt < MAX) {
        expect(c.status).toBe('approved');
        expect(c.completedAt).toBeUndefined();
        expect(c.lease).toBeUndefined();
        expect(out.events[0]).toMatchObject({ type: 'step.approved', data: { from: 'executing', to: 'approved', retry: true, attempt } });
        expect(isClaimable(t, c)).toBe(true);
      } else {
        expect(c.status).toBe('failed');
        expect(c.result?.error).toEqual({ message: 'flaky', retryable: true });
        expect(t.status).toBe('failed');
      }
    }
  });

  it('retryable on a read step: approved again', async () => {
    const { env, task } = await setup([readStep('r')]);
    const t = claimOne(task, stepOf(task, 'r'), env).task;
    const after = unwrap(failStep(t, { stepId: stepOf(t, 'r').id, leaseId: leaseOf(t, 'r'), error: { message: 'io', retryable: true } }, MAX, env.ctx('runner-1'))).task;
    expect(stepOf(after, 'r').status).toBe('approved');
  });

  it('on a non-idempotent step: failed with completedAt, even when retryable; dependents blocked; usage counted', async () => {
    const { env, task } = await setup([commandStep('c'), readStep('r', ['c'])]);
    const t = claimOne(approveAll(task, env), stepOf(task, 'c'), env).task;
    env.advance(300);
    const out = unwrap(failStep(t, { stepId: stepOf(t, 'c').id, leaseId: leaseOf(t, 'c'), error: { message: 'boom', retryable: true }, usage: { inputTokens: 1, outputTokens: 2, costUsd: 0 } }, MAX, env.ctx('runner-1')));
    const c = stepOf(out.task, 'c');
    expect(c.status).toBe('failed');
    expect(c.completedAt).toBe(env.now);
    expect(out.task.usage).toEqual({ inputTokens: 1, outputTokens: 2, costUsd: 0 });
    expect(stepOf(out.task, 'r').status).toBe('blocked');
    expect(out.task.status).toBe('failed');
  });

  it('not retryable: failed on the first attempt, even for a read step', async () => {
    const { env, task } = await setup([readStep('r')]);
    const t = claimOne(task, stepOf(task, 'r'), env).task;
    const after = unwrap(failStep(t, { stepId: stepOf(t, 'r').id, leaseId: leaseOf(t, 'r'), error: { message: 'nope' } }, MAX, env.ctx('runner-1'))).task;
    expect(stepOf(after, 'r').status).toBe('failed');
  });
});

describe('applyDeadlines: leases', () => {
  it('a non-idempotent step whose lease ran out fails with lease_expired; a read step goes back to approved with its attempt kept', async () => {
    const { env, task } = await setup([commandStep('c'), readStep('r')]);
    const approved = approveAll(task, env);
    const claimed = unwrap(claim(approved, { stepIds: approved.steps.map((s) => s.id), leaseMs: LEASE }, env.ctx('runner-1'))).task;
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
    const claimed = unwrap(claim(approved, { stepIds: [stepOf(task, 'c').id, stepOf(task, 'r').id], leaseMs: LEASE }, env.ctx('runner-1'))).task;
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
      type: 'approval.expired', taskId: task.id, stepId: e.id,
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

describe('task status', () => {
  it('all completed (or skipped) → completed', async () => {
    const { env, task } = await setup([readStep('a'), editStep('b')]);
    let t = run(task, 'a', env);
    t = unwrap(decide(t, decision(stepOf(t, 'b'), 'skip'), DEFAULT_POLICY, env.ctx('alice'))).task;
    expect(t.status).toBe('completed');
    expect(deriveTaskStatus(t)).toBe('completed');
  });

  it('some completed, some rejected or blocked → completed_with_errors', async () => {
    const { env, task } = await setup([readStep('a'), editStep('b'), readStep('c', ['b'])]);
    let t = run(task, 'a', env);
    t = unwrap(decide(t, decision(stepOf(t, 'b'), 'reject'), DEFAULT_POLICY, env.ctx('alice'))).task;
    expect(stepOf(t, 'c').status).toBe('blocked');
    expect(t.status).toBe('completed_with_errors');
    expect(t.finishedAt).toBeDefined();
  });

  it('none completed → failed', async () => {
    const { env, task } = await setup([editStep('a'), readStep('b', ['a'])]);
    const t = unwrap(decide(task, decision(stepOf(task, 'a'), 'reject'), DEFAULT_POLICY, env.ctx('alice'))).task;
    expect(t.status).toBe('failed');
  });

  it('stays active while any step is not terminal', async () => {
    const { env, task } = await setup([readStep('a'), editStep('b')]);
    const t = run(task, 'a', env);
    expect(t.status).toBe('active');
    expect(deriveTaskStatus(t)).toBe('active');
  });
});

describe('cancelTask', () => {
  it('cancels every non-terminal step, keeps terminal ones, records who, why and when', async () => {
    const { env, task } = await setup([readStep('done'), readStep('running'), editStep('waiting'), commandStep('rejected')]);
    let t = run(task, 'done', env);
    t = claimOne(t, stepOf(t, 'running'), env).task;
    t = unwrap(decide(t, decision(stepOf(t, 'rejected'), 'reject'), DEFAULT_POLICY, env.ctx('alice'))).task;
    env.advance(42);
    const { task: after, events } = unwrap(cancelTask(t, 'wrong plan', env.ctx('alice')));
    expect(after.status).toBe('cancelled');
    expect(after.cancel).toEqual({ by: 'alice', reason: 'wrong plan', at: T0 + 42 });
    expect(after.finishedAt).toBe(T0 + 42);
    expect(after.steps.map((s) => [s.key, s.status])).toEqual([
      ['done', 'completed'], ['running', 'cancelled'], ['waiting', 'cancelled'], ['rejected', 'rejected'],
    ]);
    expect(stepOf(after, 'running').lease).toBeUndefined();
    for (const key of ['running', 'waiting']) expect(stepOf(after, key).completedAt).toBe(T0 + 42);
    expect(events.map((e) => e.type)).toEqual(['step.cancelled', 'step.cancelled', 'task.cancelled', 'task.finished']);
    expect(deriveTaskStatus(after)).toBe('cancelled');
  });

  it('after cancel, decide, claim, complete, fail, revise, setMode and cancel all answer CONFLICT', async () => {
    const { env, task } = await setup([readStep('r'), editStep('e'), commandStep('c')]);
    const claimed = claimOne(task, stepOf(task, 'r'), env).task;
    const lease = leaseOf(claimed, 'r');
    const t = unwrap(cancelTask(claimed, undefined, env.ctx('agent'))).task;
    expect(t.cancel).toEqual({ by: 'agent', at: T0 });
    const before = snapshot(t);
    const e = stepOf(task, 'e');
    expectError(decide(t, decision(e, 'approve'), DEFAULT_POLICY, env.ctx('alice')), 'CONFLICT', 'cancelled');
    expectError(claim(t, { stepIds: [e.id], leaseMs: LEASE }, env.ctx('runner-1')), 'CONFLICT');
    expectError(complete(t, { stepId: stepOf(t, 'r').id, leaseId: lease }, env.ctx('runner-1')), 'CONFLICT', 'cancelled');
    expectError(failStep(t, { stepId: stepOf(t, 'r').id, leaseId: lease, error: { message: 'x' } }, MAX, env.ctx('runner-1')), 'CONFLICT', 'cancelled');
    expectError(revise(t, { stepId: e.id, params: e.params, paramsHash: e.paramsHash }, DEFAULT_POLICY, env.ctx('agent')), 'CONFLICT', 'cancelled');
    expectError(setMode(t, 'autopilot', DEFAULT_POLICY, env.ctx('alice')), 'CONFLICT', 'cancelled');
    expectError(cancelTask(t, 'again', env.ctx('alice')), 'CONFLICT', 'cancelled');
    expect(applyDeadlines(t, MAX, env.ctx('system', T0 + 10 * LEASE))).toBeUndefined();
    expect(snapshot(t)).toBe(before);
  });

  it('a finished task cannot be cancelled', async () => {
    const { env, task } = await setup([readStep('r')]);
    const done = run(task, 'r', env);
    expect(done.status).toBe('completed');
    expectError(cancelTask(done, undefined, env.ctx('alice')), 'CONFLICT', 'finished');
  });
});

describe('setMode', () => {
  it('raising to autopilot approves the waiting steps, but deny rules still hold and clarify still asks', async () => {
    const policy = Policy.parse({
      rules: [
        { name: 'no-rm', match: { command: '^rm ' }, action: 'deny' },
        { name: 'deploys', match: { command: '^deploy' }, action: 'ask', requiredApprovals: 2 },
      ],
    });
    const { env, task } = await setup([
      editStep('e'),
      { key: 'rm', kind: 'run_command', title: 'rm', params: { command: 'rm -rf build' } },
      { key: 'deploy', kind: 'run_command', title: 'deploy', params: { command: 'deploy prod' } },
      clarifyStep('q'),
    ], policy);
    expect(stepOf(task, 'rm').status).toBe('rejected');
    const { task: after, events } = unwrap(setMode(task, 'autopilot', policy, env.ctx('alice')));
    expect(after.mode).toBe('autopilot');
    expect(stepOf(after, 'e').status).toBe('approved');
    expect(stepOf(after, 'e').decision).toMatchObject({ decision: 'policy', by: ['policy:mode:autopilot'] });
    expect(stepOf(after, 'deploy').status).toBe('approved');
    expect(stepOf(after, 'rm').status).toBe('rejected');
    expect(stepOf(after, 'q').status).toBe('awaiting_approval');
    expect(events[0]).toEqual({ type: 'task.mode_changed', taskId: task.id, data: { from: 'copilot', to: 'autopilot', by: 'alice' } });
    expect(events.slice(1).map((e) => [e.type, e.data.via])).toEqual([['step.approved', 'mode'], ['step.approved', 'mode']]);
  });
});
