/**
 * Deny rules are a kill switch (SPEC section 11, README Decisions): a step the current
 * policy denies is never handed out to an executor, whatever approved it earlier.
 * policy.set sweeps every unstarted step (approved and not yet claimed, or still
 * asking) through the new policy, and steps.claim checks again before it hands one
 * out. Steps already executing are left alone: their executor learns of a cancel at
 * its next heartbeat, not of a policy change.
 */
import { evaluatePolicy, type PolicySubject } from '../policy.ts';
import type { EventData } from '../schemas/event.ts';
import type { Policy, PolicyVerdict } from '../schemas/policy.ts';
import type { Step } from '../schemas/step.ts';
import type { Task } from '../schemas/task.ts';
import { Draft, type Ctx, type Outcome } from './draft.ts';
import { applyVerdict } from './plan.ts';
import { settle } from './settle.ts';

/** The statuses a policy change can still stop: approved but not claimed, or asking. */
export const DENIABLE_STATUSES: ReadonlySet<Step['status']> = new Set(['approved', 'awaiting_approval']);

/** Whether the policy has a deny rule at all: without one, no sweep can find anything. */
export const hasDenyRules = (policy: Pick<Policy, 'rules'>): boolean => policy.rules.some((r) => r.action === 'deny');

/**
 * The deny verdict the policy gives this step now, or undefined when it does not deny
 * it. The same answer `policy.evaluate` gives (first matching rule wins); a task's mode
 * never changes a deny, so none is passed.
 */
export function deniedBy(policy: Policy, step: PolicySubject): PolicyVerdict | undefined {
  const verdict = evaluatePolicy(policy, step);
  return verdict.action === 'deny' ? verdict : undefined;
}

/** What re-checked the steps, added to each `step.rejected` event. */
export type DenyRecheck = Required<Pick<EventData<'step.rejected'>, 'recheck'>> & Pick<EventData<'step.rejected'>, 'policyVersion'>;

/**
 * Reject every unstarted step of the task that the policy denies, each with the rule's
 * reason and one `step.rejected` event (`data` is added to it: what re-checked it,
 * e.g. `{ recheck: 'policy.set', policyVersion }`); dependents are blocked and the task settles. Undefined when nothing
 * matched, so the caller writes nothing. Executing and finished steps are not touched.
 */
export function enforceDenyRules(task: Task, policy: Policy, ctx: Ctx, data?: DenyRecheck): Outcome | undefined {
  if (task.status !== 'active' || !hasDenyRules(policy)) return undefined;
  const d = new Draft(task, ctx);
  let changed = false;
  for (const step of d.task.steps) {
    if (!DENIABLE_STATUSES.has(step.status)) continue;
    const verdict = deniedBy(policy, step);
    if (!verdict) continue;
    step.policy = verdict;
    applyVerdict(d, step, data ? { data } : {});
    changed = true;
  }
  if (!changed) return undefined;
  // Only now: a dependent the policy denies too is rejected with its own rule, not merely blocked.
  settle(d);
  return d.done();
}

/** enforceDenyRules over several tasks: the outcomes to write, one per task that changed. */
export function enforceDenyRulesAll(tasks: readonly Task[], policy: Policy, ctx: Ctx, data?: DenyRecheck): Outcome[] {
  return tasks.flatMap((t) => enforceDenyRules(t, policy, ctx, data) ?? []);
}
