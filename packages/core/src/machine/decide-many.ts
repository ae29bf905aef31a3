/** decideMany: several decisions, possibly across tasks, all or nothing. */
import { fail, ok, type Result } from '../result.ts';
import type { Policy } from '../schemas/policy.ts';
import type { Task } from '../schemas/task.ts';
import { decideInDraft, type DecideCommand } from './decide.ts';
import { Draft, type Ctx, type Outcome } from './draft.ts';
import { settle } from './settle.ts';

/** `tasks` must hold the task of every item; the first failing item fails the whole batch. */
export function decideMany(tasks: Task[], items: (DecideCommand & { taskId: string })[], policy: Policy, ctx: Ctx): Result<Outcome[]> {
  const drafts = new Map<string, Draft>();
  const seen = new Set<string>();
  for (const [index, item] of items.entries()) {
    if (seen.has(item.approvalId)) return fail('BAD_REQUEST', `items[${index}]: approval ${item.approvalId} appears twice in the batch`);
    seen.add(item.approvalId);
    const task = tasks.find((t) => t.id === item.taskId);
    if (!task) return fail('NOT_FOUND', `items[${index}]: approval ${item.approvalId} not found`);
    let d = drafts.get(task.id);
    if (!d) drafts.set(task.id, (d = new Draft(task, ctx)));
    const r = decideInDraft(d, item, policy);
    if (!r.ok) return fail(r.error.code, `items[${index}]: ${r.error.message}`, r.error.reason ? { reason: r.error.reason } : {});
  }
  return ok(
    [...drafts.values()].map((d) => {
      settle(d);
      return d.done();
    }),
  );
}
