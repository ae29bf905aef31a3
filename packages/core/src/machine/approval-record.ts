/**
 * One approval's story, open or closed (approvals.get): read off the step's own audit
 * events, because the step row keeps only its latest approval, and a later change (a
 * deny rule at claim time, a new round) overwrites the step's decision. The event that
 * opened the approval names it; the first status change after it closed it; the votes
 * in between are its votes. Pure: the task and the step's events in, the record out.
 */
import { decisionPeople } from '../facts.ts';
import { decidersFromEvent, identityFields } from '../identity.ts';
import type { ApprovalOutcome, ApprovalRecord } from '../schemas/api.ts';
import { approvalOpened, isStepMove, type StepMoveEvent, type UnhashedEvent } from '../schemas/event.ts';
import type { StepDecision, Vote } from '../schemas/step.ts';
import type { Task } from '../schemas/task.ts';
import { approvalView, viewOf } from './approval.ts';

/** An event as this reads it: its chain hash plays no part in the story. */
type LoggedEvent = UnhashedEvent;

type Closing = {
  status: ApprovalOutcome;
  decision?: StepDecision;
  vote?: Vote['decision'];
  replacedBy?: string;
  reason?: string;
  closedBy: string;
  /** The people behind it, when the decision's `by` names none (a grant: its reviewer). */
  people?: string[];
};

const withFeedback = (feedback: string | undefined) => (feedback !== undefined ? { feedback } : {});

/** How the status change `e` closed the approval (SPEC section 3: each decision, deadline, cancel, revision). */
function closing(e: StepMoveEvent): Closing {
  const { at } = e;
  // Who decided as the event names them; the actor when it names nobody.
  const people = (by: string | string[] | undefined): string[] => (by === undefined ? [e.actor] : [by].flat());
  switch (e.type) {
    case 'step.revised':
    case 'approval.requested': {
      const replacedBy = approvalOpened(e);
      const modifiedBy = e.type === 'approval.requested' ? e.data.modifiedBy : undefined;
      return {
        status: 'superseded',
        closedBy: modifiedBy ?? e.actor,
        ...(replacedBy !== undefined ? { replacedBy } : {}),
        // A modify that did not reach N approvals opens a new approval on the new revision.
        ...(modifiedBy !== undefined ? { decision: { decision: 'modify', by: [modifiedBy], at }, vote: 'modify' as const } : {}),
      };
    }
    case 'approval.expired': {
      const reason = `no decision before the deadline: ${e.data.defaultOnTimeout}`;
      return { status: 'expired', closedBy: e.actor, decision: { decision: 'timeout', by: ['timeout'], at, reason } };
    }
    case 'step.approved': {
      const { by, rule, via, modified, grant, grantedBy } = e.data;
      // A new grant of the task answered it (machine/give-grant.ts): approved as grant:<id>, given by its reviewer.
      if (grant !== undefined) {
        const name = `grant:${grant}`;
        return { status: 'approved', closedBy: e.actor, decision: { decision: 'policy', by: [name], at, rule: name }, ...(grantedBy !== undefined ? { people: [grantedBy] } : {}) };
      }
      if (modified === true) return { status: 'approved', closedBy: e.actor, decision: { decision: 'modify', by: people(by), at }, vote: 'modify' };
      // A rule (a task's raised mode) approved it while it was open; `by` names who raised the mode.
      if (rule !== undefined || via !== undefined) return { status: 'approved', closedBy: e.actor, decision: { decision: 'policy', by: people(by), at, ...(rule !== undefined ? { rule } : {}) } };
      return { status: 'approved', closedBy: e.actor, decision: { decision: 'approve', by: people(by), at }, vote: 'approve' };
    }
    case 'step.rejected': {
      const { by, rule, reason, feedback } = e.data;
      if (rule !== undefined) {
        return { status: 'rejected', closedBy: e.actor, decision: { decision: 'policy', by: people(by), at, rule, ...(reason !== undefined ? { reason } : {}) } };
      }
      return { status: 'rejected', closedBy: e.actor, decision: { decision: 'reject', by: people(by), at, ...withFeedback(feedback) }, vote: 'reject' };
    }
    case 'step.skipped':
      return { status: 'skipped', closedBy: e.actor, decision: { decision: 'skip', by: people(e.data.by), at, ...withFeedback(e.data.feedback) }, vote: 'skip' };
    case 'step.changes_requested':
      return { status: 'changes_requested', closedBy: e.actor, decision: { decision: 'request_changes', by: people(e.data.by), at, ...withFeedback(e.data.feedback) }, vote: 'request_changes' };
    case 'step.completed': {
      const { answer } = e.data;
      return { status: 'answered', closedBy: e.actor, decision: { decision: 'answer', by: people(e.data.by), at, ...(answer !== undefined ? { answer } : {}) }, vote: 'answer' };
    }
    case 'step.cancelled': {
      const { reason } = e.data;
      return { status: 'cancelled', closedBy: e.data.by, ...(reason !== undefined ? { reason } : {}) };
    }
    case 'step.blocked':
    case 'step.claimed':
    case 'step.failed': {
      // blocked: a dependency failed while it asked (nothing else moves an asking step).
      const reason = e.type === 'step.claimed' ? undefined : e.data.reason;
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
  const start = events.findIndex((e) => e.stepId === stepId && approvalOpened(e) === approvalId);
  const opened = events[start];
  if (!opened || !isStepMove(opened)) return undefined;
  const { revision } = opened.data;
  const asked = step.history.find((h) => h.revision === revision);
  const paramsHash = asked?.paramsHash ?? step.paramsHash;
  const votes: Vote[] = [];
  // A modify that opened this approval is its author's vote on it already.
  const modifiedBy = opened.type === 'approval.requested' ? opened.data.modifiedBy : undefined;
  if (modifiedBy !== undefined) votes.push({ principal: modifiedBy, decision: 'modify', at: opened.at });
  let closed: { event: StepMoveEvent; how: Closing } | undefined;
  for (const e of events.slice(start + 1)) {
    if (e.stepId !== stepId) continue;
    if (e.type === 'approval.voted' && e.data.approvalId === approvalId) {
      votes.push({ principal: e.data.principal, decision: 'approve', at: e.at, ...identityFields(e.data) });
      continue;
    }
    if (isStepMove(e)) {
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
  if (how.vote !== undefined) votes.push({ principal: event.actor, decision: how.vote, at: event.at, ...identityFields(event.data) });
  // Who decided and how they proved it, as the closing event recorded (issue 15).
  const deciders = how.decision && how.vote !== undefined ? decidersFromEvent(event.data, how.decision.by) : undefined;
  const view = step.approval?.id === approvalId ? viewOf(task, step, step.approval, { revision, params: asked?.params ?? step.params, paramsHash, votes }) : undefined;
  return {
    ...base,
    status: how.status,
    closedAt: event.at,
    closedBy: how.closedBy,
    ...(how.decision ? { decision: { ...how.decision, ...(deciders ? { deciders } : {}) } } : {}),
    decidedBy: how.people ?? (how.decision ? decisionPeople(how.decision) : []),
    votes,
    ...(how.replacedBy !== undefined ? { replacedBy: how.replacedBy } : {}),
    ...(how.reason !== undefined ? { reason: how.reason } : {}),
    ...(view ? { approval: view } : {}),
  };
}
