/**
 * Time-driven transitions: expired leases and expired approvals. The object's alarm
 * calls this, and so does every operation on a task before it acts. Deadlines are
 * applied one at a time in the order they fell due, each at its own time, so a late
 * or doubled alarm reaches exactly the state timely alarms would have.
 */
import type { Step } from '../schemas/step.ts';
import type { Task } from '../schemas/task.ts';
import { expireApproval } from './decide.ts';
import { Draft, type Ctx, type Outcome } from './draft.ts';
import { expireLease } from './execute.ts';
import { settle } from './settle.ts';
import { applyNudge, pendingNudge } from './nudges.ts';

/**
 * The deadline a step is waiting on: its lease while executing; while asking, the
 * earlier of its approval's expiry and the reminder or escalation it still owes
 * (nudges.ts), so the alarm wakes for each.
 */
export function stepDeadline(s: Step): number | undefined {
  if (s.status === 'executing') return s.lease?.expiresAt;
  if (s.status !== 'awaiting_approval' || !s.approval) return undefined;
  const nudge = pendingNudge(s.approval)?.at;
  const expires = s.approval.expiresAt;
  return nudge === undefined ? expires : expires === undefined ? nudge : Math.min(nudge, expires);
}

/** The earliest lease or approval deadline of a task, for the object's alarm. */
export function nextDeadline(task: Task): number | undefined {
  let next: number | undefined;
  for (const s of task.steps) {
    const t = stepDeadline(s);
    if (t !== undefined && (next === undefined || t < next)) next = t;
  }
  return next;
}

export function applyDeadlines(task: Task, maxAttempts: number, ctx: Ctx): Outcome | undefined {
  let current = task;
  const events: Outcome['events'] = [];
  const touched = new Set<string>();
  for (;;) {
    const at = nextDeadline(current);
    if (current.status !== 'active' || at === undefined || at > ctx.now) break;
    const d = new Draft(current, { ...ctx, now: at });
    const step = d.task.steps.find((s) => stepDeadline(s) === at)!;
    const nudge = step.status === 'awaiting_approval' ? pendingNudge(step.approval!) : undefined;
    if (step.status === 'executing') expireLease(d, step, maxAttempts);
    // A reminder or escalation due no later than the expiry goes first; the approval stays open.
    else if (nudge !== undefined && nudge.at === at) applyNudge(d, step, nudge);
    else expireApproval(d, step, step.approval!.defaultOnTimeout);
    settle(d);
    const o = d.done();
    events.push(...o.events);
    for (const id of o.touched) touched.add(id);
    current = o.task;
  }
  return events.length > 0 ? { task: current, events, touched: [...touched] } : undefined;
}
