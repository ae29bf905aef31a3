/** Webhook administration: register, list, delete, and the delivery log. */
import { checkWebhookTarget, fail, ok, type CreateWebhookInput, type Delivery, type Result, type Webhook } from '@greenlight/core';
import type { Tx } from '../tx.ts';
import { deleteWebhook, insertWebhook, listDeliveries, listWebhooks } from '../webhooks.ts';

/** A new webhook's id and signing secret, made before the transaction: the secret sealed for storage, and as shown once. */
export type MintedWebhook = { id: string; secret: string; sealedSecret: string };

/**
 * The audit log names the target by its origin only: every key may read the log, and
 * a URL's path can be a credential itself (a Slack incoming webhook's is).
 */
const originOf = (url: string): string => `${new URL(url).origin}/…`;

/**
 * Register a webhook. Its URL must pass checkWebhookTarget (no private or local target
 * unless the deployment allows them, `allowPrivate`), else BAD_REQUEST and nothing changes.
 */
export function create(tx: Tx, input: CreateWebhookInput, minted: MintedWebhook, allowPrivate: boolean): Result<{ webhook: Webhook; secret: string }> {
  const target = checkWebhookTarget(input.url, { allowPrivate });
  if (!target.ok) {
    const hint = allowPrivate ? '' : ' (webhook targets must be public; a deployment allows private ones with WEBHOOK_ALLOW_PRIVATE=true, as local development does)';
    return fail('BAD_REQUEST', `webhook url refused: ${target.reason}${hint}`, { reason: 'refused_target', issues: [{ path: ['url'], message: target.reason }] });
  }
  const webhook = insertWebhook(tx.sql, { ...input, url: target.url }, minted.sealedSecret, minted.id, tx.now);
  tx.emit([{ type: 'webhook.created', data: { id: minted.id, url: originOf(target.url), events: input.events, format: input.format } }]);
  return ok({ webhook, secret: minted.secret });
}

export const list = (tx: Tx): { items: Webhook[] } => ({ items: listWebhooks(tx.sql) });

export function remove(tx: Tx, id: string): Result<{ id: string }> {
  if (!deleteWebhook(tx.sql, id)) return fail('NOT_FOUND', `webhook ${id} not found`);
  tx.emit([{ type: 'webhook.deleted', data: { id } }]);
  return ok({ id });
}

export const deliveries = (tx: Tx, q: { webhookId?: string | undefined; limit: number }): { items: Delivery[] } => ({
  items: listDeliveries(tx.sql, q),
});
