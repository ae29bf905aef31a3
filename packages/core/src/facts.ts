/**
 * Facts derived from the domain that every reader shows: votes toward N, who decided,
 * who may still approve, a status's words. The state machine, the web page, the CLI
 * and the SDK all call these, so no client counts or filters by itself and none can
 * disagree with the server (one once showed "0 of 2" after a modify the core counted).
 */
import type { ApprovalOption, Role, StepStatus, TaskStatus } from './enums.ts';
import { decisionRefusal } from './machine/authority.ts';
import { ownPerson, personKey, type PersonOf } from './people.ts';
import { deciderOf, identityText } from './identity.ts';
import type { Policy } from './schemas/policy.ts';
import type { StepDecision, Vote } from './schemas/step.ts';

/** A vote that counts toward requiredApprovals: an approve, or a modify (its author's approval of the new revision). */
export const countsAsApproval = (v: Pick<Vote, 'decision'>): boolean => v.decision === 'approve' || v.decision === 'modify';

/** N-of-M progress of an open approval. */
export type ApprovalProgress = {
  /** One principal per distinct approving person (the first of their votes), in voting order. */
  approvers: string[];
  /** The distinct persons whose vote approves the current revision, in voting order (docs/people.md). */
  persons: string[];
  /** `persons.length`: the votes toward `required`. */
  count: number;
  required: number;
  /** How many more distinct approvals it needs (0 once met). */
  remaining: number;
  /** Whether the approvals reach `required`: the step is approved. */
  met: boolean;
};

/** A vote as the counting reads it: its principal, decision and recorded person. */
export type CountedVote = Pick<Vote, 'principal' | 'decision'> & { person?: string | undefined };

/**
 * Votes toward N (SPEC section 3, N-of-M; issue 15): distinct PERSONS whose vote
 * approves. A vote counts for its recorded `person` (else its principal), resolved
 * through the workspace's current links when `resolve` is given (the server passes it;
 * pages and terminals count with the persons recorded on the votes). Two keys or two
 * channels of one person count once. `votes` is an approval's `votes` (or a step's
 * `approvals`), `required` its `requiredApprovals`.
 */
export function approvalProgress(votes: readonly CountedVote[], required: number, resolve: PersonOf = ownPerson): ApprovalProgress {
  const approvers: string[] = [];
  const persons: string[] = [];
  for (const v of votes) {
    if (!countsAsApproval(v)) continue;
    const person = personKey(v, resolve);
    if (persons.includes(person)) continue;
    persons.push(person);
    approvers.push(v.principal);
  }
  return { approvers, persons, count: persons.length, required, remaining: Math.max(0, required - persons.length), met: persons.length >= required };
}

/** Whether `someone` (a principal with, maybe, its person) has already approved among `votes`: the same person counts once. */
export function hasApproved(someone: { principal: string; person?: string | undefined }, votes: readonly CountedVote[], resolve: PersonOf = ownPerson): boolean {
  const persons = new Set(approvalProgress(votes, 0, resolve).persons);
  return persons.has(personKey(someone, resolve)) || persons.has(resolve(someone.principal));
}

/**
 * The counted approvers of `votes` as people read them: each person's first approving
 * vote with how it proved who they are (`alice · SSO via Slack`, identity.ts), or the
 * bare principal for votes recorded before identities were. In voting order.
 */
export function approverNames(votes: readonly Vote[]): string[] {
  return approvalProgress(votes, 0).approvers.map((principal) => {
    const v = votes.find((x) => x.principal === principal && countsAsApproval(x));
    return v ? identityText(deciderOf(v)) : principal;
  });
}

/**
 * Whether `viewer` can approve this open approval now: it offers `approve` (a question
 * takes an answer instead), the viewer may decide (role, preventSelfApproval by person:
 * see decisionRefusal), and their person has not approved this revision already (a
 * second approve is a CONFLICT). What "approve all" sends, so a batch is never refused
 * for one of these.
 */
export function mayApprove(
  viewer: { principal: string; role: Role; person?: string | undefined; groups?: readonly string[] | undefined },
  approval: { options: readonly ApprovalOption[]; votes: readonly CountedVote[]; requiredApprovals: number; createdBy: string; taskId?: string; group?: string | undefined },
  policy: Pick<Policy, 'preventSelfApproval'>,
): boolean {
  if (!approval.options.includes('approve')) return false;
  // A group quorum: only when the viewer is known to be in the group (the server checks stored groups and delegations too).
  if (approval.group !== undefined && !(viewer.groups ?? []).includes(approval.group)) return false;
  if (decisionRefusal(viewer, { createdBy: approval.createdBy, ...(approval.taskId ? { id: approval.taskId } : {}) }, policy)) return false;
  return !hasApproved(viewer, approval.votes);
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
