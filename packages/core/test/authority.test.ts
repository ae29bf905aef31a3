/**
 * Self-approval has no side door (issue 11, item 1): every path that turns an open
 * approval into an approval checks who is behind it, and the audit names that person.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, Policy, decide, decideMany, decisionRefusal, raisesMode, revise, selfApprovalRefusal, setMode, verdictForTask, type Task } from '../src/index.ts';
import { commandStep, decision, editStep, expectError, hashOf, makeEnv, makeTask, modifyDecision, readStep, snapshot, stepOf, unwrap, type Env } from './fixtures.ts';

const ALLOW_SELF = Policy.parse({ preventSelfApproval: false });

async function planned(creator = 'dev', policy = DEFAULT_POLICY): Promise<{ env: Env; task: Task }> {
  const env = makeEnv();
  const { task } = await makeTask([commandStep('build'), editStep('fix', ['build'])], policy, creator, { env });
  return { env, task };
}

describe('the self-approval rule', () => {
  it('refuses the creator, whatever role, only while preventSelfApproval holds', () => {
    const task = { id: 't1', createdBy: 'dev' };
    expect(selfApprovalRefusal(task, 'dev', DEFAULT_POLICY)?.code).toBe('FORBIDDEN');
    expect(selfApprovalRefusal(task, 'alice', DEFAULT_POLICY)).toBeUndefined();
    expect(selfApprovalRefusal(task, 'dev', ALLOW_SELF)).toBeUndefined();
    expect(decisionRefusal({ principal: 'dev', role: 'admin' }, task, DEFAULT_POLICY)).toMatch(/created this task/);
    expect(decisionRefusal({ principal: 'dev', role: 'approver' }, task, ALLOW_SELF)).toBeUndefined();
    expect(decisionRefusal({ principal: 'alice', role: 'agent' }, task, DEFAULT_POLICY)).toMatch(/^an agent key may not decide/);
    expect(decisionRefusal({ principal: 'alice', role: 'viewer' }, task, DEFAULT_POLICY)).toMatch(/viewer/);
    expect(decisionRefusal({ principal: 'alice', role: 'approver' }, task, DEFAULT_POLICY)).toBeUndefined();
  });

  it('raising is up the ladder manual < copilot < autopilot; lowering and keeping are not', () => {
    expect(raisesMode('manual', 'copilot')).toBe(true);
    expect(raisesMode('copilot', 'autopilot')).toBe(true);
    expect(raisesMode('autopilot', 'copilot')).toBe(false);
    expect(raisesMode('copilot', 'copilot')).toBe(false);
  });
});

describe('setMode is an approval of the rest', () => {
  it('refuses the creator raising its own task (FORBIDDEN), and changes nothing', async () => {
    const { env, task } = await planned('dev');
    const before = snapshot(task);
    const err = expectError(setMode(task, 'autopilot', DEFAULT_POLICY, env.ctx('dev')), 'FORBIDDEN');
    expect(err.message).toMatch(/dev created task .* \(preventSelfApproval\): raising the task's mode approves the rest of it/);
    expect(snapshot(task)).toBe(before);
    // Any step up counts, also back up after lowering it.
    const lowered = unwrap(setMode(task, 'manual', DEFAULT_POLICY, env.ctx('dev'))).task;
    expectError(setMode(lowered, 'copilot', DEFAULT_POLICY, env.ctx('dev')), 'FORBIDDEN');
  });

  it('refuses an admin who planned the task just the same: the principal counts, not the role', async () => {
    const { env, task } = await planned('admin');
    expectError(setMode(task, 'autopilot', DEFAULT_POLICY, env.ctx('admin')), 'FORBIDDEN');
  });

  it('lets the creator lower its task (stricter is never an approval)', async () => {
    const { env, task } = await planned('dev');
    const lowered = unwrap(setMode(task, 'manual', DEFAULT_POLICY, env.ctx('dev'))).task;
    expect(lowered.mode).toBe('manual');
    expect(lowered.steps.map((s) => s.status)).toEqual(['awaiting_approval', 'awaiting_approval']);
  });

  it('lets the creator raise it once the workspace allows self-approval', async () => {
    const { env, task } = await planned('dev', ALLOW_SELF);
    const raised = unwrap(setMode(task, 'autopilot', ALLOW_SELF, env.ctx('dev'))).task;
    expect(stepOf(raised, 'build').decision?.by).toEqual(['dev']);
  });

  it('names the approver who raised it in each approval and its event', async () => {
    const { env, task } = await planned('dev');
    const { task: after, events } = unwrap(setMode(task, 'autopilot', DEFAULT_POLICY, env.ctx('alice')));
    expect(after.modeSetBy).toBe('alice');
    for (const s of after.steps) {
      expect(s.status).toBe('approved');
      expect(s.decision).toMatchObject({ decision: 'policy', by: ['alice'], rule: 'mode:autopilot' });
    }
    const approved = events.filter((e) => e.type === 'step.approved');
    expect(approved.map((e) => ({ by: e.data.by, via: e.data.via }))).toEqual([
      { by: 'alice', via: 'mode:autopilot' },
      { by: 'alice', via: 'mode:autopilot' },
    ]);
  });
});

describe('a revision under a raised mode', () => {
  const revised = async (task: Task, env: Env, key: string) => {
    const params = { command: `npm run ${key} -- --again` };
    return unwrap(revise(task, { stepId: stepOf(task, key).id, params, paramsHash: await hashOf(params) }, DEFAULT_POLICY, env.ctx('dev')));
  };

  it('is approved in the name of the approver who raised the mode', async () => {
    const { env, task } = await planned('dev');
    const raised = unwrap(setMode(task, 'autopilot', DEFAULT_POLICY, env.ctx('alice'))).task;
    const { task: after, events } = await revised(raised, env, 'build');
    expect(stepOf(after, 'build').status).toBe('approved');
    expect(stepOf(after, 'build').decision?.by).toEqual(['alice']);
    expect(events.find((e) => e.type === 'step.revised')?.data).toMatchObject({ to: 'approved', by: 'alice', via: 'mode:autopilot' });
  });

  it('asks a person when the creator raised the mode before preventSelfApproval was switched on', async () => {
    const { env, task } = await planned('dev', ALLOW_SELF);
    const raised = unwrap(setMode(task, 'autopilot', ALLOW_SELF, env.ctx('dev'))).task;
    expect(raised.modeSetBy).toBe('dev');
    // The workspace now forbids self-approval: the creator's own raise no longer approves its revisions.
    const { task: after } = await revised(raised, env, 'build');
    expect(stepOf(after, 'build').status).toBe('awaiting_approval');
    expect(stepOf(after, 'build').policy.action).toBe('ask');
  });

  it('asks when nobody raised the mode (the workspace was made stricter after the plan): fail closed', async () => {
    const env = makeEnv();
    const loose = Policy.parse({ mode: 'autopilot' });
    const { task } = await makeTask([commandStep('build')], loose, 'dev', { env });
    expect(task.mode).toBe('autopilot');
    const params = { command: 'npm run build -- --again' };
    const after = unwrap(revise(task, { stepId: stepOf(task, 'build').id, params, paramsHash: await hashOf(params) }, DEFAULT_POLICY, env.ctx('dev'))).task;
    expect(stepOf(after, 'build').status).toBe('awaiting_approval');
  });

  it("keeps a stricter task mode, and reads stay the policy's own", () => {
    const task = { id: 't', createdBy: 'dev', mode: 'manual' as const };
    expect(verdictForTask(task, { kind: 'custom', params: { tool: 'search', input: {} } }, DEFAULT_POLICY).verdict.action).toBe('ask');
    const read = verdictForTask({ ...task, mode: 'autopilot', modeSetBy: 'alice' }, readStep('r'), DEFAULT_POLICY);
    expect(read).toEqual({ verdict: expect.objectContaining({ action: 'allow' }) });
  });
});

describe('votes by the creator, on every path', () => {
  it('decide, decideMany and modify all refuse the creator while preventSelfApproval holds', async () => {
    const policy = Policy.parse({ requiredApprovals: 2 });
    const { env, task } = await planned('dev', policy);
    const build = stepOf(task, 'build');
    expectError(decide(task, decision(build, 'approve'), policy, env.ctx('dev')), 'FORBIDDEN');
    expectError(decide(task, await modifyDecision(build, { command: 'npm run build:safe' }), policy, env.ctx('dev')), 'FORBIDDEN');
    expectError(decideMany([task], [{ ...decision(build, 'approve'), taskId: task.id }], policy, env.ctx('dev')), 'FORBIDDEN');
    // Another person's vote first changes nothing about it.
    const voted = unwrap(decide(task, decision(build, 'approve'), policy, env.ctx('alice'))).task;
    expectError(decide(voted, decision(stepOf(voted, 'build'), 'approve'), policy, env.ctx('dev')), 'FORBIDDEN');
  });
});
