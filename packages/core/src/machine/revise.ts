/**
 * Revisions: the agent answers requested changes (or rethinks a step not yet
 * started) with new params. The revision gets a new hash and a fresh approval; every
 * step built on top of it that has not started is asked again.
 */
import { fail, ok, type Result } from '../result.ts';
import type { Policy } from '../schemas/policy.ts';
import type { Step } from '../schemas/step.ts';
import type { Task } from '../schemas/task.ts';
import { judgeStep } from './grants.ts';
import { applyVerdict, checkNewParams } from './plan.ts';
import { requestApproval } from './approval.ts';
import { Draft, type Ctx, type Outcome } from './draft.ts';
import { dependentsOf, settle } from './settle.ts';

export type ReviseCommand = { stepId: string; params: Record<string, unknown>; paramsHash: string };

const REVISABLE = new Set(['awaiting_approval', 'changes_requested', 'approved']);

export function revise(task: Task, cmd: ReviseCommand, policy: Policy, ctx: Ctx): Result<Outcome> {
  if (task.status !== 'active') return fail('CONFLICT', `task ${task.id} is ${task.status}`, { reason: task.status === 'cancelled' ? 'cancelled' : 'finished' });
  const d = new Draft(task, ctx);
  const step = d.step(cmd.stepId);
  if (!step) return fail('NOT_FOUND', `step ${cmd.stepId} not found`);
  if (!REVISABLE.has(step.status)) {
    return fail('CONFLICT', `step ${step.key} is ${step.status} and can no longer be revised`, { reason: 'not_revisable' });
  }
  const checked = checkNewParams(step, cmd.params);
  if (!checked.ok) return checked;
  const { now, actor } = d.ctx;
  step.revision += 1;
  step.params = cmd.params;
  step.paramsHash = cmd.paramsHash;
  step.history = [...step.history, { revision: step.revision, params: cmd.params, paramsHash: cmd.paramsHash, by: actor, at: now, via: 'revise' }];
  // Under a raised mode the revision is approved in the name of whoever raised it, and
  // never in the creator's own name while preventSelfApproval holds (verdictForTask).
  // A live grant of the task answers a revision that asks, as it answers an appended step.
  const { verdict, backer, grant } = judgeStep(d.task, step, policy);
  step.policy = verdict;
  applyVerdict(d, step, { data: { paramsHash: cmd.paramsHash }, type: 'step.revised', backer, grant });
  voidDependents(d, step);
  settle(d);
  return ok(d.done());
}

/**
 * Approvals given in the context of the old plan are void: unstarted dependents that
 * were approved by a person, or hold votes, are asked again. A policy's approval does
 * not depend on context, so a dependent the policy allowed stays approved.
 */
export function voidDependents(d: Draft, changed: Step): void {
  for (const dep of dependentsOf(d.task, changed.key)) {
    const humanApproved = dep.status === 'approved' && dep.decision?.decision !== 'policy';
    const hasVotes = dep.status === 'awaiting_approval' && dep.approvals.length > 0;
    if (humanApproved || hasVotes) requestApproval(d, dep, { reason: `dependency ${changed.key} changed (revision ${changed.revision})` });
  }
}
