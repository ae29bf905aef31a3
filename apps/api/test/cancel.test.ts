/** Cancelling a task: what it closes, who may do it, and how it races with decisions. */
import { describe, expect, it } from 'vitest';
import { allEvents, errorOf, gaplessSeqs, openApproval, team, threeStepPlan, type Team } from './harness.ts';

const TERMINAL = ['completed', 'failed', 'skipped', 'rejected', 'blocked', 'cancelled'];

describe('tasks.cancel', () => {
  it('cancels a running task: every open step cancelled, executors told, later calls CONFLICT', async () => {
    const t = await team();
    const task = await t.agent.tasks.plan.mutate(threeStepPlan());
    const edit = await openApproval(t.approver, task.id, 'edit');
    const claimed = await t.agent.steps.claim.mutate({ taskId: task.id });
    expect(claimed.steps.map((s) => s.key)).toEqual(['read']);
    const running = claimed.steps[0]!;

    const cancelled = await t.agent.tasks.cancel.mutate({ taskId: task.id, reason: 'user changed their mind' });
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.finishedAt).toBeTypeOf('number');
    expect(cancelled.cancel).toEqual({ by: 'agent-1', reason: 'user changed their mind', at: cancelled.finishedAt });
    for (const s of cancelled.steps) {
      expect(s.status).toBe('cancelled');
      expect(s.completedAt).toBeTypeOf('number');
      expect(s.lease).toBeUndefined();
    }
    expect(await t.viewer.tasks.get.query({ taskId: task.id })).toEqual(cancelled);

    // Every open approval is closed.
    expect((await t.approver.approvals.list.query({ taskId: task.id })).items).toEqual([]);
    const decide = await errorOf(t.approver.approvals.decide.mutate({ approvalId: edit.approvalId, decision: 'approve', paramsHash: edit.paramsHash }));
    expect(decide.code).toBe('CONFLICT');
    expect(decide.reason).toBe('cancelled');

    // Executors: nothing to claim, the old lease is dead, the heartbeat says cancelled.
    expect((await t.agent.steps.claim.mutate({ taskId: task.id, max: 10 })).steps).toEqual([]);
    expect((await t.agent.steps.claim.mutate({ max: 10 })).steps).toEqual([]);
    const hb = await t.agent.steps.heartbeat.mutate({ stepId: running.stepId, leaseId: running.leaseId });
    expect(hb.cancelled).toBe(true);
    const complete = await errorOf(t.agent.steps.complete.mutate({ stepId: running.stepId, leaseId: running.leaseId, output: 'late' }));
    expect(complete.code).toBe('CONFLICT');
    expect(complete.reason).toBe('cancelled');
    const failed = await errorOf(t.agent.steps.fail.mutate({ stepId: running.stepId, leaseId: running.leaseId, error: { message: 'late' } }));
    expect(failed.code).toBe('CONFLICT');

    // Nothing else moves: a second cancel, a revise, a mode change are all CONFLICT.
    const before = await allEvents(t.viewer);
    const twice = await errorOf(t.agent.tasks.cancel.mutate({ taskId: task.id }));
    expect(twice.code).toBe('CONFLICT');
    const revise = await errorOf(t.agent.tasks.revise.mutate({ taskId: task.id, stepId: edit.stepId, params: { path: 'b.ts', content: '' } }));
    expect(revise.code).toBe('CONFLICT');
    const mode = await errorOf(t.approver.tasks.setMode.mutate({ taskId: task.id, mode: 'autopilot' }));
    expect(mode.code).toBe('CONFLICT');
    expect(await allEvents(t.viewer)).toEqual(before);
    expect(await t.viewer.tasks.get.query({ taskId: task.id })).toEqual(cancelled);

    const types = (await allEvents(t.viewer, task.id)).map((e) => e.type);
    expect(types.slice(-5)).toEqual(['step.cancelled', 'step.cancelled', 'step.cancelled', 'task.cancelled', 'task.finished']);
  });

  it("an agent may cancel its own task but not another agent's; an approver may cancel any; a viewer none", async () => {
    const t = await team();
    const mine = await t.agent.tasks.plan.mutate(threeStepPlan());
    const theirs = await t.agent2.tasks.plan.mutate(threeStepPlan());
    const third = await t.agent2.tasks.plan.mutate(threeStepPlan());

    const forbidden = await errorOf(t.agent.tasks.cancel.mutate({ taskId: theirs.id }));
    expect(forbidden.code).toBe('FORBIDDEN');
    const viewer = await errorOf(t.viewer.tasks.cancel.mutate({ taskId: theirs.id }));
    expect(viewer.code).toBe('FORBIDDEN');
    expect((await t.viewer.tasks.get.query({ taskId: theirs.id })).status).toBe('active');

    expect((await t.agent.tasks.cancel.mutate({ taskId: mine.id })).status).toBe('cancelled');
    const byApprover = await t.approver.tasks.cancel.mutate({ taskId: theirs.id, reason: 'too risky' });
    expect(byApprover.status).toBe('cancelled');
    expect(byApprover.cancel).toMatchObject({ by: 'alice', reason: 'too risky' });
    expect((await t.admin.tasks.cancel.mutate({ taskId: third.id })).cancel?.by).toBe('admin');
  });
});

describe('races', () => {
  type Settled = PromiseSettledResult<{ stepStatus: string; taskStatus: string }>;

  /**
   * What one approve-vs-cancel pair left behind, as a comparable shape: how the
   * decision was answered, the final task, and the edit step's events.
   */
  async function outcomeOf(t: Team, taskId: string, decided: Settled, cancelled: PromiseSettledResult<unknown>) {
    expect(cancelled.status).toBe('fulfilled');
    const final = await t.viewer.tasks.get.query({ taskId });
    expect(final.status).toBe('cancelled');
    for (const s of final.steps) expect(TERMINAL).toContain(s.status);
    const edit = final.steps.find((s) => s.key === 'edit')!;
    expect(edit.status).toBe('cancelled');
    const editEvents = (await allEvents(t.viewer, taskId)).filter((e) => e.stepId === edit.id).map((e) => e.type);
    const answer =
      decided.status === 'fulfilled'
        ? { approved: { stepStatus: decided.value.stepStatus, taskStatus: decided.value.taskStatus } }
        : { refused: { code: (decided.reason as { code: string }).code, reason: (decided.reason as { reason?: string }).reason } };
    return { answer, editEvents };
  }

  const APPROVED_THEN_CANCELLED = {
    answer: { approved: { stepStatus: 'approved', taskStatus: 'active' } },
    editEvents: ['approval.requested', 'step.approved', 'step.cancelled'],
  };
  const CANCELLED_FIRST = {
    answer: { refused: { code: 'CONFLICT', reason: 'cancelled' } },
    editEvents: ['approval.requested', 'step.cancelled'],
  };

  it('approve and cancel in each order, forced: both orders end consistent, each exactly as expected', async () => {
    const t = await team();
    const [first, second] = await Promise.all([t.agent.tasks.plan.mutate(threeStepPlan()), t.agent.tasks.plan.mutate(threeStepPlan())]);
    const decide = async (taskId: string) => {
      const a = await openApproval(t.approver, taskId, 'edit');
      return () => t.approver.approvals.decide.mutate({ approvalId: a.approvalId, decision: 'approve', paramsHash: a.paramsHash });
    };
    const cancel = (taskId: string) => () => t.agent.tasks.cancel.mutate({ taskId, reason: 'race' });
    // Each order forced: the second request leaves only once the first has been answered.
    const approveFirst = await decide(first.id);
    const d1 = (await Promise.allSettled([approveFirst()]))[0]!;
    const c1 = (await Promise.allSettled([cancel(first.id)()]))[0]!;
    const approveSecond = await decide(second.id);
    const c2 = (await Promise.allSettled([cancel(second.id)()]))[0]!;
    const d2 = (await Promise.allSettled([approveSecond()]))[0]!;
    expect(await outcomeOf(t, first.id, d1, c1)).toEqual(APPROVED_THEN_CANCELLED);
    expect(await outcomeOf(t, second.id, d2, c2)).toEqual(CANCELLED_FIRST);
  });

  it('approve and cancel fired together: every pair lands as one of the two orders, never anything in between', async () => {
    const t = await team();
    const N = 10;
    const tasks = await Promise.all(Array.from({ length: N }, () => t.agent.tasks.plan.mutate(threeStepPlan())));
    const approvals = await Promise.all(tasks.map((task) => openApproval(t.approver, task.id, 'edit')));

    const results = await Promise.all(
      tasks.map(async (task, i) => {
        const decide = () => t.approver.approvals.decide.mutate({ approvalId: approvals[i]!.approvalId, decision: 'approve', paramsHash: approvals[i]!.paramsHash });
        const cancel = () => t.agent.tasks.cancel.mutate({ taskId: task.id, reason: 'race' });
        if (i % 2 === 0) return Promise.allSettled([decide(), cancel()]);
        const [c, d] = await Promise.allSettled([cancel(), decide()]);
        return [d, c] as const;
      }),
    );
    // The object serializes the two: whichever lands first, the result is one of the
    // forced outcomes above (which order won is up to the scheduler, so not asserted).
    for (const [i, [decided, cancelled]] of results.entries()) {
      expect([APPROVED_THEN_CANCELLED, CANCELLED_FIRST]).toContainEqual(await outcomeOf(t, tasks[i]!.id, decided, cancelled));
    }

    const log = await allEvents(t.viewer);
    expect(gaplessSeqs(log)).toBe(true);
    expect(log.filter((e) => e.type === 'task.cancelled')).toHaveLength(N);
    const ws = await t.viewer.workspaces.get.query();
    expect(ws.counts.tasks).toEqual({ cancelled: N });
    expect(ws.counts.openApprovals).toBe(0);
    expect(ws.counts.events).toBe(log.length);
  });

  it('two approvers approving the same approval at once: exactly one wins, the other gets CONFLICT', async () => {
    const t = await team();
    const N = 5;
    const tasks = await Promise.all(Array.from({ length: N }, () => t.agent.tasks.plan.mutate(threeStepPlan())));
    for (const task of tasks) {
      const a = await openApproval(t.approver, task.id, 'edit');
      const settled = await Promise.allSettled([
        t.approver.approvals.decide.mutate({ approvalId: a.approvalId, decision: 'approve', paramsHash: a.paramsHash }),
        t.approver2.approvals.decide.mutate({ approvalId: a.approvalId, decision: 'approve', paramsHash: a.paramsHash }),
      ]);
      const won = settled.filter((s) => s.status === 'fulfilled');
      const lost = settled.filter((s) => s.status === 'rejected');
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(1);
      expect((lost[0]!.reason as { code: string }).code).toBe('CONFLICT');

      const edit = (await t.viewer.tasks.get.query({ taskId: task.id })).steps.find((s) => s.key === 'edit')!;
      expect(edit.status).toBe('approved');
      expect(edit.decision?.by).toHaveLength(1);
      const approved = (await allEvents(t.viewer, task.id)).filter((e) => e.stepId === edit.id && e.type === 'step.approved');
      expect(approved).toHaveLength(1);
    }
    expect(gaplessSeqs(await allEvents(t.viewer))).toBe(true);
  });
});
