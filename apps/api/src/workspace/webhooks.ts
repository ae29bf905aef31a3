/**
 * Webhooks as an outbox: a notification is a `deliveries` row written in the same
 * transaction as its event, so none is lost or invented; the alarm sends what is due,
 * signed the Standard Webhooks way and Greenlight's own (core webhook-signature.ts), and
 * core decides what a failure means (retry with backoff, or give up).
 * Signing secrets are stored sealed under the deployment's data key (seal.ts); every
 * send checks its target again (checkWebhookTarget) and never follows a redirect.
 */
import { checkWebhookTarget, WEBHOOK_HEADERS, webhookSignatureHeaders, type AttemptOutcome, type Delivery, type Webhook, type WebhookEvent, type WebhookFormat } from '@greenlight/core';
import { deliveryRecord, runCommand, type DeliveryRow } from './aggregate.ts';
import type { WorkspaceMeta } from './meta.ts';
import { sealAtRest, sealedKid, type DataKeySource } from './seal.ts';

type WebhookRow = { id: string; url: string; events: string; format: string; secret: string; created_at: number };

const toWebhook = (r: WebhookRow): Webhook => ({
  id: r.id,
  url: r.url,
  events: JSON.parse(r.events) as WebhookEvent[],
  format: r.format as WebhookFormat,
  createdAt: r.created_at,
});

const toDelivery = (r: DeliveryRow): Delivery => {
  const { body: _body, ...d } = deliveryRecord(r);
  return d;
};

/** The additional data a webhook's sealed secret is bound to: it opens only on its own row. */
export const webhookSecretAad = (webhookId: string): string => `webhook:${webhookId}`;

/**
 * Seal the signing secrets stored in plaintext before migration 4. Runs at the object's
 * start (blockConcurrencyWhile), so nothing reads them meanwhile; a no-op once done.
 */
export async function sealLegacyWebhookSecrets(sql: SqlStorage, env: DataKeySource): Promise<void> {
  const plain = sql
    .exec<{ id: string; secret: string }>(`SELECT id, secret FROM webhooks`)
    .toArray()
    .filter((r) => sealedKid(r.secret) === undefined);
  for (const row of plain) {
    const sealed = await sealAtRest(env, row.secret, webhookSecretAad(row.id));
    sql.exec(`UPDATE webhooks SET secret = ? WHERE id = ? AND secret = ?`, sealed, row.id, row.secret);
  }
}

export const listWebhooks = (sql: SqlStorage): Webhook[] => sql.exec<WebhookRow>(`SELECT * FROM webhooks ORDER BY created_at, id`).toArray().map(toWebhook);

export function listDeliveries(sql: SqlStorage, q: { webhookId?: string | undefined; limit: number }): Delivery[] {
  const rows = q.webhookId
    ? sql.exec<DeliveryRow>(`SELECT * FROM deliveries WHERE webhook_id = ? ORDER BY created_at DESC, id DESC LIMIT ?`, q.webhookId, q.limit)
    : sql.exec<DeliveryRow>(`SELECT * FROM deliveries ORDER BY created_at DESC, id DESC LIMIT ?`, q.limit);
  return rows.toArray().map(toDelivery);
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
  /** The workspace's settings, for core's delivery.attempted (read when the answer is stored). */
  meta: () => WorkspaceMeta | undefined;
  /** The clock (epoch ms): Date.now in production, a test's own in tests. */
  now: () => number;
  /** The body this attempt sends, from the stored one (one-click links are added per send and never stored: links.ts). */
  bodyFor?: (d: DeliveryRow) => Promise<string>;
};

/** One attempt: the HTTP status, or why it failed. A target refused now is never contacted. */
async function attempt(d: DeliveryRow & { url: string; secret: string }, opts: DeliveryOptions): Promise<AttemptOutcome> {
  const target = checkWebhookTarget(d.url, { allowPrivate: opts.allowPrivate });
  if (!target.ok) return { error: `refused target: ${target.reason}`, refused: true };
  const secret = await opts.openSecret(d.secret, d.webhook_id);
  if (secret === undefined) return { error: 'the signing secret cannot be opened: the data key it was sealed under (GREENLIGHT_DATA_KEY or GREENLIGHT_ROOT_TOKEN) is missing or changed' };
  const body = opts.bodyFor ? await opts.bodyFor(d) : d.body;
  const signatures = await webhookSignatureHeaders(secret, { id: d.id, timestampMs: opts.now(), body });
  try {
    const res = await fetch(target.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': WEBHOOK_USER_AGENT,
        [WEBHOOK_HEADERS.event]: d.event,
        [WEBHOOK_HEADERS.delivery]: d.id,
        ...signatures,
      },
      body,
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
       WHERE d.status = 'pending' AND d.next_attempt_at <= ? ORDER BY d.next_attempt_at LIMIT ?`,
      now,
      BATCH,
    )
    .toArray();
  await Promise.all(
    due.map(async (d) => {
      const outcome = await attempt(d, opts);
      const meta = opts.meta();
      if (!meta) return;
      // Core decides delivered, failed for good, or when to try again; a delivery deleted meanwhile is NOT_FOUND and stays as it is.
      runCommand(
        sql,
        meta,
        { type: 'delivery.attempted', id: d.id, outcome, retryBaseMs: opts.retryBaseMs, random: Math.random() },
        {
          now: opts.now(),
          newId: () => crypto.randomUUID(),
          allowPrivateTargets: opts.allowPrivate,
        },
      );
    }),
  );
}
