/** Webhook administration: register, list, delete, and the delivery log. */
import { ok, type CreateWebhookInput, type Delivery, type Result, type Webhook } from '@greenlight/core';
import type { Tx } from '../tx.ts';
import { listDeliveries, listWebhooks } from '../webhooks.ts';

/** A new webhook's id and signing secret, made before the transaction: the secret sealed for storage, and as shown once. */
export type MintedWebhook = { id: string; secret: string; sealedSecret: string };

/**
 * Register a webhook (core's webhook.create: a private or local target is refused unless
 * the deployment allows them, BAD_REQUEST `refused_target`, and nothing changes).
 */
export function create(tx: Tx, input: CreateWebhookInput, minted: MintedWebhook): Result<{ webhook: Webhook; secret: string }> {
  const r = tx.run({ type: 'webhook.create', id: minted.id, url: input.url, events: input.events, format: input.format, sealedSecret: minted.sealedSecret });
  if (!r.ok) return r;
  const { sealedSecret: _sealed, ...webhook } = r.value.state.webhooks[minted.id]!;
  return ok({ webhook, secret: minted.secret });
}

export const list = (tx: Tx): { items: Webhook[] } => ({ items: listWebhooks(tx.sql) });

/** Delete a webhook (core's webhook.delete: NOT_FOUND; its pending deliveries fail). */
export function remove(tx: Tx, id: string): Result<{ id: string }> {
  const r = tx.run({ type: 'webhook.delete', id });
  return r.ok ? ok({ id }) : r;
}

export const deliveries = (tx: Tx, q: { webhookId?: string | undefined; limit: number }): { items: Delivery[] } => ({
  items: listDeliveries(tx.sql, q),
});
