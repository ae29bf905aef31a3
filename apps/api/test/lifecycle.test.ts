/** The whole life of a task through the real Worker and its Durable Object. */
import { describe, expect, it } from 'vitest';
import { errorOf, team, threeStepPlan } from './harness.ts';

describe('plan -> approve -> execute', () => {
  it('auto-approves the read, asks for the rest, runs in dependency order, completes the task', async () => {
    const t = await team();
    const task = await t.agent.plan(threeStepPlan());
    expect(task.status).toBe('active');
    expect(task.steps.map((s) => s.status)).toEqual(['approved', 'awaiting_approval', 'awaiting_approval']);
    expect(task.steps[0]!.decision?.by).toEqual(['policy:mode:copilot']);

    // Only the read may run: the edit waits for approval.
    const first = await t.agent.steps.claim.mutate({ taskId: task.id, max: 5 });
    expect(first.steps.map((s) => s.key)).toEqual(['read']);
    await t.agent.steps.complete.mutate({ stepId: first.steps[0]!.stepId, leaseId: first.steps[0]!.leaseId, output: { lines: 10 } });

    const inbox = await t.approver.approvals.list.query({ taskId: task.id });
    expect(inbox.items.map((a) => a.stepKey)).toEqual(['edit', 'test']);
    for (const a of inbox.items) {
      await t.approver.approvals.decide.mutate({ approvalId: a.approvalId, decision: 'approve', paramsHash: a.paramsHash });
    }

    // The command depends on the edit: it is approved but not claimable until the edit completes.
    const second = await t.agent.steps.claim.mutate({ taskId: task.id, max: 5 });
    expect(second.steps.map((s) => s.key)).toEqual(['edit']);
    await t.agent.steps.complete.mutate({ stepId: second.steps[0]!.stepId, leaseId: second.steps[0]!.leaseId });
    const third = await t.agent.steps.claim.mutate({ taskId: task.id, max: 5 });
    expect(third.steps.map((s) => s.key)).toEqual(['test']);
    const done = await t.agent.steps.complete.mutate({
      stepId: third.steps[0]!.stepId,
      leaseId: third.steps[0]!.leaseId,
      usage: { inputTokens: 100, outputTokens: 20, costUsd: 0.01 },
    });
    expect(done.taskStatus).toBe('completed');

    const final = await t.viewer.tasks.get.query({ taskId: task.id });
    expect(final.status).toBe('completed');
    expect(final.finishedAt).toBeTypeOf('number');
    expect(final.usage).toEqual({ inputTokens: 100, outputTokens: 20, costUsd: 0.01 });
    for (const s of final.steps) {
      expect(s.status).toBe('completed');
      expect(s.startedAt).toBeTypeOf('number');
      expect(s.completedAt).toBeGreaterThanOrEqual(s.startedAt!);
    }

    const events = await t.viewer.events.list.query({ taskId: task.id, limit: 200 });
    const seqs = events.items.map((e) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(events.items.map((e) => `${e.type}${e.stepId ? ':' + final.steps.find((s) => s.id === e.stepId)!.key : ''}`)).toEqual([
      'task.planned',
      'step.approved:read',
      'approval.requested:edit',
      'approval.requested:test',
      'step.claimed:read',
      'step.completed:read',
      'step.approved:edit',
      'step.approved:test',
      'step.claimed:edit',
      'step.completed:edit',
      'step.claimed:test',
      'step.completed:test',
      'task.finished',
    ]);
    const ws = await t.viewer.workspaces.get.query();
    expect(ws.usage).toEqual({ inputTokens: 100, outputTokens: 20, costUsd: 0.01 });
    expect(ws.counts.tasks).toEqual({ completed: 1 });
    expect(ws.you).toMatchObject({ principal: 'victor', role: 'viewer' });
  });

  it('refuses an approval whose paramsHash is not the one on the step', async () => {
    const t = await team();
    const task = await t.agent.plan(threeStepPlan());
    const [edit] = (await t.approver.approvals.list.query({ taskId: task.id })).items;
    const err = await errorOf(t.approver.approvals.decide.mutate({ approvalId: edit!.approvalId, decision: 'approve', paramsHash: '0'.repeat(64) }));
    expect(err.code).toBe('CONFLICT');
    expect(err.reason).toBe('stale_params_hash');
    expect((await t.viewer.tasks.get.query({ taskId: task.id })).steps[1]!.status).toBe('awaiting_approval');
  });
});
