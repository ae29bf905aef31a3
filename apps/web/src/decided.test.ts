/** The page applies a decision's answer (its step) instead of reading the task again (issue 12 item 6). */
import { describe, expect, it } from 'vitest';
import { Policy, approvalView, decide, paramsHash, planTask, taskView, type Ctx, type DecideResult, type Policy as PolicyT, type Task } from '@greenlight/core';
import { inboxAfter, taskAfter, taskApprovalsAfter } from './decided.ts';

let n = 0;
const ctx = (actor: string, now = 1_700_000_000_000): Ctx => ({ now, actor, newId: () => `id-${++n}` });

async function twoStepTask(policy: PolicyT): Promise<Task> {
  const steps = [
    { key: 'build', kind: 'run_command' as const, title: 'Build', params: { command: 'make build' }, dependsOn: [] },
    { key: 'deploy', kind: 'run_command' as const, title: 'Deploy', params: { command: 'make deploy' }, dependsOn: [] },
  ];
  const planned = planTask({ input: { title: 'ship', steps }, paramsHashes: await Promise.all(steps.map((s) => paramsHash(s.params))) }, policy, ctx('agent'));
  if (!planned.ok) throw new Error(planned.error.message);
  return planned.value.task;
}

/** What the server answers for this decision: the core's decide, summarised as approvals.decide does. */
function answerOf(task: Task, stepIndex: number, decision: 'approve' | 'reject', actor: string, policy: PolicyT): { after: Task; answer: DecideResult } {
  const step = task.steps[stepIndex]!;
  const r = decide(
    task,
    { approvalId: step.approval!.id, stepId: step.id, decision, paramsHash: step.paramsHash, ...(decision === 'reject' ? { feedback: 'no' } : {}) },
    policy,
    ctx(actor, 1_700_000_001_000),
  );
  if (!r.ok) throw new Error(r.error.message);
  const after = r.value.task;
  const s = after.steps[stepIndex]!;
  return { after, answer: { approvalId: step.approval!.id, taskId: after.id, stepId: s.id, stepStatus: s.status, taskStatus: after.status, step: s } };
}

const openOf = (task: Task) => ({ items: task.steps.flatMap((s) => approvalView(task, s) ?? []) });

describe('applying a decision answer', () => {
  it("approve: the task shows the answer's step and status, and the approval leaves the task page and the inbox", async () => {
    const policy = Policy.parse({});
    const task = await twoStepTask(policy);
    const shown = taskView(task);
    const { after, answer } = answerOf(task, 0, 'approve', 'alice', policy);
    const next = taskAfter(shown, answer);
    // Everything but the task's own updatedAt, which the answer does not carry.
    expect(next).toEqual({ ...taskView(after), updatedAt: task.updatedAt });
    expect(taskApprovalsAfter(openOf(task), next, answer)).toEqual(openOf(after));
    expect(inboxAfter(openOf(task), answer).items.map((a) => a.stepKey)).toEqual(['deploy']);
  });

  it('a vote toward two: the approval stays, with the vote, on the task page and in the inbox', async () => {
    const policy = Policy.parse({ requiredApprovals: 2 });
    const task = await twoStepTask(policy);
    const { after, answer } = answerOf(task, 1, 'approve', 'alice', policy);
    expect(answer.stepStatus).toBe('awaiting_approval');
    const next = taskAfter(taskView(task), answer);
    expect(taskApprovalsAfter(openOf(task), next, answer)).toEqual(openOf(after));
    const inbox = inboxAfter(openOf(task), answer);
    expect(inbox.items.map((a) => [a.stepKey, a.votes.map((v) => v.principal)])).toEqual([
      ['build', []],
      ['deploy', ['alice']],
    ]);
  });

  it('ignores an answer about another task, or older than the step shown', async () => {
    const policy = Policy.parse({});
    const task = await twoStepTask(policy);
    const { after, answer } = answerOf(task, 0, 'reject', 'alice', policy);
    const other = taskView({ ...task, id: 'another-task' });
    expect(taskAfter(other, answer)).toBe(other);
    // A reload already showed a newer state of the step: the answer does not roll it back.
    const newer = taskView({ ...after, steps: after.steps.map((s, i) => (i === 0 ? { ...s, updatedAt: s.updatedAt + 1 } : s)) });
    expect(taskAfter(newer, answer)).toBe(newer);
  });
});
