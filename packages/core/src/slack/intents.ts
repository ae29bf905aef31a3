/**
 * Which events Slack hears about, and what each asks for: a new message (an approval
 * opened, a reminder, an escalation) or an update of the messages already posted for a
 * step (a vote, a decision, an expiry, a cancel: anything that moves the step out of
 * awaiting_approval). Pure; the object queues these in the event's own transaction.
 *
 * Reminders and escalations are matched by type name and read loosely (`approvalId`,
 * `group`), so events another part adds later are posted as soon as they exist.
 */
import { approvalOpened, isStepMove, type EventContent } from '../schemas/event.ts';
import type { SlackNote } from './message.ts';

/** What one event asks of Slack. */
export type SlackIntent = { kind: 'post'; approvalId: string; note: SlackNote } | { kind: 'update'; stepId: string };

/** Event types that post the approval again with a note, by the name they carry. */
export const SLACK_REPOST_EVENTS = ['approval.reminded', 'approval.escalated'] as const;

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);

/** The Slack work an event calls for, in order: none for most events. */
export function slackIntentsOf(e: EventContent): SlackIntent[] {
  const out: SlackIntent[] = [];
  const data: Record<string, unknown> = e.data;
  const type: string = e.type;
  // A revision asked about anew supersedes the step's older message: update it, then post the new one.
  if (isStepMove(e) && e.data.from === 'awaiting_approval' && e.stepId) out.push({ kind: 'update', stepId: e.stepId });
  if (e.type === 'approval.voted' && e.stepId) out.push({ kind: 'update', stepId: e.stepId });
  const opened = approvalOpened(e);
  if (opened) out.push({ kind: 'post', approvalId: opened, note: { kind: 'requested' } });
  const approvalId = str(data.approvalId);
  if (type === 'approval.reminded' && approvalId) out.push({ kind: 'post', approvalId, note: { kind: 'reminded' } });
  if (type === 'approval.escalated' && approvalId) out.push({ kind: 'post', approvalId, note: { kind: 'escalated', group: str(data.group) } });
  return out;
}
