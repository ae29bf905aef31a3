/**
 * approvals.get (issue 12 item 6): one approval by id, open or closed, for every role
 * that may read; how it closed and who closed it come from the audit log, so a later
 * change to the step (a deny rule, a new round) does not rewrite who decided it.
 */
import { describe, expect, it } from 'vitest';
import { errorOf, openApproval, team, threeStepPlan, uniqueId, clientFor } from './harness.ts';

const asking = () => ({
  title: 'Deploy',
  steps: [{ key: 'deploy', kind: 'run_command' as const, title: 'Deploy', params: { command: 'npm run deploy' } }],
});

describe('approvals.get', () => {
  it('an open approval: the inbox view, for viewer, agent, approver and admin alike', async () => {
    const t = await team();
    const task = await t.agent.tasks.plan.mutate(asking());
    const open = await openApproval(t.approver, task.id, 'deploy');
    for (const c of [t.viewer, t.agent, t.approver, t.admin]) {
      const got = await c.approvals.get.query({ approvalId: open.approvalId });
      expect(got).toMatchObject({
        approvalId: open.approvalId,
        taskId: task.id,
        stepId: open.stepId,
        status: 'open',
        stepStatus: 'awaiting_approval',
        taskStatus: 'active',
        revision: 1,
        paramsHash: open.paramsHash,
        decidedBy: [],
        votes: [],
      });
      expect(got.approval).toEqual(open);
      expect(got.decision).toBeUndefined();
    }
  });

  it('a decided approval says who decided, how and when, and stays so after a deny rule rejects the step', async () => {
    const t = await team();
    const task = await t.agent.tasks.plan.mutate(asking());
    const open = await openApproval(t.approver, task.id, 'deploy');
    await t.approver.approvals.decide.mutate({ approvalId: open.approvalId, decision: 'approve', paramsHash: open.paramsHash });
    const got = await t.viewer.approvals.get.query({ approvalId: open.approvalId });
    expect(got).toMatchObject({
      status: 'approved',
      stepStatus: 'approved',
      decidedBy: ['alice'],
      closedBy: 'alice',
      decision: { decision: 'approve', by: ['alice'] },
      votes: [{ principal: 'alice', decision: 'approve' }],
    });
    expect(got.closedAt).toBe(got.decision?.at);
    expect(got.approval).toMatchObject({ approvalId: open.approvalId, paramsHash: open.paramsHash, votes: got.votes });

    const { policy } = await t.admin.policy.get.query();
    await t.admin.policy.set.mutate({
      policy: { ...policy, rules: [{ name: 'freeze', match: { kind: 'run_command', command: '^npm run deploy' }, action: 'deny', reason: 'frozen' }, ...policy.rules] },
    });
    const after = await t.viewer.approvals.get.query({ approvalId: open.approvalId });
    expect(after).toMatchObject({ status: 'approved', stepStatus: 'rejected', decidedBy: ['alice'], decision: { decision: 'approve', by: ['alice'] } });
  });

  it('rejected with feedback; cancelled with who and why; NOT decided by a rule or the canceller', async () => {
    const t = await team();
    const a = await t.agent.tasks.plan.mutate(asking());
    const openA = await openApproval(t.approver, a.id, 'deploy');
    await t.approver2.approvals.decide.mutate({ approvalId: openA.approvalId, decision: 'reject', paramsHash: openA.paramsHash, feedback: 'not today' });
    expect(await t.viewer.approvals.get.query({ approvalId: openA.approvalId })).toMatchObject({
      status: 'rejected',
      decidedBy: ['bob'],
      decision: { decision: 'reject', by: ['bob'], feedback: 'not today' },
      votes: [{ principal: 'bob', decision: 'reject' }],
      taskStatus: 'failed',
    });

    const b = await t.agent.tasks.plan.mutate(asking());
    const openB = await openApproval(t.approver, b.id, 'deploy');
    await t.agent.tasks.cancel.mutate({ taskId: b.id, reason: 'wrong branch' });
    const cancelled = await t.viewer.approvals.get.query({ approvalId: openB.approvalId });
    expect(cancelled).toMatchObject({ status: 'cancelled', closedBy: 'agent-1', reason: 'wrong branch', decidedBy: [], stepStatus: 'cancelled', taskStatus: 'cancelled' });
    expect(cancelled.decision).toBeUndefined();
  });

  it("rounds: changes requested, then the revision's approval, then one superseded by a revise", async () => {
    const t = await team();
    const task = await t.agent.tasks.plan.mutate(threeStepPlan());
    const first = await openApproval(t.approver, task.id, 'edit');
    await t.approver.approvals.decide.mutate({ approvalId: first.approvalId, decision: 'request_changes', paramsHash: first.paramsHash, feedback: 'smaller' });
    await t.agent.tasks.revise.mutate({ taskId: task.id, stepId: first.stepId, params: { path: 'src/a.ts', patch: '--- a/src/a.ts\n+++ b/src/a.ts\n@@ -1 +1 @@\n-old\n+newer\n' } });
    const second = await openApproval(t.approver, task.id, 'edit');
    await t.agent.tasks.revise.mutate({ taskId: task.id, stepId: first.stepId, params: { path: 'src/a.ts', patch: '--- a/src/a.ts\n+++ b/src/a.ts\n@@ -1 +1 @@\n-old\n+newest\n' } });
    const third = await openApproval(t.approver, task.id, 'edit');

    const r1 = await t.viewer.approvals.get.query({ approvalId: first.approvalId });
    expect(r1).toMatchObject({
      status: 'changes_requested',
      revision: 1,
      paramsHash: first.paramsHash,
      decidedBy: ['alice'],
      decision: { decision: 'request_changes', feedback: 'smaller' },
      stepStatus: 'awaiting_approval',
    });
    expect(r1.approval).toBeUndefined();
    const r2 = await t.viewer.approvals.get.query({ approvalId: second.approvalId });
    expect(r2).toMatchObject({ status: 'superseded', revision: 2, paramsHash: second.paramsHash, replacedBy: third.approvalId, closedBy: 'agent-1', decidedBy: [] });
    const r3 = await t.viewer.approvals.get.query({ approvalId: third.approvalId });
    expect(r3).toMatchObject({ status: 'open', revision: 3, approval: third });
  });

  it("NOT_FOUND for an unknown id and for another workspace's approval; bad input is BAD_REQUEST; no key is UNAUTHORIZED", async () => {
    const t = await team();
    const other = await team();
    const task = await t.agent.tasks.plan.mutate(asking());
    const open = await openApproval(t.approver, task.id, 'deploy');
    expect((await errorOf(t.viewer.approvals.get.query({ approvalId: 'no-such-approval' }))).code).toBe('NOT_FOUND');
    const cross = await errorOf(other.admin.approvals.get.query({ approvalId: open.approvalId }));
    expect(cross.code).toBe('NOT_FOUND');
    expect((await errorOf(t.viewer.approvals.get.query({ approvalId: '' }))).code).toBe('BAD_REQUEST');
    expect((await errorOf(t.viewer.approvals.get.query({ approvalId: open.approvalId, extra: 1 } as { approvalId: string }))).code).toBe('BAD_REQUEST');
    expect((await errorOf(clientFor(`gl_${uniqueId()}_nope`).approvals.get.query({ approvalId: open.approvalId }))).code).toBe('UNAUTHORIZED');
  });
});
