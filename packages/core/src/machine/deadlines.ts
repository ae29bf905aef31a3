/**
 * Time-driven transitions: expired leases and expired approvals. The object's alarm
 * calls this, and so does every operation on a task before it acts, so a late or
 * doubled alarm changes nothing: what is due is applied once, what is not stays.
 */
import type { Task } from '../schemas/task.ts';
import { expireApproval } from './decide.ts';
import { Draft, type Ctx, type Outcome } from './draft.ts';
import { expireLeasesInDraft } from './execute.ts';
import { settle } from './settle.ts';

export function applyDeadlines(task: Task, maxAttempts: number, ctx: Ctx): Outcome | undefined {
  const next = nextDeadline(task);
  if (task.status !== 'active' || next === undefined || next > ctx.now) return undefined;
  const d = new Draft(task, ctx);
  expireLeasesInDraft(d, maxAttempts);
  for (const step of d.task.steps) {
    if (d.task.status !== 'active') break;
    const a = step.approval;
    if (step.status === 'awaiting_approval' && a?.expiresAt !== undefined && a.expiresAt <= ctx.now) expireApproval(d, step, a.defaultOnTimeout);
  }
  settle(d);
  return d.done();
}

/** The earliest lease or approval deadline of a task, for the object's alarm. */
export function nextDeadline(task: Task): number | undefined {
  let next: number | undefined;
  for (const s of task.steps) {
    const t = s.status === 'executing' ? s.lease?.expiresAt : s.status === 'awaiting_approval' ? s.approval?.expiresAt : undefined;
    if (t !== undefined && (next === undefined || t < next)) next = t;
  }
  return next;
}
