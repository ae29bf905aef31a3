/**
 * How the approval's options (core's ApprovalOption) map to buttons: the decision
 * each sends, its label and its key. Clarify steps offer submit (an answer) and
 * cancel, which rejects the step.
 */
import type { ApprovalOption, Decision } from '@greenlight/core';

export type OptionUi = { decision: Decision; label: string; key?: string; tone: 'go' | 'stop' | 'neutral' };

export const OPTION_UI: Record<ApprovalOption, OptionUi> = {
  approve: { decision: 'approve', label: 'Approve', key: 'a', tone: 'go' },
  request_changes: { decision: 'request_changes', label: 'Request changes', key: 'c', tone: 'neutral' },
  reject: { decision: 'reject', label: 'Reject', key: 'r', tone: 'stop' },
  modify: { decision: 'modify', label: 'Modify…', key: 'm', tone: 'neutral' },
  skip: { decision: 'skip', label: 'Skip', key: 's', tone: 'neutral' },
  submit: { decision: 'answer', label: 'Send answer', tone: 'go' },
  cancel: { decision: 'reject', label: 'Cancel (reject)', key: 'r', tone: 'stop' },
};

/** The shortcuts of the help dialog, in one list with the buttons' keys. */
export const HELP: [string, string][] = [
  ['j / k', 'next / previous approval'],
  ['a', 'approve'],
  ['c', 'request changes (type feedback first)'],
  ['r', 'reject (or cancel a question)'],
  ['s', 'skip'],
  ['m', 'modify the params as JSON'],
  ['u', 'undo the latest decision while it is held (5 s unless set below)'],
  ['o', 'open the approval’s task (inbox)'],
  ['i', 'back to the inbox (task page)'],
  ['Ctrl+Enter', 'send the feedback, answer or modified params you are typing'],
  ['Esc', 'leave a field / close this help'],
  ['?', 'show this help'],
];
