/** The task as a whole: derived status, cancel, setMode. */
import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, Policy, applyDeadlines, cancelTask, claim, complete, decide, deriveTaskStatus, failStep, revise, setMode } from '../src/index.ts';
import { T0, clarifyStep, commandStep, decision, editStep, expectError, readStep, snapshot, stepOf, unwrap } from './fixtures.ts';

import { LEASE, MAX, claimOne, leaseOf, run, setup } from './executor-helpers.ts';

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
      ['done', 'completed'],
      ['running', 'cancelled'],
      ['waiting', 'cancelled'],
      ['rejected', 'rejected'],
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
    expectError(claim(t, { stepIds: [e.id], leaseMs: LEASE }, DEFAULT_POLICY, env.ctx('runner-1')), 'CONFLICT');
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
  it('raising to autopilot approves the waiting steps, but deny rules still hold, N-of-M steps and clarify still ask', async () => {
    const policy = Policy.parse({
      rules: [
        { name: 'no-rm', match: { command: '^rm ' }, action: 'deny' },
        { name: 'deploys', match: { command: '^deploy' }, action: 'ask', requiredApprovals: 2 },
      ],
    });
    const { env, task } = await setup(
      [
        editStep('e'),
        { key: 'rm', kind: 'run_command', title: 'rm', params: { command: 'rm -rf build' } },
        { key: 'deploy', kind: 'run_command', title: 'deploy', params: { command: 'deploy prod' } },
        clarifyStep('q'),
      ],
      policy,
    );
    expect(stepOf(task, 'rm').status).toBe('rejected');
    const { task: after, events } = unwrap(setMode(task, 'autopilot', policy, env.ctx('alice')));
    expect(after.mode).toBe('autopilot');
    expect(stepOf(after, 'e').status).toBe('approved');
    // The approval is alice's, given by raising the mode: the audit names her, not only the mode.
    expect(stepOf(after, 'e').decision).toMatchObject({ decision: 'policy', by: ['alice'], rule: 'mode:autopilot' });
    // One person raising the mode is one approval: a step the policy asks two people for still asks.
    expect(stepOf(after, 'deploy').status).toBe('awaiting_approval');
    expect(stepOf(after, 'rm').status).toBe('rejected');
    expect(stepOf(after, 'q').status).toBe('awaiting_approval');
    expect(events[0]).toEqual({ type: 'task.mode_changed', taskId: task.id, data: { from: 'copilot', to: 'autopilot', by: 'alice' } });
    expect(events.slice(1).map((e) => (e.type === 'step.approved' ? [e.type, e.data.by, e.data.via] : [e.type]))).toEqual([['step.approved', 'alice', 'mode:autopilot']]);
  });
});
