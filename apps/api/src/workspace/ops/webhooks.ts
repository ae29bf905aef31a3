/** Webhook administration: register, list, delete, and the delivery log. */
import { fail, ok, type CreateWebhookInput, type Delivery, type Result, type Webhook } from '@greenlight/core';
import { newSecret } from '../keys.ts';
import type { Tx } from '../tx.ts';
import { deleteWebhook, insertWebhook, listDeliveries, listWebhooks } from '../webhooks.ts';

export function create(tx: Tx, input: CreateWebhookInput, id: string): Result<{ webhook: Webhook; secret: string }> {
  const secret = `whsec_${newSecret()}`;
  const webhook = insertWebhook(tx.sql, input, secret, id, tx.now);
  tx.emit([{ type: 'webhook.created', data: { id, url: input.url, events: input.events, format: input.format } }]);
  return ok({ webhook, secret });
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
