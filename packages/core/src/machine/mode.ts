/**
 * Setting a task's mode (tasks.setMode). Raising it is an approval of the rest of the
 * task ("approve the rest"): the steps still waiting are evaluated again under the new
 * mode and later revisions are judged under it, so it is given in a person's name and
 * refused to the task's creator while preventSelfApproval holds. Deny rules still hold.
 */
import type { Mode } from '../enums.ts';
import { fail, ok, type Result } from '../result.ts';
import type { Policy } from '../schemas/policy.ts';
import type { Task } from '../schemas/task.ts';
import { raisesMode, selfApprovalRefusal, verdictForTask } from './authority.ts';
import { actorOf, Draft, type Ctx, type Outcome } from './draft.ts';
import { applyVerdict } from './plan.ts';
import { settle } from './settle.ts';

/**
 * `ctx.actor` (an approver or admin principal) sets the task's mode. Errors: CONFLICT
 * when the task is finished or cancelled; FORBIDDEN when the actor created the task,
 * the mode goes up and preventSelfApproval holds (nothing changes). Lowering or
 * keeping the mode is never an approval, so the creator may do that.
 */
export function setMode(task: Task, mode: Mode, policy: Policy, ctx: Ctx): Result<Outcome> {
  if (task.status !== 'active') return fail('CONFLICT', `task ${task.id} is ${task.status}`, { reason: task.status === 'cancelled' ? 'cancelled' : 'finished' });
  if (raisesMode(task.mode, mode)) {
    const refused = selfApprovalRefusal(task, actorOf(ctx), policy, ctx.people);
    if (refused) return { ok: false, error: { ...refused, message: `${refused.message}: raising the task's mode approves the rest of it` } };
  }
  const d = new Draft(task, ctx);
  const from = d.task.mode;
  d.task.mode = mode;
  d.task.modeSetBy = ctx.actor;
  d.emit('task.mode_changed', { from, to: mode, by: ctx.actor });
  for (const step of d.task.steps) {
    if (step.status !== 'awaiting_approval') continue;
    const { verdict, backer } = verdictForTask(d.task, step, policy);
    if (verdict.action === 'ask') continue;
    step.policy = verdict;
    applyVerdict(d, step, { data: { mode }, backer });
  }
  settle(d);
  return ok(d.done());
}
