/**
 * The executor protocol (SPEC section 5): claim under a lease, heartbeat, complete or
 * fail with the live lease. One approval, one execution: only read and idempotent
 * steps are handed out again after a lost lease; any other step fails instead.
 */
import { fail, ok, type Result } from '../result.ts';
import { addUsage, ZERO_USAGE, type Usage } from '../schemas/common.ts';
import type { Step, StepError } from '../schemas/step.ts';
import type { Task } from '../schemas/task.ts';
import { Draft, type Ctx, type Outcome } from './draft.ts';
import { isClaimable, settle } from './settle.ts';
import { deniedBy } from './deny.ts';
import type { Policy } from '../schemas/policy.ts';

export const isRetrySafe = (step: Pick<Step, 'kind' | 'idempotent'>): boolean => step.kind === 'read' || step.idempotent;

/** The claimer is the calling principal (ctx.actor): only it may heartbeat, complete or fail the lease. */
export type ClaimCommand = { stepIds: string[]; leaseMs: number };

/**
 * Claim the given steps (the shell picks them from claimableSteps, after
 * enforceDenyRules). Each gets a lease id. A step the current policy denies is never
 * handed out, whatever approved it (CONFLICT, reason `denied`): the kill switch holds
 * even if a caller skipped the sweep.
 */
export function claim(task: Task, cmd: ClaimCommand, policy: Policy, ctx: Ctx): Result<Outcome> {
  const d = new Draft(task, ctx);
  for (const id of cmd.stepIds) {
    const step = d.step(id);
    if (!step || !isClaimable(d.task, step)) return fail('CONFLICT', `step ${id} is not claimable`, { reason: 'not_claimable' });
    const denied = deniedBy(policy, step);
    if (denied) return fail('CONFLICT', `step ${step.key} is denied by the policy (${denied.rule}) and is never handed out`, { reason: 'denied' });
    step.attempt += 1;
    step.startedAt = ctx.now;
    step.lease = { leaseId: ctx.newId(), holder: ctx.actor, expiresAt: ctx.now + cmd.leaseMs };
    // The lease id is the executor's proof of the claim: it goes back to the claimer only, never into the log.
    d.move(step, 'executing', { attempt: step.attempt, holder: ctx.actor, leaseExpiresAt: step.lease.expiresAt });
  }
  return ok(d.done());
}

type LeaseCheck = { ok: true; step: Step } | { ok: false; error: ReturnType<typeof fail>['error'] };

/** The step and its lease must be live: a stale or expired lease changes nothing. */
function liveLease(d: Draft, stepId: string, leaseId: string): LeaseCheck {
  const step = d.step(stepId);
  if (!step) return fail('NOT_FOUND', `step ${stepId} not found`);
  if (step.status === 'cancelled' || d.task.status === 'cancelled') return fail('CONFLICT', `task ${d.task.id} was cancelled`, { reason: 'cancelled' });
  if (step.status !== 'executing' || !step.lease || step.lease.leaseId !== leaseId) {
    return fail('CONFLICT', `lease ${leaseId} on step ${step.key} is not live (step is ${step.status})`, { reason: 'lost_lease' });
  }
  if (step.lease.holder !== d.ctx.actor) return fail('CONFLICT', `lease ${leaseId} on step ${step.key} is held by another executor`, { reason: 'lost_lease' });
  if (step.lease.expiresAt <= d.ctx.now) return fail('CONFLICT', `lease ${leaseId} on step ${step.key} has expired`, { reason: 'lease_expired' });
  return { ok: true, step };
}

export type Heartbeat = { cancelled: boolean; leaseExpiresAt?: number };

/** Extend the lease; tells the executor when the task was cancelled. */
export function heartbeat(task: Task, cmd: { stepId: string; leaseId: string; leaseMs: number }, ctx: Ctx): Result<Outcome & { heartbeat: Heartbeat }> {
  const d = new Draft(task, ctx);
  const step = d.step(cmd.stepId);
  if (step && (task.status === 'cancelled' || step.status === 'cancelled')) return ok({ ...d.done(), heartbeat: { cancelled: true } });
  const live = liveLease(d, cmd.stepId, cmd.leaseId);
  if (!live.ok) return live;
  live.step.lease!.expiresAt = ctx.now + cmd.leaseMs;
  d.touch(live.step);
  return ok({ ...d.done(), heartbeat: { cancelled: false, leaseExpiresAt: live.step.lease!.expiresAt } });
}

const withUsage = (task: Task, usage: Usage | undefined): void => {
  if (usage) task.usage = addUsage(task.usage ?? ZERO_USAGE, usage);
};

export function complete(task: Task, cmd: { stepId: string; leaseId: string; output?: unknown; usage?: Usage }, ctx: Ctx): Result<Outcome> {
  const d = new Draft(task, ctx);
  const live = liveLease(d, cmd.stepId, cmd.leaseId);
  if (!live.ok) return live;
  const { step } = live;
  step.result = { ...(cmd.output !== undefined ? { output: cmd.output } : {}), ...(cmd.usage ? { usage: cmd.usage } : {}) };
  withUsage(d.task, cmd.usage);
  d.move(step, 'completed', { attempt: step.attempt, durationMs: ctx.now - (step.startedAt ?? ctx.now), ...(cmd.usage ? { usage: cmd.usage } : {}) });
  settle(d);
  return ok(d.done());
}

/** A failure is final unless the executor says it is retryable and the step is safe to run again. */
export function failStep(task: Task, cmd: { stepId: string; leaseId: string; error: StepError; usage?: Usage }, maxAttempts: number, ctx: Ctx): Result<Outcome> {
  const d = new Draft(task, ctx);
  const live = liveLease(d, cmd.stepId, cmd.leaseId);
  if (!live.ok) return live;
  const { step } = live;
  withUsage(d.task, cmd.usage);
  step.result = { error: cmd.error, ...(cmd.usage ? { usage: cmd.usage } : {}) };
  if (cmd.error.retryable && isRetrySafe(step) && step.attempt < maxAttempts) {
    d.move(step, 'approved', { retry: true, attempt: step.attempt, error: cmd.error });
  } else {
    d.move(step, 'failed', { attempt: step.attempt, error: cmd.error, durationMs: ctx.now - (step.startedAt ?? ctx.now) });
  }
  settle(d);
  return ok(d.done());
}

/**
 * A lease that ran out. A retry-safe step goes back to approved until maxAttempts;
 * any other step fails with lease_expired and is never handed out again.
 */
export function expireLease(d: Draft, step: Step, maxAttempts: number): void {
  if (isRetrySafe(step) && step.attempt < maxAttempts) {
    d.move(step, 'approved', { reason: 'lease_expired', retry: true, attempt: step.attempt });
  } else {
    step.result = { error: { message: 'the lease ran out before the step reported back', code: 'lease_expired', retryable: false } };
    d.move(step, 'failed', { reason: 'lease_expired', attempt: step.attempt });
  }
}
