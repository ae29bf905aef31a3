/**
 * Which audit events become webhook notifications, what they say, and when a failed
 * delivery is tried again. Pure; the workspace object does the sending.
 */
import type { Event } from './schemas/event.ts';
import type { ChainHead } from './audit/chain.ts';
import type { WebhookEvent, WebhookFormat, WebhookJsonBody, WebhookSlackBody } from './schemas/webhook.ts';

export const WEBHOOK_MAX_ATTEMPTS = 8;

const DECIDED = new Set(['step.approved', 'step.rejected', 'step.skipped', 'step.changes_requested', 'step.completed']);

/** The notification an event stands for, if any. Policy decisions are not news; people's are. */
export function webhookEventOf(e: Pick<Event, 'type' | 'data'>): WebhookEvent | undefined {
  if (e.type === 'approval.requested' || e.type === 'approval.expired' || e.type === 'task.finished') return e.type;
  if (e.type === 'step.revised' && e.data.to === 'awaiting_approval') return 'approval.requested';
  if (!DECIDED.has(e.type) || e.data.from !== 'awaiting_approval') return undefined;
  const by = e.data.by;
  const people = (Array.isArray(by) ? by : [by]).filter((b): b is string => typeof b === 'string');
  return people.length > 0 && people.every((b) => !b.startsWith('policy:')) ? 'approval.decided' : undefined;
}

/** A one-line summary, readable in a chat channel. */
export function webhookText(workspaceId: string, kind: WebhookEvent, e: Pick<Event, 'type' | 'data' | 'taskId' | 'stepId' | 'actor'>): string {
  const where = `[${workspaceId}] task ${e.taskId ?? '?'}${e.stepId ? ` step ${e.stepId}` : ''}`;
  switch (kind) {
    case 'approval.requested':
      return `${where}: approval requested (revision ${String(e.data.revision ?? 1)})`;
    case 'approval.decided':
      return `${where}: ${String(e.data.to)} by ${[e.data.by].flat().join(', ')}${e.data.feedback ? ` — ${String(e.data.feedback)}` : ''}`;
    case 'approval.expired':
      return `${where}: approval expired, ${String(e.data.defaultOnTimeout)} applied`;
    case 'task.finished':
      return `${where}: task finished, ${String(e.data.status)}`;
  }
}

/** Exponential backoff with full jitter, capped at an hour; `random` in [0, 1) is passed in. */
export function nextAttemptDelay(attempts: number, baseMs: number, random: number): number {
  const ceiling = Math.min(3_600_000, baseMs * 2 ** Math.max(0, attempts - 1));
  return Math.round(ceiling / 2 + (ceiling / 2) * random);
}

/** What a delivery sends, by the webhook's format (schemas: WebhookJsonBody, WebhookSlackBody). */
export function webhookBody(
  format: WebhookFormat, workspaceId: string, kind: WebhookEvent, event: Event, deliveryId: string, chainHead?: ChainHead,
): WebhookJsonBody | WebhookSlackBody {
  const text = webhookText(workspaceId, kind, event);
  // chainHead pins the audit chain (newest seq and hash when it was queued); Slack takes only text.
  return format === 'slack' ? { text } : { text, event: kind, workspaceId, deliveryId, data: event, ...(chainHead ? { chainHead } : {}) };
}

/** The string a delivery's signature is computed over: `<timestamp>.<body>`, the timestamp in epoch ms. */
export const webhookSignedPayload = (timestamp: string, body: string): string => `${timestamp}.${body}`;
