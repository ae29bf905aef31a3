/**
 * Which audit events become webhook notifications, what they say, and when a failed
 * delivery is tried again. Pure; the workspace object does the sending.
 */
import { isStepMove, type Event, type EventContent } from './schemas/event.ts';
import type { ChainHead } from './audit/chain.ts';
import type { StepStatus, WebhookEvent, WebhookFormat } from './enums.ts';
import type { WebhookJsonBody, WebhookSlackBody } from './schemas/webhook.ts';
import { Decider, identityText } from './identity.ts';

export const WEBHOOK_MAX_ATTEMPTS = 8;

/** A decision an event records on an open approval: where the step went, who decided, their feedback. */
type Decided = { to: StepStatus; by: string[]; feedback?: string | undefined };

function decidedOn(e: EventContent): Decided | undefined {
  switch (e.type) {
    case 'step.approved':
    case 'step.completed':
      // A retry or an executor's report names nobody, and did not come from an open approval.
      return e.data.from === 'awaiting_approval' ? { to: e.data.to, by: e.data.by === undefined ? [] : [e.data.by].flat() } : undefined;
    case 'step.rejected':
    case 'step.skipped':
    case 'step.changes_requested':
      return e.data.from === 'awaiting_approval' ? { to: e.data.to, by: [e.data.by], feedback: e.data.feedback } : undefined;
    default:
      return undefined;
  }
}

/**
 * Who decided, with how each proved it (`alice · SSO via Slack`, identity.ts): the
 * event's `deciders` (an approval by N), else its acting reviewer's identity fields,
 * else the bare principals (events written before identities were recorded).
 */
function whoDecided(e: EventContent, d: Decided): string[] {
  const data = e.data as Record<string, unknown>;
  const listed = Decider.array().safeParse(data.deciders);
  if (listed.success && listed.data.length > 0) return listed.data.map(identityText);
  const one = d.by.length === 1 ? Decider.safeParse({ ...data, principal: d.by[0] }) : undefined;
  return one?.success && one.data.identitySource !== undefined ? [identityText(one.data)] : d.by;
}

/** People decided (not a rule): someone is named, and nobody as `policy:<rule>`. */
const byPeople = (d: Decided): boolean => d.by.length > 0 && d.by.every((b) => !b.startsWith('policy:'));

/** The notification an event stands for, if any. Policy decisions are not news; people's are. */
export function webhookEventOf(e: EventContent): WebhookEvent | undefined {
  if (e.type === 'approval.requested' || e.type === 'approval.expired' || e.type === 'task.finished' || e.type === 'approval.reminded' || e.type === 'approval.escalated') return e.type;
  if (e.type === 'step.revised') return e.data.to === 'awaiting_approval' ? 'approval.requested' : undefined;
  const d = decidedOn(e);
  return d && byPeople(d) ? 'approval.decided' : undefined;
}

/** A one-line summary, readable in a chat channel. */
export function webhookText(workspaceId: string, kind: WebhookEvent, e: EventContent): string {
  const where = `[${workspaceId}] task ${e.taskId ?? '?'}${e.stepId ? ` step ${e.stepId}` : ''}`;
  switch (kind) {
    case 'approval.requested': {
      const risk = e.type === 'approval.requested' || e.type === 'step.revised' ? e.data.risk : undefined;
      return `${where}: approval requested${isStepMove(e) ? ` (revision ${e.data.revision})` : ''}${risk ? `, ${risk.level} risk: ${risk.reason}` : ''}`;
    }
    case 'approval.decided': {
      const d = decidedOn(e);
      if (!d) return `${where}: approval decided`;
      return `${where}: ${d.to} by ${whoDecided(e, d).join(', ')}${d.feedback ? ` — ${d.feedback}` : ''}`;
    }
    case 'approval.expired':
      return `${where}: approval expired${e.type === 'approval.expired' ? `, ${e.data.defaultOnTimeout} applied` : ''}`;
    case 'task.finished':
      return `${where}: task finished${e.type === 'task.finished' ? `, ${e.data.status}` : ''}`;
    case 'approval.reminded':
      return `${where}: still waiting for a decision${e.type === 'approval.reminded' ? ` (approval ${e.data.approvalId})` : ''}`;
    case 'approval.escalated':
      return `${where}: escalated${e.type === 'approval.escalated' ? ` to group ${e.data.group} (approval ${e.data.approvalId})` : ''}`;
  }
}

/** Exponential backoff with full jitter, capped at an hour; `random` in [0, 1) is passed in. */
export function nextAttemptDelay(attempts: number, baseMs: number, random: number): number {
  const ceiling = Math.min(3_600_000, baseMs * 2 ** Math.max(0, attempts - 1));
  return Math.round(ceiling / 2 + (ceiling / 2) * random);
}

/** What a delivery sends, by the webhook's format (schemas: WebhookJsonBody, WebhookSlackBody). */
export function webhookBody(format: WebhookFormat, workspaceId: string, kind: WebhookEvent, event: Event, deliveryId: string, chainHead?: ChainHead): WebhookJsonBody | WebhookSlackBody {
  const text = webhookText(workspaceId, kind, event);
  // chainHead pins the audit chain (newest seq and hash when it was queued); Slack takes only text.
  return format === 'slack' ? { text } : { text, event: kind, workspaceId, deliveryId, data: event, ...(chainHead ? { chainHead } : {}) };
}

/** The string a delivery's signature is computed over: `<timestamp>.<body>`, the timestamp in epoch ms. */
export const webhookSignedPayload = (timestamp: string, body: string): string => `${timestamp}.${body}`;
