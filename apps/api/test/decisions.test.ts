/** Reviewer decisions other than a plain approve: request changes + revise, modify, skip, reject, answer, decideMany. */
import { paramsHash } from '@greenlight/core';
import { describe, expect, it } from 'vitest';
import { allEvents, errorOf, openApproval, patch, team, threeStepPlan, type PlanArgs } from './harness.ts';

const stepOf = <S extends { key: string }>(task: { steps: S[] }, key: string): S => {
  const s = task.steps.find((x) => x.key === key);
  if (!s) throw new Error(`no step ${key}`);
  return s;
};

/** Four steps that all ask under copilot: nothing is approved by the policy. */
const fourAskingSteps = (): PlanArgs => ({
  title: 'Refactor and ship',
  steps: [
    { key: 'edit', kind: 'edit_file', title: 'Edit a.ts', params: { path: 'src/a.ts', patch: patch('src/a.ts') } },
    { key: 'delete', kind: 'delete_file', title: 'Remove old.ts', params: { path: 'src/old.ts' } },
    { key: 'test', kind: 'run_command', title: 'Run the tests', params: { command: 'npm test' }, dependsOn: ['edit', 'delete'] },
    { key: 'fetch', kind: 'network', title: 'Fetch the changelog', params: { method: 'GET', url: 'https://example.com/changelog' } },
  ],
});

describe('request_changes -> revise', () => {
  it('request_changes needs feedback; a revision gets a new paramsHash and approval id, the old approval is CONFLICT, history keeps both', async () => {
    const t = await team();
    const task = await t.agent.tasks.plan.mutate(threeStepPlan());
    const edit = await openApproval(t.approver, task.id, 'edit');

    for (const feedback of [undefined, '', '   ']) {
      const err = await errorOf(
        t.approver.approvals.decide.mutate({ approvalId: edit.approvalId, decision: 'request_changes', paramsHash: edit.paramsHash, ...(feedback !== undefined ? { feedback } : {}) }),
      );
      expect(err.code).toBe('BAD_REQUEST');
    }
    expect(stepOf(await t.viewer.tasks.get.query({ taskId: task.id }), 'edit').status).toBe('awaiting_approval');

    const asked = await t.approver.approvals.decide.mutate({
      approvalId: edit.approvalId,
      decision: 'request_changes',
      paramsHash: edit.paramsHash,
      feedback: 'write the whole file instead of a patch',
    });
    expect(asked.stepStatus).toBe('changes_requested');
    const mid = await t.viewer.tasks.get.query({ taskId: task.id });
    expect(stepOf(mid, 'edit').status).toBe('changes_requested');
    expect(stepOf(mid, 'edit').decision).toMatchObject({ decision: 'request_changes', by: ['alice'], feedback: 'write the whole file instead of a patch' });
    // A step waiting for the agent is not in the reviewers' inbox.
    expect((await t.approver.approvals.list.query({ taskId: task.id })).items.map((a) => a.stepKey)).toEqual(['test']);

    const newParams = { path: 'src/a.ts', content: 'export const a = 1;\n' };
    const revised = await t.agent.tasks.revise.mutate({ taskId: task.id, stepId: edit.stepId, params: newParams });
    const step = stepOf(revised, 'edit');
    expect(step.status).toBe('awaiting_approval');
    expect(step.revision).toBe(2);
    expect(step.params).toEqual(newParams);
    expect(step.paramsHash).toBe(await paramsHash(newParams));
    expect(step.paramsHash).not.toBe(edit.paramsHash);
    expect(step.approval?.id).toBeDefined();
    expect(step.approval?.id).not.toBe(edit.approvalId);
    expect(step.history.map((h) => ({ revision: h.revision, params: h.params, paramsHash: h.paramsHash, via: h.via, by: h.by }))).toEqual([
      { revision: 1, params: edit.params, paramsHash: edit.paramsHash, via: 'plan', by: 'agent-1' },
      { revision: 2, params: newParams, paramsHash: step.paramsHash, via: 'revise', by: 'agent-1' },
    ]);

    const again = await openApproval(t.approver, task.id, 'edit');
    expect(again.approvalId).toBe(step.approval?.id);
    expect(again.revision).toBe(2);
    expect(again.paramsHash).toBe(step.paramsHash);

    // The old approval id is closed, whatever hash comes with it.
    for (const hash of [edit.paramsHash, step.paramsHash]) {
      const old = await errorOf(t.approver.approvals.decide.mutate({ approvalId: edit.approvalId, decision: 'approve', paramsHash: hash }));
      expect(old.code).toBe('CONFLICT');
    }
    // The new approval with the old hash is stale.
    const stale = await errorOf(t.approver.approvals.decide.mutate({ approvalId: again.approvalId, decision: 'approve', paramsHash: edit.paramsHash }));
    expect(stale.code).toBe('CONFLICT');
    expect(stale.reason).toBe('stale_params_hash');

    const ok = await t.approver.approvals.decide.mutate({ approvalId: again.approvalId, decision: 'approve', paramsHash: again.paramsHash });
    expect(ok.stepStatus).toBe('approved');
    const final = stepOf(await t.viewer.tasks.get.query({ taskId: task.id }), 'edit');
    expect(final.history).toHaveLength(2);
    expect(final.params).toEqual(newParams);
  });
});

describe('modify', () => {
  it("approves the reviewer's params as revision 2, keeps both versions, and re-asks an approved dependent", async () => {
    const t = await team();
    const task = await t.agent.tasks.plan.mutate(threeStepPlan());
    const edit = await openApproval(t.approver, task.id, 'edit');
    const test = await openApproval(t.approver, task.id, 'test');
    await t.approver.approvals.decide.mutate({ approvalId: test.approvalId, decision: 'approve', paramsHash: test.paramsHash });

    const noParams = await errorOf(t.approver.approvals.decide.mutate({ approvalId: edit.approvalId, decision: 'modify', paramsHash: edit.paramsHash }));
    expect(noParams.code).toBe('BAD_REQUEST');
    const wrongShape = await errorOf(t.approver.approvals.decide.mutate({ approvalId: edit.approvalId, decision: 'modify', paramsHash: edit.paramsHash, params: { command: 'rm -rf /' } }));
    expect(wrongShape.code).toBe('BAD_REQUEST');
    expect(wrongShape.issues.length).toBeGreaterThan(0);

    const modified = { path: 'src/a.ts', content: 'export const a = 2;\n' };
    const r = await t.approver.approvals.decide.mutate({ approvalId: edit.approvalId, decision: 'modify', paramsHash: edit.paramsHash, params: modified });
    expect(r.stepStatus).toBe('approved');

    const after = await t.viewer.tasks.get.query({ taskId: task.id });
    const step = stepOf(after, 'edit');
    expect(step.status).toBe('approved');
    expect(step.revision).toBe(2);
    expect(step.params).toEqual(modified);
    expect(step.paramsHash).toBe(await paramsHash(modified));
    expect(step.decision).toMatchObject({ decision: 'modify', by: ['alice'] });
    expect(step.history.map((h) => ({ revision: h.revision, params: h.params, via: h.via, by: h.by }))).toEqual([
      { revision: 1, params: edit.params, via: 'plan', by: 'agent-1' },
      { revision: 2, params: modified, via: 'modify', by: 'alice' },
    ]);
    // The command was approved in the context of the old edit: it is asked again.
    const testStep = stepOf(after, 'test');
    expect(testStep.status).toBe('awaiting_approval');
    expect(testStep.approval?.id).not.toBe(test.approvalId);
    expect(testStep.approvals).toEqual([]);

    // The executor gets exactly the modified revision.
    const read = await t.agent.steps.claim.mutate({ taskId: task.id, max: 5 });
    expect(read.steps.map((s) => s.key)).toEqual(['read']);
    await t.agent.steps.complete.mutate({ stepId: read.steps[0]!.stepId, leaseId: read.steps[0]!.leaseId });
    const claimed = await t.agent.steps.claim.mutate({ taskId: task.id, max: 5 });
    expect(claimed.steps).toHaveLength(1);
    expect(claimed.steps[0]).toMatchObject({ key: 'edit', revision: 2, params: modified, paramsHash: step.paramsHash });
  });
});

describe('skip', () => {
  it('skips the step and lets its dependent run; a task of completed and skipped steps is completed', async () => {
    const t = await team();
    const task = await t.agent.tasks.plan.mutate(threeStepPlan());
    const edit = await openApproval(t.approver, task.id, 'edit');
    const test = await openApproval(t.approver, task.id, 'test');

    const r = await t.approver.approvals.decide.mutate({ approvalId: edit.approvalId, decision: 'skip', paramsHash: edit.paramsHash });
    expect(r.stepStatus).toBe('skipped');
    const mid = await t.viewer.tasks.get.query({ taskId: task.id });
    expect(stepOf(mid, 'edit').status).toBe('skipped');
    expect(stepOf(mid, 'edit').completedAt).toBeTypeOf('number');
    expect(stepOf(mid, 'test').status).toBe('awaiting_approval');

    await t.approver.approvals.decide.mutate({ approvalId: test.approvalId, decision: 'approve', paramsHash: test.paramsHash });
    const claimed = await t.agent.steps.claim.mutate({ taskId: task.id, max: 5 });
    expect(claimed.steps.map((s) => s.key).sort()).toEqual(['read', 'test']);
    let last;
    for (const s of claimed.steps) last = await t.agent.steps.complete.mutate({ stepId: s.stepId, leaseId: s.leaseId });
    expect(last?.taskStatus).toBe('completed');
    expect((await t.viewer.tasks.get.query({ taskId: task.id })).status).toBe('completed');
  });
});

describe('reject', () => {
  it('blocks the dependents transitively, closes their approvals, and the task ends completed_with_errors', async () => {
    const t = await team();
    const plan = threeStepPlan();
    const task = await t.agent.tasks.plan.mutate({
      ...plan,
      steps: [...plan.steps, { key: 'publish', kind: 'run_command', title: 'Publish', params: { command: 'npm publish' }, dependsOn: ['test'] }],
    });
    const edit = await openApproval(t.approver, task.id, 'edit');

    const r = await t.approver.approvals.decide.mutate({ approvalId: edit.approvalId, decision: 'reject', paramsHash: edit.paramsHash, feedback: 'wrong file' });
    expect(r.stepStatus).toBe('rejected');
    expect(r.taskStatus).toBe('active');

    const mid = await t.viewer.tasks.get.query({ taskId: task.id });
    expect(mid.steps.map((s) => [s.key, s.status])).toEqual([
      ['read', 'approved'],
      ['edit', 'rejected'],
      ['test', 'blocked'],
      ['publish', 'blocked'],
    ]);
    for (const key of ['edit', 'test', 'publish']) expect(stepOf(mid, key).completedAt).toBeTypeOf('number');
    expect(stepOf(mid, 'edit').decision).toMatchObject({ decision: 'reject', by: ['alice'], feedback: 'wrong file' });
    expect((await t.approver.approvals.list.query({ taskId: task.id })).items).toEqual([]);
    const blocked = (await allEvents(t.viewer, task.id)).filter((e) => e.type === 'step.blocked').map((e) => e.stepId);
    expect(blocked.sort()).toEqual([stepOf(mid, 'test').id, stepOf(mid, 'publish').id].sort());

    const claimed = await t.agent.steps.claim.mutate({ taskId: task.id, max: 5 });
    expect(claimed.steps.map((s) => s.key)).toEqual(['read']);
    const done = await t.agent.steps.complete.mutate({ stepId: claimed.steps[0]!.stepId, leaseId: claimed.steps[0]!.leaseId });
    expect(done.taskStatus).toBe('completed_with_errors');
    const final = await t.viewer.tasks.get.query({ taskId: task.id });
    expect(final.status).toBe('completed_with_errors');
    expect(final.finishedAt).toBeTypeOf('number');
  });
});

describe('clarify', () => {
  it('asks for a text answer (submit/cancel), refuses approve, and keeps every question and answer in context.clarifications', async () => {
    const t = await team();
    const task = await t.agent.tasks.plan.mutate({
      title: 'Set up the database',
      steps: [
        { key: 'ask-db', kind: 'clarify', title: 'Which database?', params: { questions: ['Which database?', 'Which port?'], placeholder: 'e.g. postgres on 5432' } },
        { key: 'ask-name', kind: 'clarify', title: 'Name?', params: { questions: ['What is the database called?'] }, dependsOn: ['ask-db'] },
        { key: 'edit', kind: 'edit_file', title: 'Write the config', params: { path: 'db.json', content: '{}' }, dependsOn: ['ask-name'] },
      ],
    });
    // Clarify always asks, even when the mode would allow it.
    expect(task.steps.map((s) => s.status)).toEqual(['awaiting_approval', 'awaiting_approval', 'awaiting_approval']);

    const got = await t.viewer.tasks.get.query({ taskId: task.id });
    expect(stepOf(got, 'ask-db').approval?.id).toBeDefined();
    expect(got.context.clarifications.map((c) => ({ stepKey: c.stepKey, questions: c.questions, answer: c.answer }))).toEqual([
      { stepKey: 'ask-db', questions: ['Which database?', 'Which port?'], answer: undefined },
      { stepKey: 'ask-name', questions: ['What is the database called?'], answer: undefined },
    ]);

    const ask = await openApproval(t.viewer, task.id, 'ask-db');
    expect(ask.approvalId).toBe(stepOf(got, 'ask-db').approval?.id);
    expect(ask.options).toEqual(['submit', 'cancel']);
    expect(ask.requiresTextInput).toBe(true);
    expect(ask.inputPlaceholder).toBe('e.g. postgres on 5432');
    expect(ask.checkpoint).toBe('clarification');
    const editApproval = await openApproval(t.viewer, task.id, 'edit');
    expect(editApproval.requiresTextInput).toBe(false);

    for (const decision of ['approve', 'request_changes'] as const) {
      const err = await errorOf(t.approver.approvals.decide.mutate({ approvalId: ask.approvalId, decision, paramsHash: ask.paramsHash, feedback: 'x' }));
      expect(err.code).toBe('BAD_REQUEST');
    }
    const modify = await errorOf(t.approver.approvals.decide.mutate({ approvalId: ask.approvalId, decision: 'modify', paramsHash: ask.paramsHash, params: { questions: ['Other?'] } }));
    expect(modify.code).toBe('BAD_REQUEST');
    const empty = await errorOf(t.approver.approvals.decide.mutate({ approvalId: ask.approvalId, decision: 'answer', paramsHash: ask.paramsHash, answer: '  ' }));
    expect(empty.code).toBe('BAD_REQUEST');
    const notClarify = await errorOf(t.approver.approvals.decide.mutate({ approvalId: editApproval.approvalId, decision: 'answer', paramsHash: editApproval.paramsHash, answer: 'yes' }));
    expect(notClarify.code).toBe('BAD_REQUEST');
    expect(stepOf(await t.viewer.tasks.get.query({ taskId: task.id }), 'ask-db').status).toBe('awaiting_approval');

    const answered = await t.approver.approvals.decide.mutate({ approvalId: ask.approvalId, decision: 'answer', paramsHash: ask.paramsHash, answer: 'postgres on 5432' });
    expect(answered.stepStatus).toBe('completed');
    const ask2 = await openApproval(t.approver, task.id, 'ask-name');
    await t.approver2.approvals.decide.mutate({ approvalId: ask2.approvalId, decision: 'answer', paramsHash: ask2.paramsHash, answer: 'greenlight' });

    const after = await t.viewer.tasks.get.query({ taskId: task.id });
    const db = stepOf(after, 'ask-db');
    expect(db.status).toBe('completed');
    expect(db.completedAt).toBeTypeOf('number');
    expect(db.result?.output).toEqual({ answer: 'postgres on 5432' });
    expect(after.context.clarifications.map((c) => ({ stepKey: c.stepKey, questions: c.questions, answer: c.answer, answeredBy: c.answeredBy }))).toEqual([
      { stepKey: 'ask-db', questions: ['Which database?', 'Which port?'], answer: 'postgres on 5432', answeredBy: 'alice' },
      { stepKey: 'ask-name', questions: ['What is the database called?'], answer: 'greenlight', answeredBy: 'bob' },
    ]);
  });
});

describe('decideMany', () => {
  it('approves a whole plan in one call', async () => {
    const t = await team();
    const task = await t.agent.tasks.plan.mutate(fourAskingSteps());
    const inbox = (await t.approver.approvals.list.query({ taskId: task.id })).items;
    expect(inbox).toHaveLength(4);
    const r = await t.approver.approvals.decideMany.mutate({
      items: inbox.map((a) => ({ approvalId: a.approvalId, decision: 'approve' as const, paramsHash: a.paramsHash })),
    });
    expect(r.items.map((i) => [i.approvalId, i.stepStatus])).toEqual(inbox.map((a) => [a.approvalId, 'approved']));
    const after = await t.viewer.tasks.get.query({ taskId: task.id });
    expect(after.steps.map((s) => s.status)).toEqual(['approved', 'approved', 'approved', 'approved']);
    expect((await t.approver.approvals.list.query({ taskId: task.id })).items).toEqual([]);
    const claimed = await t.agent.steps.claim.mutate({ taskId: task.id, max: 10 });
    expect(claimed.steps.map((s) => s.key).sort()).toEqual(['delete', 'edit', 'fetch']);
  });

  it('with one stale paramsHash fails whole: every step still awaiting_approval, no votes, no new events', async () => {
    const t = await team();
    const task = await t.agent.tasks.plan.mutate(fourAskingSteps());
    const inbox = (await t.approver.approvals.list.query({ taskId: task.id })).items;
    const before = await allEvents(t.viewer);
    const err = await errorOf(
      t.approver.approvals.decideMany.mutate({
        items: inbox.map((a, i) => ({ approvalId: a.approvalId, decision: 'approve' as const, paramsHash: i === 2 ? 'f'.repeat(64) : a.paramsHash })),
      }),
    );
    expect(err.code).toBe('CONFLICT');
    expect(err.reason).toBe('stale_params_hash');
    expect(err.message).toContain('items[2]');

    const after = await t.viewer.tasks.get.query({ taskId: task.id });
    for (const s of after.steps) {
      expect(s.status).toBe('awaiting_approval');
      expect(s.approvals).toEqual([]);
    }
    expect((await t.approver.approvals.list.query({ taskId: task.id })).items.map((a) => a.approvalId)).toEqual(inbox.map((a) => a.approvalId));
    expect(await allEvents(t.viewer)).toEqual(before);

    // A batch naming the same approval twice is refused whole too.
    const dup = await errorOf(
      t.approver.approvals.decideMany.mutate({
        items: [inbox[0]!, inbox[0]!].map((a) => ({ approvalId: a.approvalId, decision: 'approve' as const, paramsHash: a.paramsHash })),
      }),
    );
    expect(dup.code).toBe('BAD_REQUEST');
    expect(await allEvents(t.viewer)).toEqual(before);
  });
});
