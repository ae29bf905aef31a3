/**
 * One approval's story, open or closed (approvals.get): read off the step's own audit
 * events, because the step row keeps only its latest approval, and a later change (a
 * deny rule at claim time, a new round) overwrites the step's decision. The event that
 * opened the approval names it; the first status change after it closed it; the votes
 * in between are its votes. Pure: the task and the step's events in, the record out.
 */
import { decisionPeople } from '../facts.ts';
import type { ApprovalOutcome, ApprovalRecord } from '../schemas/api.ts';
import type { Event } from '../schemas/event.ts';

/** An event as this reads it: its chain hash plays no part in the story. */
type LoggedEvent = Omit<Event, 'hash'>;
import type { StepDecision, Vote } from '../schemas/step.ts';
import type { Task } from '../schemas/task.ts';
import { approvalView, viewOf } from './approval.ts';

const str = (x: unknown): string | undefined => (typeof x === 'string' ? x : undefined);
const strs = (x: unknown): string[] | undefined => (Array.isArray(x) ? x.filter((v): v is string => typeof v === 'string') : typeof x === 'string' ? [x] : undefined);

type Closing = { status: ApprovalOutcome; decision?: StepDecision; vote?: Vote['decision']; replacedBy?: string; reason?: string; closedBy: string };

/** How the status change `e` closed the approval (SPEC section 3: each decision, deadline, cancel, revision). */
function closing(e: LoggedEvent): Closing {
  const { data } = e;
  const to = str(data.to);
  const by = strs(data.by) ?? [e.actor];
  const at = e.at;
  const feedback = str(data.feedback);
  const extra = { ...(feedback !== undefined ? { feedback } : {}) };
  if (e.type === 'step.revised' || to === 'awaiting_approval') {
    const replacedBy = str(data.approvalId);
    const modifiedBy = e.type === 'step.revised' ? undefined : str(data.modifiedBy);
    return {
      status: 'superseded',
      closedBy: modifiedBy ?? e.actor,
      ...(replacedBy !== undefined ? { replacedBy } : {}),
      // A modify that did not reach N approvals opens a new approval on the new revision.
      ...(modifiedBy !== undefined ? { decision: { decision: 'modify', by: [modifiedBy], at }, vote: 'modify' as const } : {}),
    };
  }
  if (e.type === 'approval.expired') {
    const reason = `no decision before the deadline: ${str(data.defaultOnTimeout) ?? to ?? 'expired'}`;
    return { status: 'expired', closedBy: e.actor, decision: { decision: 'timeout', by: ['timeout'], at, reason } };
  }
  const rule = str(data.rule);
  switch (to) {
    case 'approved': {
      if (data.modified === true) return { status: 'approved', closedBy: e.actor, decision: { decision: 'modify', by, at }, vote: 'modify' };
      // A rule (a task's raised mode) approved it while it was open; `by` names who raised the mode.
      if (rule !== undefined || data.via !== undefined) return { status: 'approved', closedBy: e.actor, decision: { decision: 'policy', by, at, ...(rule !== undefined ? { rule } : {}) } };
      return { status: 'approved', closedBy: e.actor, decision: { decision: 'approve', by, at }, vote: 'approve' };
    }
    case 'rejected': {
      if (rule !== undefined) {
        const reason = str(data.reason);
        return { status: 'rejected', closedBy: e.actor, decision: { decision: 'policy', by, at, rule, ...(reason !== undefined ? { reason } : {}) } };
      }
      return { status: 'rejected', closedBy: e.actor, decision: { decision: 'reject', by, at, ...extra }, vote: 'reject' };
    }
    case 'skipped':
      return { status: 'skipped', closedBy: e.actor, decision: { decision: 'skip', by, at, ...extra }, vote: 'skip' };
    case 'changes_requested':
      return { status: 'changes_requested', closedBy: e.actor, decision: { decision: 'request_changes', by, at, ...extra }, vote: 'request_changes' };
    case 'completed': {
      const answer = str(data.answer);
      return { status: 'answered', closedBy: e.actor, decision: { decision: 'answer', by, at, ...(answer !== undefined ? { answer } : {}) }, vote: 'answer' };
    }
    case 'cancelled': {
      const reason = str(data.reason);
      return { status: 'cancelled', closedBy: str(data.by) ?? e.actor, ...(reason !== undefined ? { reason } : {}) };
    }
    default: {
      // blocked: a dependency failed while it asked (nothing else moves an asking step).
      const reason = str(data.reason);
      return { status: 'blocked', closedBy: e.actor, ...(reason !== undefined ? { reason } : {}) };
    }
  }
}

/**
 * The record of approval `approvalId` of step `stepId` of `task`, from `events`: that
 * step's audit events in order (seq ascending). Undefined when the events hold no
 * opening of it (not this step's approval).
 */
export function approvalRecord(task: Task, stepId: string, approvalId: string, events: readonly LoggedEvent[]): ApprovalRecord | undefined {
  const step = task.steps.find((s) => s.id === stepId);
  if (!step) return undefined;
  const start = events.findIndex((e) => e.stepId === stepId && e.data.to === 'awaiting_approval' && e.data.approvalId === approvalId);
  if (start < 0) return undefined;
  const opened = events[start]!;
  const revision = typeof opened.data.revision === 'number' ? opened.data.revision : step.revision;
  const asked = step.history.find((h) => h.revision === revision);
  const paramsHash = asked?.paramsHash ?? step.paramsHash;
  const votes: Vote[] = [];
  // A modify that opened this approval is its author's vote on it already.
  const modifiedBy = str(opened.data.modifiedBy);
  if (modifiedBy !== undefined) votes.push({ principal: modifiedBy, decision: 'modify', at: opened.at });
  let closed: { event: LoggedEvent; how: Closing } | undefined;
  for (const e of events.slice(start + 1)) {
    if (e.stepId !== stepId) continue;
    if (e.type === 'approval.voted' && e.data.approvalId === approvalId) {
      const principal = str(e.data.principal);
      if (principal !== undefined) votes.push({ principal, decision: 'approve', at: e.at });
      continue;
    }
    if (typeof e.data.to === 'string') {
      closed = { event: e, how: closing(e) };
      break;
    }
  }
  const base = { approvalId, taskId: task.id, stepId, revision, paramsHash, requestedAt: opened.at, stepStatus: step.status, taskStatus: task.status };
  if (!closed) {
    const view = step.approval?.id === approvalId ? approvalView(task, step) : undefined;
    return { ...base, status: 'open', decidedBy: [], votes: view?.votes ?? votes, ...(view ? { approval: view } : {}) };
  }
  const { event, how } = closed;
  // The decision that closed it was a vote too (the last approve, a reject, a modify...): cast by the caller.
  if (how.vote !== undefined) votes.push({ principal: event.actor, decision: how.vote, at: event.at });
  const view = step.approval?.id === approvalId ? viewOf(task, step, step.approval, { revision, params: asked?.params ?? step.params, paramsHash, votes }) : undefined;
  return {
    ...base,
    status: how.status,
    closedAt: event.at,
    closedBy: how.closedBy,
    ...(how.decision ? { decision: how.decision } : {}),
    decidedBy: how.decision ? decisionPeople(how.decision) : [],
    votes,
    ...(how.replacedBy !== undefined ? { replacedBy: how.replacedBy } : {}),
    ...(how.reason !== undefined ? { reason: how.reason } : {}),
    ...(view ? { approval: view } : {}),
  };
}
