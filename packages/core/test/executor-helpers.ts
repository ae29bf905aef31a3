/** Helpers for the executor and deadline tests: a planned task, approvals, claims, runs. */
import { DEFAULT_POLICY, claim, complete, decide, type Step, type Task } from '../src/index.ts';
import { decision, makeEnv, makeTask, stepOf, unwrap, type Env, type StepSpec } from './fixtures.ts';

export const LEASE = 60_000;
export const MAX = DEFAULT_POLICY.maxAttempts;

export async function setup(specs: StepSpec[], policy = DEFAULT_POLICY): Promise<{ env: Env; task: Task }> {
  const env = makeEnv();
  const { task } = await makeTask(specs, policy, 'agent', { env });
  return { env, task };
}

/** Approve every waiting step as 'alice'. */
export function approveAll(task: Task, env: Env): Task {
  let t = task;
  for (const s of t.steps) {
    const live = stepOf(t, s.key);
    if (live.status === 'awaiting_approval') t = unwrap(decide(t, decision(live, 'approve'), DEFAULT_POLICY, env.ctx('alice'))).task;
  }
  return t;
}

export const claimOne = (task: Task, step: Step, env: Env, leaseMs = LEASE) => unwrap(claim(task, { stepIds: [step.id], leaseMs }, DEFAULT_POLICY, env.ctx('runner-1')));

export const leaseOf = (task: Task, key: string): string => {
  const l = stepOf(task, key).lease;
  if (!l) throw new Error(`step ${key} has no lease`);
  return l.leaseId;
};

/** Claim then complete, returning the task. */
export function run(task: Task, key: string, env: Env): Task {
  const claimed = claimOne(task, stepOf(task, key), env).task;
  return unwrap(complete(claimed, { stepId: stepOf(claimed, key).id, leaseId: leaseOf(claimed, key) }, env.ctx('runner-1'))).task;
}
