/** Webhooks: notifications a workspace sends when approvals are requested, decided or expire, and tasks finish. */
import { z } from 'zod';
import { EpochMs, Id, IdempotencyKey, Limit } from './common.ts';

export const WebhookEvent = z.enum(['approval.requested', 'approval.decided', 'approval.expired', 'task.finished']);
export type WebhookEvent = z.infer<typeof WebhookEvent>;

/** `json`: the event and a `text` line; `slack`: only `{ text }`, for Slack-compatible incoming webhooks. */
export const WebhookFormat = z.enum(['json', 'slack']);
export type WebhookFormat = z.infer<typeof WebhookFormat>;

export const DeliveryStatus = z.enum(['pending', 'delivered', 'failed']);
export type DeliveryStatus = z.infer<typeof DeliveryStatus>;

export const Webhook = z.object({
  id: Id,
  url: z.string(),
  events: z.array(WebhookEvent),
  format: WebhookFormat,
  createdAt: EpochMs,
});
export type Webhook = z.infer<typeof Webhook>;

export const CreateWebhookInput = z.strictObject({
  url: z.url({ protocol: /^https?$/, error: 'an http(s) URL' }).max(2000),
  events: z.array(WebhookEvent).min(1).max(4).default(['approval.requested', 'approval.decided', 'approval.expired', 'task.finished']),
  format: WebhookFormat.default('json'),
  idempotencyKey: IdempotencyKey.optional(),
});
export type CreateWebhookInput = z.infer<typeof CreateWebhookInput>;

/** The signing secret is shown once, at creation. */
export const CreatedWebhook = z.object({ webhook: Webhook, secret: z.string() });

export const Delivery = z.object({
  id: Id,
  webhookId: Id,
  eventSeq: z.number().int(),
  event: WebhookEvent,
  status: DeliveryStatus,
  attempts: z.number().int(),
  nextAttemptAt: EpochMs.optional(),
  lastStatus: z.number().int().optional(),
  lastError: z.string().optional(),
  createdAt: EpochMs,
  deliveredAt: EpochMs.optional(),
});
export type Delivery = z.infer<typeof Delivery>;

export const ListDeliveriesInput = z.strictObject({ webhookId: Id.optional(), limit: Limit });
export const DeleteWebhookInput = z.strictObject({ id: Id, idempotencyKey: IdempotencyKey.optional() });
