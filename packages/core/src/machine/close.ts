/**
 * Closing an open task (SPEC section 11): it takes no more steps, and from then on its
 * status is derived as for every task (settle): still active while a step is unfinished,
 * then completed, completed_with_errors or failed. Closing twice changes nothing.
 */
import type { CloseReason } from '../enums.ts';
import { DEFAULT_SESSION_IDLE_SECONDS } from '../limits.ts';
import { ok, type Result } from '../result.ts';
import type { Policy } from '../schemas/policy.ts';
import type { Task } from '../schemas/task.ts';
import { Draft, type Ctx, type Outcome } from './draft.ts';
import { ownershipRefusal } from './ownership.ts';
import { settle } from './settle.ts';

/**
 * Close `task`: by its creator or a role that may cancel any task (`closed`), or by the
 * alarm (`idle`). A task that is not open is answered as it is, with no event
 * (idempotent). Errors: FORBIDDEN for another agent.
 */
export function closeTask(task: Task, reason: CloseReason, ctx: Ctx): Result<Outcome> {
  if (reason === 'closed') {
    const refused = ownershipRefusal(task, 'close', ctx);
    if (refused) return refused;
  }
  if (task.open !== true) return ok({ task, events: [], touched: [] });
  const d = new Draft(task, ctx);
  delete d.task.open;
  d.task.closed = { at: ctx.now, by: ctx.actor, reason };
  d.emit('task.closed', { by: ctx.actor, reason });
  settle(d);
  return ok(d.done());
}

/** How long an open task may see no change before the alarm closes it, in ms (policy.limits.sessionIdleSeconds). */
export const sessionIdleMs = (policy: Pick<Policy, 'limits'>): number => (policy.limits?.sessionIdleSeconds ?? DEFAULT_SESSION_IDLE_SECONDS) * 1000;

/** When the alarm closes an open task: its last change plus the idle time; undefined when it is not open. */
export const idleCloseAt = (task: Pick<Task, 'open' | 'updatedAt'>, policy: Pick<Policy, 'limits'>): number | undefined => (task.open === true ? task.updatedAt + sessionIdleMs(policy) : undefined);
