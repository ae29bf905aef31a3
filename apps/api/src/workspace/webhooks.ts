/**
 * Webhooks as an outbox: a notification is a `deliveries` row written in the same
 * transaction as its event, so none is lost or invented; the alarm sends what is due,
 * signed with HMAC-SHA256 over `<timestamp>.<body>`, and retries failures with backoff.
 */
import {
  nextAttemptDelay, WEBHOOK_MAX_ATTEMPTS, webhookEventOf, webhookText,
  type CreateWebhookInput, type Delivery, type Event, type Webhook, type WebhookEvent, type WebhookFormat,
} from '@greenlight/core';

type WebhookRow = { id: string; url: string; events: string; format: string; secret: string; created_at: number };
type DeliveryRow = {
  id: string; webhook_id: string; event_seq: number; event: string; body: string; status: string; attempts: number;
  next_attempt_at: number | null; last_status: number | null; last_error: string | null; created_at: number; delivered_at: number | null;
};

const toWebhook = (r: WebhookRow): Webhook => ({
  id: r.id, url: r.url, events: JSON.parse(r.events) as WebhookEvent[], format: r.format as WebhookFormat, createdAt: r.created_at,
});

const toDelivery = (r: DeliveryRow): Delivery => ({
  id: r.id, webhookId: r.webhook_id, eventSeq: r.event_seq, event: r.event as WebhookEvent, status: r.status as Delivery['status'],
  attempts: r.attempts, createdAt: r.created_at,
  ...(r.next_attempt_at !== null && r.status === 'pending' ? { nextAttemptAt: r.next_attempt_at } : {}),
  ...(r.last_status !== null ? { lastStatus: r.last_status } : {}),
  ...(r.last_error !== null ? { lastError: r.last_error } : {}),
  ...(r.delivered_at !== null ? { deliveredAt: r.delivered_at } : {}),
});

export function insertWebhook(sql: SqlStorage, input: CreateWebhookInput, secret: string, id: string, now: number): Webhook {
  sql.exec(`INSERT INTO webhooks (id, url, events, format, secret, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
    id, input.url, JSON.stringify(input.events), input.format, secret, now);
  return { id, url: input.url, events: input.events, format: input.format, createdAt: now };
}

export const listWebhooks = (sql: SqlStorage): Webhook[] =>
  sql.exec<WebhookRow>(`SELECT * FROM webhooks ORDER BY created_at, id`).toArray().map(toWebhook);

export function deleteWebhook(sql: SqlStorage, id: string): boolean {
  const gone = sql.exec(`DELETE FROM webhooks WHERE id = ? RETURNING id`, id).toArray().length > 0;
  if (gone) sql.exec(`UPDATE deliveries SET status = 'failed', last_error = 'webhook deleted', next_attempt_at = NULL WHERE webhook_id = ? AND status = 'pending'`, id);
  return gone;
}

export function listDeliveries(sql: SqlStorage, q: { webhookId?: string | undefined; limit: number }): Delivery[] {
  const rows = q.webhookId
    ? sql.exec<DeliveryRow>(`SELECT * FROM deliveries WHERE webhook_id = ? ORDER BY created_at DESC, id DESC LIMIT ?`, q.webhookId, q.limit)
    : sql.exec<DeliveryRow>(`SELECT * FROM deliveries ORDER BY created_at DESC, id DESC LIMIT ?`, q.limit);
  return rows.toArray().map(toDelivery);
}

/** Queue a delivery for every webhook that wants one of these events. Returns how many. */
export function enqueueDeliveries(sql: SqlStorage, workspaceId: string, events: Event[], now: number, newId: () => string): number {
  const hooks = sql.exec<WebhookRow>(`SELECT * FROM webhooks`).toArray();
  if (hooks.length === 0) return 0;
  let queued = 0;
  const newest = events.at(-1);
  const chainHead = newest ? { seq: newest.seq, hash: newest.hash } : undefined;
  for (const event of events) {
    const kind = webhookEventOf(event);
    if (!kind) continue;
    const text = webhookText(workspaceId, kind, event);
    for (const hook of hooks) {
      if (!(JSON.parse(hook.events) as string[]).includes(kind)) continue;
      const id = newId();
      // chainHead: the newest event this transaction had appended, so receivers can pin the audit chain.
      const body = hook.format === 'slack' ? { text } : { text, event: kind, workspaceId, deliveryId: id, data: event, chainHead };
      sql.exec(
        `INSERT INTO deliveries (id, webhook_id, event_seq, event, body, status, next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?, 'pending', ?, ?)`,
        id, hook.id, event.seq, kind, JSON.stringify(body), now, now,
      );
      queued++;
    }
  }
  return queued;
}

export function earliestDelivery(sql: SqlStorage): number | undefined {
  return sql.exec<{ t: number | null }>(`SELECT MIN(next_attempt_at) AS t FROM deliveries WHERE status = 'pending'`).one().t ?? undefined;
}

async function sign(secret: string, timestamp: string, body: string): Promise<string> {
  const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const mac = await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(`${timestamp}.${body}`));
  return Array.from(new Uint8Array(mac), (b) => b.toString(16).padStart(2, '0')).join('');
}

const DELIVERY_TIMEOUT_MS = 10_000;
const BATCH = 20;

/**
 * Send the deliveries that are due. Runs from the alarm; the awaits here let other
 * calls in, which is safe: each row is read before and updated after its own send.
 */
export async function deliverDue(sql: SqlStorage, now: number, retryBaseMs: number): Promise<void> {
  const due = sql
    .exec<DeliveryRow & { url: string; secret: string }>(
      `SELECT d.*, w.url, w.secret FROM deliveries d JOIN webhooks w ON w.id = d.webhook_id
       WHERE d.status = 'pending' AND d.next_attempt_at <= ? ORDER BY d.next_attempt_at LIMIT ?`, now, BATCH,
    )
    .toArray();
  await Promise.all(
    due.map(async (d) => {
      const timestamp = String(Date.now());
      let status: number | undefined;
      let error: string | undefined;
      try {
        const res = await fetch(d.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'user-agent': 'Greenlight-Webhooks/1',
            'x-greenlight-event': d.event,
            'x-greenlight-delivery': d.id,
            'x-greenlight-timestamp': timestamp,
            'x-greenlight-signature': `v1=${await sign(d.secret, timestamp, d.body)}`,
          },
          body: d.body,
          signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
        });
        status = res.status;
        await res.body?.cancel();
        if (!res.ok) error = `HTTP ${res.status}`;
      } catch (e) {
        error = e instanceof Error ? e.message.slice(0, 500) : 'delivery failed';
      }
      const attempts = d.attempts + 1;
      const at = Date.now();
      if (!error) {
        sql.exec(`UPDATE deliveries SET status = 'delivered', attempts = ?, last_status = ?, last_error = NULL, delivered_at = ?, next_attempt_at = NULL WHERE id = ?`, attempts, status ?? null, at, d.id);
      } else if (attempts >= WEBHOOK_MAX_ATTEMPTS) {
        sql.exec(`UPDATE deliveries SET status = 'failed', attempts = ?, last_status = ?, last_error = ?, next_attempt_at = NULL WHERE id = ?`, attempts, status ?? null, error, d.id);
      } else {
        sql.exec(`UPDATE deliveries SET attempts = ?, last_status = ?, last_error = ?, next_attempt_at = ? WHERE id = ?`,
          attempts, status ?? null, error, at + nextAttemptDelay(attempts, retryBaseMs, Math.random()), d.id);
      }
    }),
  );
}
