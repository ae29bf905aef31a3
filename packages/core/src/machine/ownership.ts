/**
 * Who may act on a task they did or did not create (SPEC section 2): the agent that
 * planned a task revises it, appends to it and closes it; an admin may revise any task;
 * a role that may cancel any task (approver, admin) may also cancel or close any task.
 * The object checked these before; they are domain rules, so they live here.
 */
import { can } from '../permissions.ts';
import { fail, type Result } from '../result.ts';
import type { TaskRecord } from '../schemas/task.ts';
import type { Ctx } from './draft.ts';

/** What is being done to the task, for the rule and the refusal's wording. */
export type TaskAct = 'revise' | 'append' | 'cancel' | 'close';

/**
 * Undefined when `ctx.actor` (with `ctx.role`) may do `act` to `task`, else the
 * FORBIDDEN error. A missing role counts as an agent's (the least: only its own tasks).
 */
export function ownershipRefusal(task: Pick<TaskRecord, 'id' | 'createdBy'>, act: TaskAct, ctx: Pick<Ctx, 'actor' | 'role'>): Result<never> | undefined {
  if (task.createdBy === ctx.actor) return undefined;
  const role = ctx.role ?? 'agent';
  switch (act) {
    case 'revise':
      return role === 'admin' ? undefined : fail('FORBIDDEN', `only the agent that planned task ${task.id} may revise it`);
    case 'append':
      return fail('FORBIDDEN', `only ${task.createdBy}, who planned task ${task.id}, may append steps to it`);
    case 'cancel':
      return can(role, 'cancel_any') ? undefined : fail('FORBIDDEN', 'an agent may cancel only its own tasks');
    case 'close':
      return can(role, 'cancel_any') ? undefined : fail('FORBIDDEN', `an agent may close only its own tasks; ${task.id} was planned by ${task.createdBy}`);
  }
}
