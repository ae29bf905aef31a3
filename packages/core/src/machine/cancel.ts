/** Cancelling a task, and raising its mode ("approve the rest"). */
import { isTerminalStep, type Mode } from '../enums.ts';
import { evaluatePolicy } from '../policy.ts';
import { fail, ok, type Result } from '../result.ts';
import type { Policy } from '../schemas/policy.ts';
import type { Task } from '../schemas/task.ts';
import { Draft, type Ctx, type Outcome } from './draft.ts';
import { applyVerdict } from './plan.ts';
import { settle } from './settle.ts';

export function cancelTask(task: Task, reason: string | undefined, ctx: Ctx): Result<Outcome> {
  if (task.status !== 'active') return fail('CONFLICT', `task ${task.id} is already ${task.status}`, { reason: task.status === 'cancelled' ? 'cancelled' : 'finished' });
  const d = new Draft(task, ctx);
  cancelInDraft(d, reason);
  return ok(d.done());
}

/** Close every open approval, cancel every step not yet terminal, end the task. */
export function cancelInDraft(d: Draft, reason: string | undefined): void {
  const { now, actor } = d.ctx;
  for (const step of d.task.steps) {
    if (!isTerminalStep(step.status)) d.move(step, 'cancelled', { by: actor, ...(reason ? { reason } : {}) });
  }
  d.task.status = 'cancelled';
  d.task.finishedAt = now;
  d.task.cancel = { by: actor, at: now, ...(reason ? { reason } : {}) };
  d.emit('task.cancelled', { by: actor, ...(reason ? { reason } : {}) });
  d.emit('task.finished', { status: 'cancelled' });
}

/**
 * An approver sets the task's mode. The steps still waiting are evaluated again
 * under it: raising to autopilot approves the rest, but deny rules still hold.
 */
export function setMode(task: Task, mode: Mode, policy: Policy, ctx: Ctx): Result<Outcome> {
  if (task.status !== 'active') return fail('CONFLICT', `task ${task.id} is ${task.status}`, { reason: task.status === 'cancelled' ? 'cancelled' : 'finished' });
  const d = new Draft(task, ctx);
  const from = d.task.mode;
  d.task.mode = mode;
  d.emit('task.mode_changed', { from, to: mode, by: ctx.actor });
  for (const step of d.task.steps) {
    if (step.status !== 'awaiting_approval') continue;
    const verdict = evaluatePolicy(policy, step, mode === policy.mode ? undefined : mode);
    if (verdict.action === 'ask') continue;
    step.policy = verdict;
    applyVerdict(d, step, { via: 'mode', mode });
  }
  settle(d);
  return ok(d.done());
}
