/**
 * Reminders, escalations and group quorums (issue 15 item 6, docs/people.md). Pure: when
 * a reminder or an escalation of an open approval is due, applying one (once: it is
 * marked sent on the approval, so an alarm that fires twice sends nothing more), and
 * whether a caller may approve a step whose rule asks a group.
 */
import { fail, type Result } from '../result.ts';
import type { OpenApproval, Step } from '../schemas/step.ts';
import type { PolicyVerdict } from '../schemas/policy.ts';
import type { Ctx, Draft } from './draft.ts';

/** The reminder and escalation times a verdict gives an approval opened at `now` (epoch ms). */
export function nudgesFor(v: Pick<PolicyVerdict, 'remindAfterSeconds' | 'escalateAfterSeconds' | 'escalateTo' | 'group'>, now: number): Partial<OpenApproval> {
  return {
    ...(v.group !== undefined ? { group: v.group } : {}),
    ...(v.remindAfterSeconds !== undefined ? { remindAt: now + v.remindAfterSeconds * 1000 } : {}),
    ...(v.escalateAfterSeconds !== undefined && v.escalateTo !== undefined ? { escalateAt: now + v.escalateAfterSeconds * 1000, escalateTo: v.escalateTo } : {}),
  };
}

/** A reminder or an escalation an open approval still owes, and when. */
export type Nudge = { kind: 'remind' | 'escalate'; at: number };

/**
 * The earliest nudge `a` has not sent yet, if any (a reminder before an escalation due
 * at the same moment). Each is sent at most once: `remindedAt`/`escalatedAt` say it was.
 */
export function pendingNudge(a: Pick<OpenApproval, 'remindAt' | 'remindedAt' | 'escalateAt' | 'escalatedAt' | 'escalateTo'>): Nudge | undefined {
  const remind = a.remindAt !== undefined && a.remindedAt === undefined ? a.remindAt : undefined;
  const escalate = a.escalateAt !== undefined && a.escalatedAt === undefined && a.escalateTo !== undefined ? a.escalateAt : undefined;
  if (remind !== undefined && (escalate === undefined || remind <= escalate)) return { kind: 'remind', at: remind };
  return escalate !== undefined ? { kind: 'escalate', at: escalate } : undefined;
}

/**
 * Send `nudge` for the step's open approval at `d.ctx.now`: mark it sent and emit
 * `approval.reminded` or `approval.escalated` (webhooks deliver both). The step stays
 * open; nothing else changes.
 */
export function applyNudge(d: Draft, step: Step, nudge: Nudge): void {
  const a = step.approval!;
  d.touch(step);
  if (nudge.kind === 'remind') {
    a.remindedAt = d.ctx.now;
    d.emit('approval.reminded', { approvalId: a.id, taskId: d.task.id, stepId: step.id }, step.id);
  } else {
    a.escalatedAt = d.ctx.now;
    d.emit('approval.escalated', { approvalId: a.id, group: a.escalateTo! }, step.id);
  }
}

/**
 * How the caller stands toward a group (the shell answers from its groups table, the
 * caller's sign-in claims and live delegations): a member, a delegate of a member
 * (`onBehalfOf` names them), or neither (undefined).
 */
export type Membership = { onBehalfOf?: string | undefined };
export type MemberOf = (group: string) => Membership | undefined;

/**
 * Whether the caller may approve (or modify) an approval that asks a group: members and
 * their live delegates only; FORBIDDEN `not_in_group` otherwise. Without a lookup (no
 * groups known) nobody is a member: fail closed. Undefined error: allowed, with the
 * delegator when the caller acts on someone's behalf.
 */
export function groupStanding(a: Pick<OpenApproval, 'group'>, ctx: Pick<Ctx, 'actor' | 'memberOf'>): Result<Membership> {
  if (a.group === undefined) return { ok: true, value: {} };
  const m = ctx.memberOf?.(a.group);
  if (!m) return fail('FORBIDDEN', `${ctx.actor} is not in group ${a.group}, whose members approve this step (nor a live delegate of one)`, { reason: 'not_in_group' });
  return { ok: true, value: m };
}
