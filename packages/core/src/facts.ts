/**
 * Facts derived from the domain that every reader shows: votes toward N, who decided,
 * who may still approve, a status's words. The state machine, the web page, the CLI
 * and the SDK all call these, so no client counts or filters by itself and none can
 * disagree with the server (one once showed "0 of 2" after a modify the core counted).
 */
import type { ApprovalOption, Role, StepStatus, TaskStatus } from './enums.ts';
import { decisionRefusal } from './machine/authority.ts';
import type { Policy } from './schemas/policy.ts';
import type { StepDecision, Vote } from './schemas/step.ts';

/** A vote that counts toward requiredApprovals: an approve, or a modify (its author's approval of the new revision). */
export const countsAsApproval = (v: Pick<Vote, 'decision'>): boolean => v.decision === 'approve' || v.decision === 'modify';

/** N-of-M progress of an open approval. */
export type ApprovalProgress = {
  /** Distinct principals whose vote approves the current revision, in voting order. */
  approvers: string[];
  /** `approvers.length`: the votes toward `required`. */
  count: number;
  required: number;
  /** How many more distinct approvals it needs (0 once met). */
  remaining: number;
  /** Whether the approvals reach `required`: the step is approved. */
  met: boolean;
};

/**
 * Votes toward N (SPEC section 3, N-of-M): distinct principals whose vote approves;
 * the same principal twice counts once. `votes` is an approval's `votes` (or a step's
 * `approvals`), `required` its `requiredApprovals`.
 */
export function approvalProgress(votes: readonly Pick<Vote, 'principal' | 'decision'>[], required: number): ApprovalProgress {
  const approvers = [...new Set(votes.filter(countsAsApproval).map((v) => v.principal))];
  return { approvers, count: approvers.length, required, remaining: Math.max(0, required - approvers.length), met: approvers.length >= required };
}

/**
 * Whether `viewer` can approve this open approval now: it offers `approve` (a question
 * takes an answer instead), the viewer may decide (role, preventSelfApproval: see
 * decisionRefusal), and has not approved this revision already (a second approve is a
 * CONFLICT). What "approve all" sends, so a batch is never refused for one of these.
 */
export function mayApprove(
  viewer: { principal: string; role: Role },
  approval: { options: readonly ApprovalOption[]; votes: readonly Pick<Vote, 'principal' | 'decision'>[]; requiredApprovals: number; createdBy: string; taskId?: string },
  policy: Pick<Policy, 'preventSelfApproval'>,
): boolean {
  if (!approval.options.includes('approve')) return false;
  if (decisionRefusal(viewer, { createdBy: approval.createdBy, ...(approval.taskId ? { id: approval.taskId } : {}) }, policy)) return false;
  return !approvalProgress(approval.votes, approval.requiredApprovals).approvers.includes(viewer.principal);
}

/**
 * The people behind a decision: its `by` without the policy's, a grant's and the clock's
 * names (`policy:<rule>`, `grant:<id>`, `timeout`). A raised task mode's approval names
 * the person who raised it; a rule's own approval names nobody (nor does a grant's: its
 * reviewer is on the grant and in the event, `grantedBy`).
 */
export const decisionPeople = (d: Pick<StepDecision, 'by'>): string[] => d.by.filter((b) => !b.startsWith('policy:') && !b.startsWith('grant:') && b !== 'timeout');

const STATUS_LABEL: Record<StepStatus | TaskStatus, string> = {
  awaiting_approval: 'awaiting approval',
  changes_requested: 'changes requested',
  approved: 'approved',
  executing: 'executing',
  completed: 'completed',
  failed: 'failed',
  skipped: 'skipped',
  rejected: 'rejected',
  blocked: 'blocked',
  cancelled: 'cancelled',
  active: 'active',
  completed_with_errors: 'completed with errors',
};

/** A step's or task's status in words, as pages and terminals show it. */
export const statusLabel = (status: StepStatus | TaskStatus): string => STATUS_LABEL[status];
