/**
 * Who stands behind an approval, and whether they may give it (SPEC section 3,
 * preventSelfApproval). Every path that turns an open request into an approval asks
 * these functions: a vote or a modify (decide, decideMany), raising a task's mode
 * (setMode), and the policy's verdict on a later revision under that raised mode
 * (revise). So no side door skips the rule, and the audit names a person, not only
 * `policy:mode:…`.
 */
import { needsStepUp } from '../stepup.ts';
import { withArticle } from '../article.ts';
import { can } from '../permissions.ts';
import { higherMode, evaluatePolicy, type PolicySubject } from '../policy.ts';
import type { CoreError } from '../result.ts';
import type { Mode, Role } from '../enums.ts';
import type { Policy, PolicyVerdict } from '../schemas/policy.ts';
import type { TaskRecord } from '../schemas/task.ts';
import { ownPerson, samePerson, type PersonOf, type Someone } from '../people.ts';

/**
 * The self-approval rule, in one place. `actor` is whoever acts (a principal, or a
 * principal with the person it counts for); the task's creator may not approve, vote on
 * or otherwise decide its steps while the workspace's `preventSelfApproval` holds, through
 * any identity of the same person (a second key, a sign-in, a Slack user linked to them:
 * people.ts samePerson, with the workspace's links as `resolve`). Returns the FORBIDDEN
 * error to answer with, or undefined when the act is allowed.
 */
export function selfApprovalRefusal(
  task: Pick<TaskRecord, 'id' | 'createdBy'>,
  actor: string | Someone,
  policy: Pick<Policy, 'preventSelfApproval'>,
  resolve: PersonOf = ownPerson,
): CoreError | undefined {
  const who: Someone = typeof actor === 'string' ? { principal: actor } : actor;
  if (!policy.preventSelfApproval || !samePerson(who, { principal: task.createdBy }, resolve)) return undefined;
  const as = who.principal === task.createdBy ? '' : ` (as ${who.principal}, the same person)`;
  return { code: 'FORBIDDEN', message: `${task.createdBy} created task ${task.id} and may not approve or decide its steps${as} (preventSelfApproval)` };
}

/** Raising a task's mode approves the rest of it ("approve the rest"); lowering it or keeping it does not. */
export const raisesMode = (from: Mode, to: Mode): boolean => from !== to && higherMode(from, to) === to;

/**
 * Why `viewer` may not decide an approval of a task created by `task.createdBy`, as
 * a sentence for a page or a CLI; undefined when they may. The role check is the
 * object's (SPEC section 2), the self-approval check is `selfApprovalRefusal`.
 */
export function decisionRefusal(
  viewer: { principal: string; role: Role; person?: string | undefined },
  task: { id?: string; createdBy: string },
  policy: Pick<Policy, 'preventSelfApproval'>,
): string | undefined {
  if (!can(viewer.role, 'decide')) return `${withArticle(viewer.role)} key may not decide approvals`;
  const refused = selfApprovalRefusal({ id: task.id ?? 'this task', createdBy: task.createdBy }, { principal: viewer.principal, person: viewer.person }, policy);
  return refused ? `you (${viewer.principal}) created this task; with preventSelfApproval another person must decide` : undefined;
}

/**
 * The policy's verdict on a step of this task, and who stands behind an `allow`.
 * When the allow comes from the task's looser mode (the workspace's own mode would
 * ask), the person behind it is whoever raised the mode (`task.modeSetBy`). If nobody
 * did (the workspace's mode was lowered after the plan), or the task's creator did
 * while preventSelfApproval holds (a mode raised before the rule was switched on),
 * the looser mode does not count: the workspace's own verdict applies. Nor does it for
 * a step the policy asks more than one person to approve (requiredApprovals > 1): the
 * raise is one person's approval, and N-of-M needs N. A stricter task mode (planned
 * `manual`) always holds. `backer` is undefined when the policy alone decides.
 */
export function verdictForTask(task: Pick<TaskRecord, 'id' | 'createdBy' | 'mode' | 'modeSetBy'>, step: PolicySubject, policy: Policy): { verdict: PolicyVerdict; backer?: string } {
  const raised = task.mode === policy.mode ? undefined : task.mode;
  const verdict = evaluatePolicy(policy, step, raised);
  if (verdict.action !== 'allow' || raised === undefined) return { verdict };
  const own = evaluatePolicy(policy, step);
  if (own.action === 'allow') return { verdict };
  // One person raising the mode is one approval: a step the policy asks N > 1 distinct
  // people to approve (N-of-M, a rule's or the workspace's requiredApprovals) still asks.
  if (own.requiredApprovals > 1) return { verdict: own };
  // Nor does it stand for a stronger proof than the raiser gave then: a step-up rule still asks.
  if (needsStepUp(own)) return { verdict: own };
  const backer = task.modeSetBy;
  // Nobody known raised it (the workspace's mode was lowered since the plan), or the
  // creator did: the looser mode is not an approval anyone may give. Fail closed.
  if (backer === undefined || selfApprovalRefusal(task, backer, policy)) return { verdict: own };
  return { verdict, backer };
}
