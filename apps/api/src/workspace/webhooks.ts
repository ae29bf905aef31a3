/**
 * Webhooks as an outbox: a notification is a `deliveries` row written in the same
 * transaction as its event, so none is lost or invented; the alarm sends what is due,
 * signed with HMAC-SHA256 over `<timestamp>.<body>`, and retries failures with backoff.
 * Signing secrets are stored sealed under the deployment's data key (seal.ts); every
 * send checks its target again (checkWebhookTarget) and never follows a redirect.
 */
import {
  checkWebhookTarget, nextAttemptDelay, WEBHOOK_HEADERS, WEBHOOK_MAX_ATTEMPTS, webhookBody, webhookEventOf, webhookSignedPayload,
  type CreateWebhookInput, type Delivery, type Event, type Webhook, type WebhookEvent, type WebhookFormat,
} from '@greenlight/core';
import { sealAtRest, sealedKid, type DataKeySource } from './seal.ts';

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

/** Store a webhook; `sealedSecret` is its signing secret as sealAtRest sealed it, never the secret itself. */
export function insertWebhook(sql: SqlStorage, input: CreateWebhookInput, sealedSecret: string, id: string, now: number): Webhook {
  if (sealedKid(sealedSecret) === undefined) throw new Error('a webhook secret must be stored sealed');
  sql.exec(`INSERT INTO webhooks (id, url, events, format, secret, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
    id, input.url, JSON.stringify(input.events), input.format, sealedSecret, now);
  return { id, url: input.url, events: input.events, format: input.format, createdAt: now };
}

/** The additional data a webhook's sealed secret is bound to: it opens only on its own row. */
export const webhookSecretAad = (webhookId: string): string => `webhook:${webhookId}`;

/**
 * Seal the signing secrets stored in plaintext before migration 4. Runs at the object's
 * start (blockConcurrencyWhile), so nothing reads them meanwhile; a no-op once done.
 */
export async function sealLegacyWebhookSecrets(sql: SqlStorage, env: DataKeySource): Promise<void> {
  const plain = sql.exec<{ id: string; secret: string }>(`SELECT id, secret FROM webhooks`).toArray().filter((r) => sealedKid(r.secret) === undefined);
  for (const row of plain) {
    const sealed = await sealAtRest(env, row.secret, webhookSecretAad(row.id));
    sql.exec(`UPDATE webhooks SET secret = ? WHERE id = ? AND secret = ?`, sealed, row.id, row.secret);
  }
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
    for (const hook of hooks) {
      if (!(JSON.parse(hook.events) as string[]).includes(kind)) continue;
      const id = newId();
      // chainHead: the newest event this transaction had appended, so receivers can pin the audit chain.
      const body = webhookBody(hook.format as WebhookFormat, workspaceId, kind, event, id, chainHead);
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
  const mac = await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(webhookSignedPayload(timestamp, body)));
  return Array.from(new Uint8Array(mac), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** How long a receiver has to answer one delivery attempt. */
export const DELIVERY_TIMEOUT_MS = 10_000;
export const WEBHOOK_USER_AGENT = 'Greenlight-Webhooks/1';
const BATCH = 20;

export type DeliveryOptions = {
  /** First retry delay (WEBHOOK_RETRY_BASE_MS); each later one doubles. */
  retryBaseMs: number;
  /** The deployment allows private targets (WEBHOOK_ALLOW_PRIVATE): local development. */
  allowPrivate: boolean;
  /** A webhook's signing secret from its sealed form; undefined when it cannot be opened. */
  openSecret: (sealed: string, webhookId: string) => Promise<string | undefined>;
};

/** One attempt: the HTTP status, or why it failed. A target refused now is never contacted. */
async function attempt(d: DeliveryRow & { url: string; secret: string }, opts: DeliveryOptions): Promise<{ status?: number; error?: string; refused?: true }> {
  const target = checkWebhookTarget(d.url, { allowPrivate: opts.allowPrivate });
  if (!target.ok) return { error: `refused target: ${target.reason}`, refused: true };
  const secret = await opts.openSecret(d.secret, d.webhook_id);
  if (secret === undefined) return { error: 'the signing secret cannot be opened: the data key it was sealed under (GREENLIGHT_DATA_KEY or GREENLIGHT_ROOT_TOKEN) is missing or changed' };
  const timestamp = String(Date.now());
  try {
    const res = await fetch(target.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': WEBHOOK_USER_AGENT,
        [WEBHOOK_HEADERS.event]: d.event,
        [WEBHOOK_HEADERS.delivery]: d.id,
        [WEBHOOK_HEADERS.timestamp]: timestamp,
        [WEBHOOK_HEADERS.signature]: `v1=${await sign(secret, timestamp, d.body)}`,
      },
      body: d.body,
      // A redirect could point anywhere, a private address included: never followed.
      redirect: 'manual',
      signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
    });
    await res.body?.cancel();
    if (res.status >= 300 && res.status < 400) return { status: res.status, error: `HTTP ${res.status}: redirects are not followed` };
    return res.ok ? { status: res.status } : { status: res.status, error: `HTTP ${res.status}` };
  } catch (e) {
    return { error: e instanceof Error ? e.message.slice(0, 500) : 'delivery failed' };
  }
}

/**
 * Send the deliveries that are due. Runs from the alarm; the awaits here let other
 * calls in, which is safe: each row is read before and updated after its own send.
 * A delivery whose target is refused fails at once, unsent (it would be refused again).
 */
export async function deliverDue(sql: SqlStorage, now: number, opts: DeliveryOptions): Promise<void> {
  const due = sql
    .exec<DeliveryRow & { url: string; secret: string }>(
      `SELECT d.*, w.url, w.secret FROM deliveries d JOIN webhooks w ON w.id = d.webhook_id
       WHERE d.status = 'pending' AND d.next_attempt_at <= ? ORDER BY d.next_attempt_at LIMIT ?`, now, BATCH,
    )
    .toArray();
  await Promise.all(
    due.map(async (d) => {
      const { status, error, refused } = await attempt(d, opts);
      const attempts = refused ? d.attempts : d.attempts + 1;
      const at = Date.now();
      if (!error) {
        sql.exec(`UPDATE deliveries SET status = 'delivered', attempts = ?, last_status = ?, last_error = NULL, delivered_at = ?, next_attempt_at = NULL WHERE id = ?`, attempts, status ?? null, at, d.id);
      } else if (refused || attempts >= WEBHOOK_MAX_ATTEMPTS) {
        sql.exec(`UPDATE deliveries SET status = 'failed', attempts = ?, last_status = ?, last_error = ?, next_attempt_at = NULL WHERE id = ?`, attempts, status ?? null, error, d.id);
      } else {
        sql.exec(`UPDATE deliveries SET attempts = ?, last_status = ?, last_error = ?, next_attempt_at = ? WHERE id = ?`,
          attempts, status ?? null, error, at + nextAttemptDelay(attempts, opts.retryBaseMs, Math.random()), d.id);
      }
    }),
  );
}
