/** Webhooks: notifications a workspace sends when approvals are requested, decided or expire, and tasks finish. */
import { z } from 'zod';
import { EpochMs, Id, IdempotencyKey, Limit, SecretString } from './common.ts';
import { WebhookEvent, WebhookFormat } from '../enums.ts';
import { Event } from './event.ts';
import { ChainHeadSchema } from './audit.ts';

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
export const CreatedWebhook = z.object({ webhook: Webhook, secret: SecretString });

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

/**
 * The HTTP headers of every delivery. The timestamp is epoch milliseconds, as a decimal
 * string; the signature is `v1=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>` over the
 * exact bytes of the body (see webhookSignedPayload).
 */
export const WEBHOOK_HEADERS = {
  event: 'x-greenlight-event',
  delivery: 'x-greenlight-delivery',
  timestamp: 'x-greenlight-timestamp',
  signature: 'x-greenlight-signature',
} as const;

/** The body of a `json` delivery: a readable line, the notification, and the audit event behind it. */
export const WebhookJsonBody = z.object({
  text: z.string().meta({ description: 'one readable line, as in the slack format' }),
  event: WebhookEvent,
  workspaceId: z.string(),
  deliveryId: Id.meta({ description: 'the same as the x-greenlight-delivery header: deduplicate retries by it' }),
  data: Event,
  chainHead: ChainHeadSchema.optional().meta({ description: 'the newest event of the audit chain when this delivery was queued: keep it to pin the chain (audit.export)' }),
  /**
   * approval.requested only, when the deployment sets PUBLIC_URL (docs/step-up.md): `review`
   * opens the task's page; `approve` / `reject`, for rules with `oneClick`, are single-use
   * links valid 15 minutes (never past the approval's deadline), made for this send only.
   */
  links: z.object({ review: z.string(), approve: z.string().optional(), reject: z.string().optional() }).optional(),
});
export type WebhookJsonBody = z.infer<typeof WebhookJsonBody>;

/** The body of a `slack` delivery: only `{ text }`, as Slack's incoming webhooks take it. */
export const WebhookSlackBody = z.object({ text: z.string() });
export type WebhookSlackBody = z.infer<typeof WebhookSlackBody>;
