/**
 * What a decision says while it is held and once it is sent: "Approving “Run the tests”
 * in 4 s", then "Approved “Run the tests”" or "Vote recorded on “Delete the cache”: 1 of
 * 2 approvals" (issue 16 item 1: decisions say what was decided). Pure: decision-words.test.ts.
 */
import { approvalProgress, statusLabel, type DecideResult } from '@greenlight/core';

const HOLDING: Record<string, string> = {
  approve: 'Approving',
  reject: 'Rejecting',
  request_changes: 'Requesting changes on',
  skip: 'Skipping',
  modify: 'Sending modified params for',
  answer: 'Sending the answer to',
  approve_session: 'Approving for this session',
};

/** "Approving “Run the tests”", for a held decision. */
export const holdingText = (decision: string, subject: string): string => `${HOLDING[decision] ?? `Sending ${decision} for`} ${subject}`;

/** A step's title in quotes, for the sentences above. */
export const quoted = (title: string): string => `“${title}”`;

/**
 * What the server did with a sent decision, from its answers: the step's new status, or
 * the vote count while an N-of-M approval waits for more.
 */
export function sentText(subject: string, answers: readonly DecideResult[]): string {
  if (answers.length !== 1) {
    const approved = answers.filter((a) => a.stepStatus !== 'awaiting_approval').length;
    const waiting = answers.length - approved;
    return `Sent for ${subject}: ${approved} decided${waiting > 0 ? `, ${waiting} waiting for more approvals` : ''}.`;
  }
  const a = answers[0]!;
  if (a.stepStatus === 'awaiting_approval') {
    const p = a.step.approval ? approvalProgress(a.step.approvals, a.step.approval.requiredApprovals) : undefined;
    return `Vote recorded on ${subject}${p ? `: ${p.count} of ${p.required} approvals` : ''}; it waits for more.`;
  }
  return `${subject} is now ${statusLabel(a.stepStatus)}.`;
}
