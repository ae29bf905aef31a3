/**
 * The page's words for facts the core derives (approvalProgress, decisionRefusal,
 * mayApprove, decisionPeople): the page never counts votes or judges authority itself.
 */
import { approvalProgress, approverNames, decisionPeople, decisionRefusal, mayApprove, type Approval, type StepDecision } from '@greenlight/core';
import type { Viewer } from './viewer.ts';

/**
 * "1 of 2 approvals (alice · SSO via Slack)." for an approval that needs more than one;
 * undefined otherwise. Persons are counted by the core; each is shown with how their vote
 * proved who they are (identityText), or by principal for votes recorded before that.
 */
export function votesText(a: Pick<Approval, 'votes' | 'requiredApprovals'> & { group?: string | undefined }): string | undefined {
  if (a.requiredApprovals <= 1 && a.group === undefined) return undefined;
  const p = approvalProgress(a.votes, a.requiredApprovals);
  const who = approverNames(a.votes);
  const from = a.group !== undefined ? ` from group ${a.group}` : '';
  return `${p.count} of ${p.required} approvals${from}${p.count > 0 ? ` (${who.join(', ')})` : ''}.`;
}

/** Why the viewer cannot decide this approval, or undefined (also while the viewer is unknown). */
export const refusalText = (viewer: Viewer | undefined, a: Pick<Approval, 'createdBy' | 'taskId'>): string | undefined =>
  viewer ? decisionRefusal(viewer, { id: a.taskId, createdBy: a.createdBy }, viewer.policy) : undefined;

/** What "approve all" sends: approvals the viewer may approve now (all that offer approve while the viewer is unknown). */
export const approvableBy = (viewer: Viewer | undefined, approvals: Approval[]): Approval[] => approvals.filter((a) => (viewer ? mayApprove(viewer, a, viewer.policy) : a.options.includes('approve')));

/** " by alice" when people stand behind a decision, "" when only the policy or the clock does. */
export function peopleText(d: Pick<StepDecision, 'by'>): string {
  const people = decisionPeople(d);
  return people.length > 0 ? ` by ${people.join(', ')}` : '';
}

/**
 * Why an approval must not ride along in "approve all" without its own confirmation
 * (issue 16 item 1): high risk, more than one approval needed (N-of-M). Empty when a
 * batch may include it. Each reason is a short phrase for the confirmation's list.
 */
export function confirmReasons(a: Pick<Approval, 'risk' | 'requiredApprovals'>): string[] {
  const reasons: string[] = [];
  // The server's risk (h/review's risk.ts), the same value the server checks decideMany's confirm list against.
  if (a.risk.level === 'high') reasons.push(`high risk: ${a.risk.reason}`);
  if (a.requiredApprovals > 1) reasons.push(`needs ${a.requiredApprovals} approvals`);
  return reasons;
}
