/** Cancelling a task: every open approval closed, every unfinished step cancelled. */
import { isTerminalStep } from '../enums.ts';
import { fail, ok, type Result } from '../result.ts';
import type { Task } from '../schemas/task.ts';
import { Draft, type Ctx, type Outcome } from './draft.ts';

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
  d.moveTask('cancelled');
  // A cancelled open task takes no more steps: cancelling ends it (no task.closed: task.cancelled says it).
  delete d.task.open;
  d.task.cancel = { by: actor, at: now, ...(reason ? { reason } : {}) };
  d.emit('task.cancelled', { by: actor, ...(reason ? { reason } : {}) });
  d.emit('task.finished', { status: 'cancelled' });
}
