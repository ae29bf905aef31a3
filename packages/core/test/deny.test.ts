/** Deny rules always hold, also over earlier approvals (issue 11, item 9: a deny rule is a kill switch). */
import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, Policy, claim, claimableSteps, decide, deniedBy, enforceDenyRules, enforceDenyRulesAll, type PolicyRule, type Task } from '../src/index.ts';
import { claimOne, LEASE } from './executor-helpers.ts';
import { commandStep, decision, expectError, makeEnv, makeTask, snapshot, stepOf, unwrap, type Env } from './fixtures.ts';

const NO_PUBLISH: PolicyRule = { name: 'no-publish', match: { kind: 'run_command', command: '^npm publish' }, action: 'deny', reason: 'publishing is frozen' };
const FROZEN = Policy.parse({ rules: [NO_PUBLISH] });

const publish = (key: string, dependsOn: string[] = []) => ({
  key,
  kind: 'run_command' as const,
  title: key,
  params: { command: 'npm publish --access public' },
  dependsOn,
});

/** publish (approved by alice), notes after it, an unrelated build (approved), and an open approval to publish again. */
async function approvedPlan(): Promise<{ env: Env; task: Task }> {
  const env = makeEnv();
  let { task } = await makeTask([publish('publish'), commandStep('notes', ['publish']), commandStep('build'), publish('again')], DEFAULT_POLICY, 'agent', { env });
  for (const key of ['publish', 'notes', 'build']) task = unwrap(decide(task, decision(stepOf(task, key), 'approve'), DEFAULT_POLICY, env.ctx('alice'))).task;
  return { env, task };
}

describe('deniedBy', () => {
  it('answers what policy.evaluate answers: the first matching rule, a deny', () => {
    expect(deniedBy(FROZEN, { kind: 'run_command', params: { command: 'npm publish' } })?.rule).toBe('no-publish');
    expect(deniedBy(FROZEN, { kind: 'run_command', params: { command: 'npm test' } })).toBeUndefined();
    const allowedFirst = Policy.parse({ rules: [{ match: { kind: 'run_command' }, action: 'allow' }, NO_PUBLISH] });
    expect(deniedBy(allowedFirst, { kind: 'run_command', params: { command: 'npm publish' } })).toBeUndefined();
  });
});

describe('enforceDenyRules', () => {
  it("rejects every approved, unclaimed step the policy now denies, with the rule's reason, one event each; dependents blocked", async () => {
    const { env, task } = await approvedPlan();
    expect(stepOf(task, 'publish').status).toBe('approved');
    const before = snapshot(task);
    env.advance(1000);
    const out = enforceDenyRules(task, FROZEN, env.ctx('admin'), { recheck: 'policy.set', policyVersion: 2 })!;
    expect(snapshot(task)).toBe(before);
    const s = (k: string) => stepOf(out.task, k);
    expect(s('publish').status).toBe('rejected');
    expect(s('publish').decision).toMatchObject({ decision: 'policy', by: ['policy:no-publish'], reason: 'publishing is frozen', rule: 'no-publish' });
    // An open approval of a denied step is closed the same way: nobody can approve it into the executor.
    expect(s('again').status).toBe('rejected');
    expect(s('notes').status).toBe('blocked');
    expect(s('build').status).toBe('approved');
    const rejected = out.events.filter((e) => e.type === 'step.rejected');
    expect(rejected.map((e) => [e.stepId, e.data.reason, e.data.recheck, e.data.policyVersion])).toEqual([
      [s('publish').id, 'publishing is frozen', 'policy.set', 2],
      [s('again').id, 'publishing is frozen', 'policy.set', 2],
    ]);
    expect(out.events.filter((e) => e.type === 'step.blocked').map((e) => e.stepId)).toEqual([s('notes').id]);
    expect(claimableSteps(out.task).map((x) => x.key)).toEqual(['build']);
  });

  it('leaves executing and finished steps alone, and says undefined when nothing matches', async () => {
    const { env, task } = await approvedPlan();
    const running = claimOne(task, stepOf(task, 'publish'), env).task;
    const out = enforceDenyRules(running, FROZEN, env.ctx('admin'))!;
    expect(stepOf(out.task, 'publish').status).toBe('executing');
    expect(stepOf(out.task, 'again').status).toBe('rejected');
    expect(enforceDenyRules(out.task, FROZEN, env.ctx('admin'))).toBeUndefined();
    expect(enforceDenyRules(task, DEFAULT_POLICY, env.ctx('admin'))).toBeUndefined();
  });

  it('over many tasks returns one outcome per task that changed', async () => {
    const { env, task } = await approvedPlan();
    const { task: clean } = await makeTask([commandStep('build')], DEFAULT_POLICY, 'agent', { env });
    expect(enforceDenyRulesAll([task, clean], FROZEN, env.ctx('admin')).map((o) => o.task.id)).toEqual([task.id]);
  });
});

describe('claim', () => {
  it('never hands out a step the current policy denies, even when asked for it by id', async () => {
    const { env, task } = await approvedPlan();
    expectError(claim(task, { stepIds: [stepOf(task, 'publish').id], leaseMs: LEASE }, FROZEN, env.ctx('runner-1')), 'CONFLICT', 'denied');
    expect(unwrap(claim(task, { stepIds: [stepOf(task, 'build').id], leaseMs: LEASE }, FROZEN, env.ctx('runner-1'))).task.steps.find((s) => s.key === 'build')?.status).toBe('executing');
  });
});
