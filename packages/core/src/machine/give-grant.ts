/**
 * Giving a grant with an approval (approvals.decide `scope: 'task' | 'always'`): the
 * matcher (the reviewer's, or the one derived from the approved step) is checked, kept
 * on the task, and answers at once the steps of the task already waiting that it
 * matches; later ones it answers as they arrive (appendSteps, revise).
 */
import { needsStepUp } from '../stepup.ts';
import type { GrantScope } from '../enums.ts';
import { LIMITS } from '../limits.ts';
import { fail, ok, type Result } from '../result.ts';
import type { Grant, GrantMatcher } from '../schemas/grant.ts';
import type { Policy } from '../schemas/policy.ts';
import type { Step } from '../schemas/step.ts';
import { deniedBy } from './deny.ts';
import type { Task } from '../schemas/task.ts';
import { actorOf, Draft, type Ctx, type Outcome } from './draft.ts';
import { deriveGrant, grantFor, grantMatcherProblem, grantMatches } from './grants.ts';
import { applyVerdict } from './plan.ts';
import { samePerson } from '../people.ts';

/** What the decision says about the grant. */
export type GrantRequest = { approvalId: string; scope: Exclude<GrantScope, 'once'>; grant?: GrantMatcher | undefined };

/**
 * Give a grant from `step`, just approved (or voted on) by `d.ctx.actor`. Errors:
 * FORBIDDEN when the actor created the task (a creator never grants, whatever
 * preventSelfApproval says: a grant approves steps nobody has seen yet); BAD_REQUEST
 * when no matcher can be derived, or the given one has a problem or does not match the
 * approved step; CONFLICT when the task holds LIMITS.grantsPerTask live grants.
 */
export function giveGrant(d: Draft, step: Step, req: GrantRequest, policy: Policy): Result<void> {
  const { task, ctx } = d;
  if (samePerson(actorOf(ctx), { principal: task.createdBy }, ctx.people)) {
    return fail('FORBIDDEN', `${ctx.actor} created task ${task.id} and may not give grants on it: a grant approves later steps of the task`);
  }
  if (needsStepUp(step.policy)) {
    const issue = { path: ['scope'], message: `step ${step.key} needs step-up (minAuth ${step.policy.minAuth}): each of its kind is decided on its own` };
    return fail('BAD_REQUEST', `no grant from ${step.key}: its rule needs a ${step.policy.minAuth} for every decision, which a grant would skip`, { issues: [issue] });
  }
  if (step.kind === 'clarify') return fail('BAD_REQUEST', 'a question is answered once: no grant on a clarify step', { issues: [{ path: ['scope'], message: 'no grant on a clarify step' }] });
  const matcher = req.grant ?? deriveGrant(step);
  if (!matcher) {
    return fail('BAD_REQUEST', `no grant can be derived from ${step.key} (a ${step.kind} step): pass grant`, { issues: [{ path: ['grant'], message: 'no matcher can be derived from this step' }] });
  }
  const problem = grantMatcherProblem(matcher);
  if (problem !== undefined) return fail('BAD_REQUEST', `grant: ${problem}`, { issues: [{ path: ['grant'], message: problem }] });
  if (!grantMatches(matcher, step)) {
    const where = cwdHint(matcher, step);
    return fail('BAD_REQUEST', `the grant does not match step ${step.key}, which it is given on${where ? `: ${where}` : ''}`, {
      issues: [{ path: where ? ['grant', 'cwd'] : ['grant'], message: where ?? 'must match the approved step' }],
    });
  }
  const grants = task.grants ?? [];
  if (grants.filter((g) => g.revokedAt === undefined).length >= LIMITS.grantsPerTask) {
    return fail('CONFLICT', `task ${task.id} already holds ${LIMITS.grantsPerTask} grants: revoke one first`, { reason: 'too_many_grants' });
  }
  const grant: Grant = {
    id: ctx.newId(),
    taskId: task.id,
    scope: req.scope,
    matcher,
    by: ctx.actor,
    createdAt: ctx.now,
    approvalId: req.approvalId,
    stepId: step.id,
    uses: 0,
    ...(req.scope === 'always' ? { proposalId: ctx.newId() } : {}),
  };
  task.grants = [...grants, grant];
  d.emit(
    'grant.created',
    {
      grantId: grant.id,
      scope: grant.scope,
      matcher,
      by: grant.by,
      approvalId: req.approvalId,
      stepKey: step.key,
      ...(grant.proposalId !== undefined ? { proposalId: grant.proposalId } : {}),
    },
    step.id,
  );
  answerWaiting(d, grant, policy);
  return ok(undefined);
}

/** Why a command matcher misses the step by its directory, in words, when that is the reason (grants.ts binds command grants to the step's cwd). */
function cwdHint(m: GrantMatcher, step: Step): string | undefined {
  if (m.kind !== 'command') return undefined;
  const cwd = typeof step.params.cwd === 'string' ? step.params.cwd : undefined;
  if (m.cwd === undefined && cwd !== undefined) return `the step runs in ${cwd}: a command grant names its directory (add "cwd": ${JSON.stringify(cwd)})`;
  if (m.cwd !== undefined && cwd === undefined) return 'the step has no cwd: a command grant for it names no directory (drop "cwd")';
  // Both name one: the directory is the reason only if the matcher with the step's own would match.
  if (m.cwd !== undefined && cwd !== undefined && grantMatches({ ...m, cwd }, step)) return `the step runs in ${cwd}, the grant names ${m.cwd}`;
  return undefined;
}

/** Steps of the task asking for one approval, with no vote yet, that the new grant matches: approved by it now. */
function answerWaiting(d: Draft, grant: Grant, policy: Policy): void {
  const only = { ...d.task, grants: [grant] };
  for (const s of d.task.steps) {
    if (s.status !== 'awaiting_approval' || !s.approval || s.approvals.length > 0 || deniedBy(policy, s)) continue;
    const asking = { ...s.policy, action: 'ask' as const, requiredApprovals: s.approval.requiredApprovals };
    if (grantFor(only, s, asking, policy) !== grant) continue;
    s.policy = asking;
    applyVerdict(d, s, { grant });
  }
}

/**
 * Revoke a grant of `task`: it approves nothing from now on (steps it already approved
 * stay approved). Revoking a revoked grant changes nothing. NOT_FOUND when the task
 * holds no such grant; CONFLICT when the task has ended.
 */
export function revokeGrant(task: Task, grantId: string, ctx: Ctx): Result<Outcome> {
  const found = (task.grants ?? []).find((g) => g.id === grantId);
  if (!found) return fail('NOT_FOUND', `grant ${grantId} not found`);
  if (found.revokedAt !== undefined) return ok({ task, events: [], touched: [] });
  if (task.status !== 'active') return fail('CONFLICT', `task ${task.id} is ${task.status}: its grants approve nothing more`, { reason: task.status === 'cancelled' ? 'cancelled' : 'finished' });
  const d = new Draft(task, ctx);
  const g = d.task.grants!.find((x) => x.id === grantId)!;
  g.revokedAt = ctx.now;
  g.revokedBy = ctx.actor;
  // No stepId: the step itself does not change (events with a stepId are the step's own).
  d.emit('grant.revoked', { grantId, by: ctx.actor });
  return ok(d.done());
}
