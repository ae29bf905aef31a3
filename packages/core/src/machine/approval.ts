/** Opening an approval request on a step's current revision, and the view a reviewer gets. */
import { CHECKPOINT_OF, type ApprovalOption } from '../enums.ts';
import type { Approval } from '../schemas/approval.ts';
import type { OpenApproval, Step, Vote } from '../schemas/step.ts';
import type { Task, TaskRecord } from '../schemas/task.ts';
import type { EventData } from '../schemas/event.ts';
import type { Draft } from './draft.ts';
import { nudgesFor } from './nudges.ts';

/** Why an approval is asked for, added to its event: the rule, a modify short of N, a changed dependency. */
export type ApprovalCause = Partial<Pick<EventData<'approval.requested'>, 'rule' | 'reason' | 'modifiedBy' | 'paramsHash'>>;

/** Ask for a decision on the step's current revision: a fresh approval id, no votes. */
export function requestApproval(d: Draft, step: Step, data: ApprovalCause = {}, type?: 'step.revised'): void {
  const { now } = d.ctx;
  const v = step.policy;
  step.approvals = [];
  delete step.decision;
  step.approval = {
    id: d.ctx.newId(),
    requestedAt: now,
    requiredApprovals: v.requiredApprovals,
    // Nobody can approve an answer into existence: an unanswered question is skipped instead.
    defaultOnTimeout: step.kind === 'clarify' && v.defaultOnTimeout === 'approve' ? 'skip' : v.defaultOnTimeout,
    ...(v.timeoutSeconds !== undefined ? { expiresAt: now + v.timeoutSeconds * 1000 } : {}),
    ...nudgesFor(v, now),
  };
  // The risk goes into the event too: the audit log and webhooks carry the value the reviewer saw.
  d.move(step, 'awaiting_approval', { approvalId: step.approval.id, ...data, risk: step.policy.risk }, type);
}

const CLARIFY_OPTIONS: ApprovalOption[] = ['submit', 'cancel'];
const CHANGE_OPTIONS: ApprovalOption[] = ['approve', 'request_changes', 'reject', 'modify', 'skip'];

/** The inbox's view of the step's open approval; undefined when none is open. */
export function approvalView(task: TaskRecord, step: Step): Approval | undefined {
  const a = step.approval;
  if (step.status !== 'awaiting_approval' || !a) return undefined;
  return viewOf(task, step, a, { revision: step.revision, params: step.params, paramsHash: step.paramsHash, votes: step.approvals });
}

/**
 * The view of approval `a` of `step`, about one revision's params, with these votes:
 * approvalView for the open one, approvalRecord for one that has closed.
 */
export function viewOf(task: TaskRecord, step: Step, a: OpenApproval, about: { revision: number; params: Record<string, unknown>; paramsHash: string; votes: Vote[] }): Approval {
  const clarify = step.kind === 'clarify';
  const placeholder = clarify && typeof step.params.placeholder === 'string' ? step.params.placeholder : undefined;
  return {
    approvalId: a.id,
    taskId: task.id,
    taskTitle: task.title,
    stepId: step.id,
    stepKey: step.key,
    revision: about.revision,
    kind: step.kind,
    checkpoint: CHECKPOINT_OF[step.kind],
    title: step.title,
    ...(step.explanation !== undefined ? { explanation: step.explanation } : {}),
    risk: step.policy.risk,
    ...(step.risk !== undefined ? { declaredRisk: step.risk } : {}),
    ...(step.policy.minAuth !== undefined ? { minAuth: step.policy.minAuth } : {}),
    ...(step.policy.oneClick === true ? { oneClick: true } : {}),
    params: about.params,
    paramsHash: about.paramsHash,
    options: clarify ? CLARIFY_OPTIONS : CHANGE_OPTIONS,
    requiresTextInput: clarify,
    ...(placeholder !== undefined ? { inputPlaceholder: placeholder } : {}),
    requiredApprovals: a.requiredApprovals,
    ...(a.group !== undefined ? { group: a.group } : {}),
    votes: about.votes,
    requestedAt: a.requestedAt,
    ...(a.expiresAt !== undefined ? { expiresAt: a.expiresAt } : {}),
    defaultOnTimeout: a.defaultOnTimeout,
    createdBy: task.createdBy,
    ...(step.context !== undefined ? { context: step.context } : {}),
    ...(step.waitUntil !== undefined ? { waitUntil: step.waitUntil } : {}),
  };
}

export const openApprovals = (task: Task): Approval[] =>
  task.steps.flatMap((s) => {
    const a = approvalView(task, s);
    return a ? [a] : [];
  });
