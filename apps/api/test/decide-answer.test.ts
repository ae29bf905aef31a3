/**
 * approvals.decide answers with the step (issue 12 item 6): the step exactly as
 * steps.get shows it right after the decision, beside the ids and statuses it always
 * answered, so the page and the CLI need not read it again. Every kind of decision,
 * a vote that leaves the approval open, decideMany, and an idempotent repeat.
 */
import { evictDurableObject, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { stubOf } from './deadlines.ts';
import type { RouterOutputs } from '../src/contract/index.ts';
import { errorOf, openApproval, patch, team } from './harness.ts';

type Answer = RouterOutputs['approvals']['decide'];

const cmd = (key: string, command: string) => ({ key, kind: 'run_command' as const, title: command, params: { command } });

/** The answer's step is steps.get's view, and its statuses are the step's and the task's now. */
async function expectFresh(t: Awaited<ReturnType<typeof team>>, answer: Answer): Promise<void> {
  const now = await t.viewer.steps.get.query({ stepId: answer.stepId });
  expect(answer.step).toEqual(now);
  expect(answer.step.id).toBe(answer.stepId);
  expect(answer.step.taskId).toBe(answer.taskId);
  expect(answer.stepStatus).toBe(now.status);
  expect(answer.taskStatus).toBe((await t.viewer.tasks.get.query({ taskId: answer.taskId })).status);
}

describe('approvals.decide answers with the step after the decision', () => {
  it('approve, reject, skip, request_changes: the step with its decision, plus the old fields', async () => {
    const t = await team();
    const task = await t.agent.tasks.plan.mutate({
      title: 'four asks',
      steps: [cmd('a', 'make a'), cmd('b', 'make b'), cmd('c', 'make c'), { key: 'd', kind: 'edit_file', title: 'Edit d.ts', params: { path: 'src/d.ts', patch: patch('src/d.ts') } }],
    });
    const cases = [
      { key: 'a', decision: 'approve', status: 'approved' },
      { key: 'b', decision: 'reject', status: 'rejected', feedback: 'no' },
      { key: 'c', decision: 'skip', status: 'skipped' },
      { key: 'd', decision: 'request_changes', status: 'changes_requested', feedback: 'smaller, please' },
    ] as const;
    for (const c of cases) {
      const open = await openApproval(t.approver, task.id, c.key);
      const answer = await t.approver.approvals.decide.mutate({ approvalId: open.approvalId, decision: c.decision, paramsHash: open.paramsHash, ...('feedback' in c ? { feedback: c.feedback } : {}) });
      expect(answer).toMatchObject({ approvalId: open.approvalId, taskId: task.id, stepId: open.stepId, stepStatus: c.status });
      expect(answer.step).toMatchObject({ key: c.key, status: c.status, decision: { decision: c.decision, by: ['alice'] } });
      await expectFresh(t, answer);
    }
  });

  it('modify: the step at its new revision and paramsHash; answer: the clarify step completed with the answer', async () => {
    const t = await team();
    const task = await t.agent.tasks.plan.mutate({
      title: 'modify and answer',
      steps: [cmd('run', 'npm run build'), { key: 'ask', kind: 'clarify', title: 'Which port?', params: { questions: ['Which port?'] } }],
    });
    const run = await openApproval(t.approver, task.id, 'run');
    const modified = await t.approver.approvals.decide.mutate({ approvalId: run.approvalId, decision: 'modify', paramsHash: run.paramsHash, params: { command: 'npm run build -- --strict' } });
    expect(modified.step).toMatchObject({ status: 'approved', revision: 2, params: { command: 'npm run build -- --strict' }, decision: { decision: 'modify' } });
    expect(modified.step.paramsHash).not.toBe(run.paramsHash);
    await expectFresh(t, modified);

    const ask = await openApproval(t.approver, task.id, 'ask');
    const answered = await t.approver.approvals.decide.mutate({ approvalId: ask.approvalId, decision: 'answer', paramsHash: ask.paramsHash, answer: '5432' });
    expect(answered.step).toMatchObject({ status: 'completed', result: { output: { answer: '5432' } } });
    await expectFresh(t, answered);
  });

  it('a vote that leaves the approval open: the step still awaiting, its votes and open approval in the answer', async () => {
    const t = await team();
    await t.admin.policy.set.mutate({ policy: { requiredApprovals: 2 } });
    const task = await t.agent.tasks.plan.mutate({ title: 'two keys', steps: [cmd('deploy', 'make deploy')] });
    const open = await openApproval(t.approver, task.id, 'deploy');
    const first = await t.approver.approvals.decide.mutate({ approvalId: open.approvalId, decision: 'approve', paramsHash: open.paramsHash });
    expect(first.stepStatus).toBe('awaiting_approval');
    expect(first.step.approvals.map((v) => v.principal)).toEqual(['alice']);
    expect(first.step.approval).toMatchObject({ id: open.approvalId, requiredApprovals: 2 });
    await expectFresh(t, first);
    const second = await t.approver2.approvals.decide.mutate({ approvalId: open.approvalId, decision: 'approve', paramsHash: open.paramsHash });
    expect(second.step).toMatchObject({ status: 'approved', decision: { by: ['alice', 'bob'] } });
    await expectFresh(t, second);
  });

  it('decideMany: every item carries its step after the whole batch', async () => {
    const t = await team();
    const task = await t.agent.tasks.plan.mutate({ title: 'batch', steps: [cmd('a', 'make a'), cmd('b', 'make b')] });
    const items = (await t.approver.approvals.list.query({ taskId: task.id })).items;
    const { items: answers } = await t.approver.approvals.decideMany.mutate({
      items: items.map((a) => ({ approvalId: a.approvalId, decision: 'approve' as const, paramsHash: a.paramsHash })),
    });
    expect(answers.map((a) => [a.step.key, a.step.status])).toEqual([
      ['a', 'approved'],
      ['b', 'approved'],
    ]);
    for (const a of answers) await expectFresh(t, a);
  });

  it('an idempotent repeat answers the first answer, step included', async () => {
    const t = await team();
    const task = await t.agent.tasks.plan.mutate({ title: 'once', steps: [cmd('a', 'make a')] });
    const open = await openApproval(t.approver, task.id, 'a');
    const input = { approvalId: open.approvalId, decision: 'approve' as const, paramsHash: open.paramsHash, idempotencyKey: 'decide-once' };
    const first = await t.approver.approvals.decide.mutate(input);
    const again = await t.approver.approvals.decide.mutate(input);
    expect(again).toEqual(first);
    expect(again.step.status).toBe('approved');
  });

  it('a repeat of a decision remembered before answers carried the step is a typed CONFLICT after migration 6, never a 500', async () => {
    const t = await team();
    const task = await t.agent.tasks.plan.mutate({ title: 'old record', steps: [cmd('a', 'make a')] });
    const open = await openApproval(t.approver, task.id, 'a');
    const input = { approvalId: open.approvalId, decision: 'approve' as const, paramsHash: open.paramsHash, idempotencyKey: 'before-upgrade' };
    const first = await t.approver.approvals.decide.mutate(input);
    // The record as schema 5 wrote it: the same answer without `step`.
    await runInDurableObject(stubOf(t.id), (_o, state) => {
      const { step: _step, ...old } = first;
      state.storage.sql.exec(`UPDATE idempotency SET response = ? WHERE key = 'before-upgrade'`, JSON.stringify(old));
      state.storage.sql.exec(`UPDATE meta SET value = '5' WHERE key = 'schema_version'`);
    });
    await evictDurableObject(stubOf(t.id));
    const err = await errorOf(t.approver.approvals.decide.mutate(input));
    expect(err).toMatchObject({ code: 'CONFLICT' });
    expect((await t.viewer.steps.get.query({ stepId: open.stepId })).status).toBe('approved');
  });
});
