/** The executor protocol: claim, complete, heartbeat, fail. */
import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, cancelTask, claim, claimableSteps, complete, failStep, heartbeat, isClaimable } from '../src/index.ts';
import { T0, commandStep, editStep, expectError, readStep, snapshot, stepOf, unwrap } from './fixtures.ts';

import { LEASE, MAX, approveAll, claimOne, leaseOf, run, setup } from './executor-helpers.ts';

describe('claim', () => {
  it('only claimable steps: approved, with every dependency completed or skipped', async () => {
    const { env, task } = await setup([readStep('r'), readStep('after', ['r']), editStep('e')]);
    expect(claimableSteps(task).map((s) => s.key)).toEqual(['r']);
    const before = snapshot(task);
    expectError(claim(task, { stepIds: [stepOf(task, 'after').id], leaseMs: LEASE }, DEFAULT_POLICY, env.ctx('runner-1')), 'CONFLICT', 'not_claimable');
    expectError(claim(task, { stepIds: [stepOf(task, 'e').id], leaseMs: LEASE }, DEFAULT_POLICY, env.ctx('runner-1')), 'CONFLICT', 'not_claimable');
    expectError(claim(task, { stepIds: ['nope'], leaseMs: LEASE }, DEFAULT_POLICY, env.ctx('runner-1')), 'CONFLICT', 'not_claimable');
    expectError(claim(task, { stepIds: [stepOf(task, 'r').id, stepOf(task, 'r').id], leaseMs: LEASE }, DEFAULT_POLICY, env.ctx('runner-1')), 'CONFLICT');
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
        type: 'step.claimed',
        taskId: task.id,
        stepId: r.id,
        data: { from: 'approved', to: 'executing', revision: 1, attempt: 1, holder: 'runner-1', leaseExpiresAt: T0 + 5 + LEASE },
      },
    ]);
    expect(JSON.stringify(events)).not.toContain(r.lease!.leaseId);
    expect(claimableSteps(after)).toEqual([]);
  });

  it('independent steps can be claimed together', async () => {
    const { env, task } = await setup([readStep('a'), readStep('b')]);
    const { task: after } = unwrap(claim(task, { stepIds: task.steps.map((s) => s.id), leaseMs: LEASE }, DEFAULT_POLICY, env.ctx('runner-1')));
    expect(after.steps.map((s) => s.status)).toEqual(['executing', 'executing']);
    expect(stepOf(after, 'a').lease?.leaseId).not.toBe(stepOf(after, 'b').lease?.leaseId);
  });
});

describe('complete', () => {
  it('with the live lease: completed, output kept, usage summed into the task', async () => {
    const { env, task } = await setup([readStep('a'), readStep('b')]);
    const claimed = unwrap(claim(task, { stepIds: task.steps.map((s) => s.id), leaseMs: LEASE }, DEFAULT_POLICY, env.ctx('runner-1'))).task;
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
    const out = unwrap(
      failStep(
        t,
        { stepId: stepOf(t, 'c').id, leaseId: leaseOf(t, 'c'), error: { message: 'boom', retryable: true }, usage: { inputTokens: 1, outputTokens: 2, costUsd: 0 } },
        MAX,
        env.ctx('runner-1'),
      ),
    );
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
