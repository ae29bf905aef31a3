import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, Policy, approvalView, decide, decideMany, isClaimable, openApprovals, revise, taskView, type Task } from '../src/index.ts';
import { T0, clarifyStep, commandStep, decision, editStep, expectError, hashOf, makeEnv, makeTask, modifyDecision, readStep, snapshot, stepOf, unwrap, type Env, type StepSpec } from './fixtures.ts';

/** Two approvals for run_command steps, through a rule. */
const TWO_FOR_COMMANDS = Policy.parse({ rules: [{ name: 'two-eyes', match: { kind: 'run_command' }, action: 'ask', requiredApprovals: 2 }] });

async function setup(specs: StepSpec[], policy = DEFAULT_POLICY): Promise<{ env: Env; task: Task }> {
  const env = makeEnv();
  const { task } = await makeTask(specs, policy, 'agent', { env });
  return { env, task };
}

describe('approve', () => {
  it('with the paramsHash the reviewer saw: approved, one vote, one event', async () => {
    const { env, task } = await setup([editStep('e')]);
    env.advance(1000);
    const { task: after, events } = unwrap(decide(task, decision(stepOf(task, 'e'), 'approve'), DEFAULT_POLICY, env.ctx('alice')));
    const e = stepOf(after, 'e');
    expect(e.status).toBe('approved');
    expect(e.decision).toEqual({ decision: 'approve', by: ['alice'], at: T0 + 1000 });
    expect(e.approvals).toEqual([{ principal: 'alice', decision: 'approve', at: T0 + 1000 }]);
    expect(events).toEqual([{ type: 'step.approved', taskId: task.id, stepId: e.id, data: { from: 'awaiting_approval', to: 'approved', revision: 1, by: ['alice'] } }]);
    expect(after.updatedAt).toBe(T0 + 1000);
  });

  it('records how the reviewer came in: the caller identity in the context is on the vote', async () => {
    const { env, task } = await setup([editStep('e')]);
    const ctx = { ...env.ctx('oidc:https://idp.example#u1'), identity: { identitySource: 'oidc' as const, authStrength: 'mfa' as const, person: 'oidc:https://idp.example#u1' } };
    const { task: after } = unwrap(decide(task, decision(stepOf(task, 'e'), 'approve'), DEFAULT_POLICY, ctx));
    expect(stepOf(after, 'e').approvals).toEqual([
      { principal: 'oidc:https://idp.example#u1', decision: 'approve', at: T0, identitySource: 'oidc', authStrength: 'mfa', person: 'oidc:https://idp.example#u1' },
    ]);
  });

  it('with a stale paramsHash: CONFLICT stale_params_hash, nothing changed', async () => {
    const { env, task } = await setup([editStep('e')]);
    const before = snapshot(task);
    const stale = await hashOf({ path: 'src/e.ts', content: 'something else' });
    const r = decide(task, decision(stepOf(task, 'e'), 'approve', { paramsHash: stale }), DEFAULT_POLICY, env.ctx('alice'));
    expectError(r, 'CONFLICT', 'stale_params_hash');
    expect(snapshot(task)).toBe(before);
  });

  it('an approval that is no longer open: CONFLICT not_open', async () => {
    const { env, task } = await setup([editStep('e')]);
    const cmd = decision(stepOf(task, 'e'), 'approve');
    const { task: after } = unwrap(decide(task, cmd, DEFAULT_POLICY, env.ctx('alice')));
    expectError(decide(after, cmd, DEFAULT_POLICY, env.ctx('bob')), 'CONFLICT', 'not_open');
    expectError(decide(after, { ...cmd, decision: 'reject' }, DEFAULT_POLICY, env.ctx('bob')), 'CONFLICT', 'not_open');
  });

  it('an unknown step: NOT_FOUND', async () => {
    const { env, task } = await setup([editStep('e')]);
    expectError(decide(task, { ...decision(stepOf(task, 'e'), 'approve'), stepId: 'nope' }, DEFAULT_POLICY, env.ctx('alice')), 'NOT_FOUND');
  });
});

describe('N-of-M approvals', () => {
  it('the first vote is recorded (approval.voted) and the step keeps waiting; the same principal twice is a CONFLICT; a second principal approves', async () => {
    const { env, task } = await setup([commandStep('c')], TWO_FOR_COMMANDS);
    const c0 = stepOf(task, 'c');
    expect(c0.approval?.requiredApprovals).toBe(2);
    expect(approvalView(task, c0)?.requiredApprovals).toBe(2);

    const first = unwrap(decide(task, decision(c0, 'approve'), TWO_FOR_COMMANDS, env.ctx('alice')));
    const c1 = stepOf(first.task, 'c');
    expect(c1.status).toBe('awaiting_approval');
    expect(c1.approvals.map((v) => v.principal)).toEqual(['alice']);
    expect(first.events).toEqual([{ type: 'approval.voted', taskId: task.id, stepId: c0.id, data: { approvalId: c0.approval?.id, principal: 'alice', votes: 1, required: 2 } }]);

    const again = decide(first.task, decision(c1, 'approve'), TWO_FOR_COMMANDS, env.ctx('alice'));
    expectError(again, 'CONFLICT', 'already_voted');

    const second = unwrap(decide(first.task, decision(c1, 'approve'), TWO_FOR_COMMANDS, env.ctx('bob')));
    const c2 = stepOf(second.task, 'c');
    expect(c2.status).toBe('approved');
    expect(c2.decision?.by).toEqual(['alice', 'bob']);
    expect(second.events.map((e) => e.type)).toEqual(['step.approved']);
  });

  it('one reject vetoes, whatever the votes so far', async () => {
    const { env, task } = await setup([commandStep('c')], TWO_FOR_COMMANDS);
    const voted = unwrap(decide(task, decision(stepOf(task, 'c'), 'approve'), TWO_FOR_COMMANDS, env.ctx('alice'))).task;
    const { task: after } = unwrap(decide(voted, decision(stepOf(voted, 'c'), 'reject', { feedback: 'no' }), TWO_FOR_COMMANDS, env.ctx('bob')));
    expect(stepOf(after, 'c').status).toBe('rejected');
    expect(stepOf(after, 'c').decision).toMatchObject({ decision: 'reject', by: ['bob'], feedback: 'no' });
  });

  it("modify counts as the modifier's vote on the new revision; another principal completes it", async () => {
    const { env, task } = await setup([commandStep('c')], TWO_FOR_COMMANDS);
    const c0 = stepOf(task, 'c');
    const { task: modified } = unwrap(decide(task, await modifyDecision(c0, { command: 'npm run c -- --dry-run' }), TWO_FOR_COMMANDS, env.ctx('alice')));
    const c1 = stepOf(modified, 'c');
    expect(c1.status).toBe('awaiting_approval');
    expect(c1.revision).toBe(2);
    expect(c1.approval?.id).not.toBe(c0.approval?.id);
    expect(c1.approvals.map((v) => [v.principal, v.decision])).toEqual([['alice', 'modify']]);
    const { task: after } = unwrap(decide(modified, decision(c1, 'approve'), TWO_FOR_COMMANDS, env.ctx('bob')));
    expect(stepOf(after, 'c').status).toBe('approved');
    expect(stepOf(after, 'c').decision?.by).toEqual(['alice', 'bob']);
  });

  // BUG (src/machine/decide.ts, approveVote, lines 91 and 95): the already-voted check only looks at
  // votes whose decision is 'approve', and the approver count does not dedupe principals. A
  // principal who modified (which records a 'modify' vote that counts as an approval) can then
  // approve the same revision and reach requiredApprovals=2 alone. SPEC: "requiredApprovals
  // distinct principals must approve". Expected CONFLICT already_voted; actual: approved by
  // ['alice', 'alice'].
  it('the modifier may not approve their own modification a second time (distinct principals)', async () => {
    const { env, task } = await setup([commandStep('c')], TWO_FOR_COMMANDS);
    const { task: modified } = unwrap(decide(task, await modifyDecision(stepOf(task, 'c'), { command: 'echo safe' }), TWO_FOR_COMMANDS, env.ctx('alice')));
    const r = decide(modified, decision(stepOf(modified, 'c'), 'approve'), TWO_FOR_COMMANDS, env.ctx('alice'));
    expectError(r, 'CONFLICT', 'already_voted');
  });
});

describe('reject', () => {
  it('is final and blocks dependents transitively, with completedAt set', async () => {
    const { env, task } = await setup([commandStep('c'), editStep('e', ['c']), readStep('r', ['e']), readStep('free')]);
    env.advance(500);
    const { task: after, events } = unwrap(decide(task, decision(stepOf(task, 'c'), 'reject'), DEFAULT_POLICY, env.ctx('alice')));
    expect(stepOf(after, 'c').status).toBe('rejected');
    for (const key of ['c', 'e', 'r']) expect(stepOf(after, key).completedAt).toBe(T0 + 500);
    expect(stepOf(after, 'e').status).toBe('blocked');
    expect(stepOf(after, 'r').status).toBe('blocked');
    expect(stepOf(after, 'free').status).toBe('approved');
    expect(after.status).toBe('active');
    const blocked = events.filter((e) => e.type === 'step.blocked');
    expect(blocked.map((e) => e.stepId).sort()).toEqual([stepOf(after, 'e').id, stepOf(after, 'r').id].sort());
    expect(blocked.find((e) => e.stepId === stepOf(after, 'e').id)?.data).toMatchObject({ dependency: 'c', reason: 'dependency c is rejected' });
  });
});

describe('request_changes and revise', () => {
  it('request_changes needs feedback', async () => {
    const { env, task } = await setup([editStep('e')]);
    const e = stepOf(task, 'e');
    expectError(decide(task, decision(e, 'request_changes'), DEFAULT_POLICY, env.ctx('alice')), 'BAD_REQUEST');
    expectError(decide(task, decision(e, 'request_changes', { feedback: '   ' }), DEFAULT_POLICY, env.ctx('alice')), 'BAD_REQUEST');
    const { task: after } = unwrap(decide(task, decision(e, 'request_changes', { feedback: ' use a patch ' }), DEFAULT_POLICY, env.ctx('alice')));
    expect(stepOf(after, 'e').status).toBe('changes_requested');
    expect(stepOf(after, 'e').decision).toMatchObject({ decision: 'request_changes', by: ['alice'], feedback: 'use a patch' });
    expect(openApprovals(after)).toEqual([]);
  });

  it('revise after request_changes: new revision, hash and approval; both versions kept; human-approved dependents are asked again, policy-approved ones stay', async () => {
    const { env, task } = await setup([editStep('e'), commandStep('human', ['e']), readStep('auto', ['e'])]);
    const oldE = stepOf(task, 'e');
    const approvedDep = unwrap(decide(task, decision(stepOf(task, 'human'), 'approve'), DEFAULT_POLICY, env.ctx('alice'))).task;
    expect(stepOf(approvedDep, 'human').status).toBe('approved');
    const changes = unwrap(decide(approvedDep, decision(oldE, 'request_changes', { feedback: 'rename it' }), DEFAULT_POLICY, env.ctx('alice'))).task;

    env.advance(2000);
    const params = { path: 'src/e2.ts', content: 'export const e2 = 2;\n' };
    const hash = await hashOf(params);
    const { task: after, events } = unwrap(revise(changes, { stepId: oldE.id, params, paramsHash: hash }, DEFAULT_POLICY, env.ctx('agent')));
    const e = stepOf(after, 'e');
    expect(e.status).toBe('awaiting_approval');
    expect(e.revision).toBe(2);
    expect(e.paramsHash).toBe(hash);
    expect(e.paramsHash).not.toBe(oldE.paramsHash);
    expect(e.params).toEqual(params);
    expect(e.approval?.id).toBeDefined();
    expect(e.approval?.id).not.toBe(oldE.approval?.id);
    expect(e.approvals).toEqual([]);
    expect(e.decision).toBeUndefined();
    expect(e.history.map((h) => [h.revision, h.via, h.paramsHash])).toEqual([
      [1, 'plan', oldE.paramsHash],
      [2, 'revise', hash],
    ]);
    expect(e.history[0]?.params).toEqual(oldE.params);
    expect(events[0]).toMatchObject({ type: 'step.revised', stepId: e.id, data: { from: 'changes_requested', to: 'awaiting_approval', revision: 2, paramsHash: hash } });

    const human = stepOf(after, 'human');
    expect(human.status).toBe('awaiting_approval');
    expect(human.approval?.id).not.toBe(stepOf(approvedDep, 'human').approval?.id);
    expect(human.decision).toBeUndefined();
    expect(stepOf(after, 'auto').status).toBe('approved');
    expect(stepOf(after, 'auto').decision?.decision).toBe('policy');

    // the old approval id is gone; the new one wants the new hash
    expectError(decide(after, decision(oldE, 'approve'), DEFAULT_POLICY, env.ctx('alice')), 'CONFLICT', 'not_open');
    expectError(decide(after, decision(e, 'approve', { paramsHash: oldE.paramsHash }), DEFAULT_POLICY, env.ctx('alice')), 'CONFLICT', 'stale_params_hash');
    expect(stepOf(unwrap(decide(after, decision(e, 'approve'), DEFAULT_POLICY, env.ctx('alice'))).task, 'e').status).toBe('approved');
  });

  it('revise voids votes already cast on dependents that still wait', async () => {
    const { env, task } = await setup([editStep('e'), commandStep('c', ['e'])], TWO_FOR_COMMANDS);
    const voted = unwrap(decide(task, decision(stepOf(task, 'c'), 'approve'), TWO_FOR_COMMANDS, env.ctx('alice'))).task;
    const params = { path: 'src/e.ts', content: 'v2' };
    const { task: after } = unwrap(revise(voted, { stepId: stepOf(task, 'e').id, params, paramsHash: await hashOf(params) }, TWO_FOR_COMMANDS, env.ctx('agent')));
    expect(stepOf(after, 'c').status).toBe('awaiting_approval');
    expect(stepOf(after, 'c').approvals).toEqual([]);
    expect(stepOf(after, 'c').approval?.id).not.toBe(stepOf(voted, 'c').approval?.id);
  });

  it('revise refuses params that do not fit the kind, and steps that are finished', async () => {
    const { env, task } = await setup([editStep('e'), readStep('r')]);
    const e = stepOf(task, 'e');
    const before = snapshot(task);
    expectError(revise(task, { stepId: e.id, params: { command: 'ls' }, paramsHash: await hashOf({ command: 'ls' }) }, DEFAULT_POLICY, env.ctx('agent')), 'BAD_REQUEST');
    expectError(revise(task, { stepId: 'nope', params: e.params, paramsHash: e.paramsHash }, DEFAULT_POLICY, env.ctx('agent')), 'NOT_FOUND');
    const rejected = unwrap(decide(task, decision(e, 'reject'), DEFAULT_POLICY, env.ctx('alice'))).task;
    expectError(revise(rejected, { stepId: e.id, params: e.params, paramsHash: e.paramsHash }, DEFAULT_POLICY, env.ctx('agent')), 'CONFLICT', 'not_revisable');
    expect(snapshot(task)).toBe(before);
  });
});

describe('modify', () => {
  it('approves the new params in one act, keeps both versions, voids approved dependents', async () => {
    const { env, task } = await setup([editStep('e'), commandStep('dep', ['e']), readStep('auto', ['e'])]);
    const approvedDep = unwrap(decide(task, decision(stepOf(task, 'dep'), 'approve'), DEFAULT_POLICY, env.ctx('alice'))).task;
    const old = stepOf(task, 'e');
    const params = { path: 'src/e.ts', content: 'export const e = 42;\n' };
    env.advance(10);
    const { task: after } = unwrap(decide(approvedDep, await modifyDecision(old, params, { feedback: 'use 42' }), DEFAULT_POLICY, env.ctx('bob')));
    const e = stepOf(after, 'e');
    expect(e.status).toBe('approved');
    expect(e.revision).toBe(2);
    expect(e.params).toEqual(params);
    expect(e.paramsHash).toBe(await hashOf(params));
    expect(e.decision).toMatchObject({ decision: 'modify', by: ['bob'], feedback: 'use 42' });
    expect(e.history.map((h) => [h.revision, h.via, h.by])).toEqual([
      [1, 'plan', 'agent'],
      [2, 'modify', 'bob'],
    ]);
    expect(e.history[0]?.params).toEqual(old.params);
    expect(stepOf(after, 'dep').status).toBe('awaiting_approval');
    expect(stepOf(after, 'auto').status).toBe('approved');
  });

  it('needs new params that fit the kind', async () => {
    const { env, task } = await setup([editStep('e')]);
    const e = stepOf(task, 'e');
    expectError(decide(task, decision(e, 'modify'), DEFAULT_POLICY, env.ctx('bob')), 'BAD_REQUEST');
    expectError(decide(task, await modifyDecision(e, { command: 'ls' }), DEFAULT_POLICY, env.ctx('bob')), 'BAD_REQUEST');
  });
});

describe('skip', () => {
  it('skips the step, and its dependents may run', async () => {
    const { env, task } = await setup([editStep('e'), readStep('r', ['e'])]);
    expect(isClaimable(task, stepOf(task, 'r'))).toBe(false);
    const { task: after } = unwrap(decide(task, decision(stepOf(task, 'e'), 'skip'), DEFAULT_POLICY, env.ctx('alice')));
    expect(stepOf(after, 'e').status).toBe('skipped');
    expect(stepOf(after, 'e').completedAt).toBe(T0);
    expect(isClaimable(after, stepOf(after, 'r'))).toBe(true);
  });

  it('a task whose steps are all skipped is completed', async () => {
    const { env, task } = await setup([editStep('e')]);
    const { task: after } = unwrap(decide(task, decision(stepOf(task, 'e'), 'skip'), DEFAULT_POLICY, env.ctx('alice')));
    expect(after.status).toBe('completed');
  });
});

describe('clarify', () => {
  it('answer completes the step, and the task view carries every question and answer in order', async () => {
    const { env, task } = await setup([
      clarifyStep('q1', [], { params: { questions: ['Which database?'], placeholder: 'e.g. Postgres' } }),
      clarifyStep('q2', [], { params: { questions: ['Which port?', 'Which host?'] } }),
      editStep('e', ['q1']),
    ]);
    const view = approvalView(task, stepOf(task, 'q1'));
    expect(view).toMatchObject({ requiresTextInput: true, options: ['submit', 'cancel'], inputPlaceholder: 'e.g. Postgres', checkpoint: 'clarification' });
    expect(approvalView(task, stepOf(task, 'e'))).toMatchObject({ requiresTextInput: false, checkpoint: 'before_file_edit' });

    const r1 = unwrap(decide(task, decision(stepOf(task, 'q1'), 'answer', { answer: ' Postgres ' }), DEFAULT_POLICY, env.ctx('alice')));
    const q1 = stepOf(r1.task, 'q1');
    expect(q1.status).toBe('completed');
    expect(q1.result).toEqual({ output: { answer: 'Postgres' } });
    expect(q1.decision).toMatchObject({ decision: 'answer', by: ['alice'], answer: 'Postgres' });

    env.advance(100);
    const r2 = unwrap(decide(r1.task, decision(stepOf(r1.task, 'q2'), 'answer', { answer: '5432 on db' }), DEFAULT_POLICY, env.ctx('bob')));
    expect(taskView(r2.task).context.clarifications).toEqual([
      { stepId: q1.id, stepKey: 'q1', revision: 1, questions: ['Which database?'], answer: 'Postgres', answeredBy: 'alice', answeredAt: T0 },
      { stepId: stepOf(task, 'q2').id, stepKey: 'q2', revision: 1, questions: ['Which port?', 'Which host?'], answer: '5432 on db', answeredBy: 'bob', answeredAt: T0 + 100 },
    ]);
  });

  it('an unanswered clarify shows its question without an answer', async () => {
    const { task } = await setup([clarifyStep('q')]);
    expect(taskView(task).context.clarifications).toEqual([{ stepId: stepOf(task, 'q').id, stepKey: 'q', revision: 1, questions: ['What about q?'] }]);
  });

  it('approve, modify or request_changes on a clarify step: BAD_REQUEST; an empty answer: BAD_REQUEST', async () => {
    const { env, task } = await setup([clarifyStep('q')]);
    const q = stepOf(task, 'q');
    expectError(decide(task, decision(q, 'approve'), DEFAULT_POLICY, env.ctx('alice')), 'BAD_REQUEST');
    expectError(decide(task, decision(q, 'request_changes', { feedback: 'x' }), DEFAULT_POLICY, env.ctx('alice')), 'BAD_REQUEST');
    expectError(decide(task, await modifyDecision(q, { questions: ['other?'] }), DEFAULT_POLICY, env.ctx('alice')), 'BAD_REQUEST');
    expectError(decide(task, decision(q, 'answer', { answer: '  ' }), DEFAULT_POLICY, env.ctx('alice')), 'BAD_REQUEST');
    expectError(decide(task, decision(q, 'answer'), DEFAULT_POLICY, env.ctx('alice')), 'BAD_REQUEST');
  });

  it('answer on a step that is not clarify: BAD_REQUEST', async () => {
    const { env, task } = await setup([editStep('e')]);
    expectError(decide(task, decision(stepOf(task, 'e'), 'answer', { answer: 'yes' }), DEFAULT_POLICY, env.ctx('alice')), 'BAD_REQUEST');
  });
});

describe('preventSelfApproval', () => {
  it('the task creator may not decide on it', async () => {
    const { env, task } = await setup([editStep('e'), clarifyStep('q')]);
    const before = snapshot(task);
    for (const d of ['approve', 'reject', 'skip'] as const) expectError(decide(task, decision(stepOf(task, 'e'), d), DEFAULT_POLICY, env.ctx('agent')), 'FORBIDDEN');
    expectError(decide(task, decision(stepOf(task, 'q'), 'answer', { answer: 'me' }), DEFAULT_POLICY, env.ctx('agent')), 'FORBIDDEN');
    expect(snapshot(task)).toBe(before);
  });

  it('when off, the creator may decide', async () => {
    const lax = Policy.parse({ preventSelfApproval: false });
    const { env, task } = await setup([editStep('e')], lax);
    expect(stepOf(unwrap(decide(task, decision(stepOf(task, 'e'), 'approve'), lax, env.ctx('agent'))).task, 'e').status).toBe('approved');
  });
});

describe('decideMany', () => {
  it('applies every decision, across tasks, one outcome per task', async () => {
    const env = makeEnv();
    const a = (await makeTask([editStep('e1'), editStep('e2')], DEFAULT_POLICY, 'agent', { env })).task;
    const b = (await makeTask([commandStep('c')], DEFAULT_POLICY, 'agent', { env })).task;
    const items = [
      { ...decision(stepOf(a, 'e1'), 'approve'), taskId: a.id },
      { ...decision(stepOf(a, 'e2'), 'skip'), taskId: a.id },
      { ...decision(stepOf(b, 'c'), 'approve'), taskId: b.id },
    ];
    const outcomes = unwrap(decideMany([a, b], items, DEFAULT_POLICY, env.ctx('alice')));
    expect(outcomes.map((o) => o.task.id)).toEqual([a.id, b.id]);
    const [oa, ob] = outcomes;
    expect(oa && stepOf(oa.task, 'e1').status).toBe('approved');
    expect(oa && stepOf(oa.task, 'e2').status).toBe('skipped');
    expect(ob && stepOf(ob.task, 'c').status).toBe('approved');
  });

  it('is all or nothing: one bad item fails the batch and leaves every task unchanged', async () => {
    const env = makeEnv();
    const a = (await makeTask([editStep('e1'), editStep('e2')], DEFAULT_POLICY, 'agent', { env })).task;
    const b = (await makeTask([commandStep('c')], DEFAULT_POLICY, 'agent', { env })).task;
    const before = [snapshot(a), snapshot(b)];
    const items = [
      { ...decision(stepOf(a, 'e1'), 'approve'), taskId: a.id },
      { ...decision(stepOf(b, 'c'), 'approve'), taskId: b.id },
      { ...decision(stepOf(a, 'e2'), 'approve', { paramsHash: 'f'.repeat(64) }), taskId: a.id },
    ];
    const err = expectError(decideMany([a, b], items, DEFAULT_POLICY, env.ctx('alice')), 'CONFLICT', 'stale_params_hash');
    expect(err.message).toMatch(/^items\[2\]: /);
    expect([snapshot(a), snapshot(b)]).toEqual(before);
  });

  it('refuses the same approval twice in a batch, and an unknown task', async () => {
    const env = makeEnv();
    const a = (await makeTask([editStep('e')], DEFAULT_POLICY, 'agent', { env })).task;
    const item = { ...decision(stepOf(a, 'e'), 'approve'), taskId: a.id };
    expectError(decideMany([a], [item, item], DEFAULT_POLICY, env.ctx('alice')), 'BAD_REQUEST');
    expectError(decideMany([a], [{ ...item, taskId: 'other' }], DEFAULT_POLICY, env.ctx('alice')), 'NOT_FOUND');
  });
});
