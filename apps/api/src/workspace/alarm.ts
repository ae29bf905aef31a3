/**
 * The object's alarm: deadlines (leases, approvals), idle sessions, pruning (idempotency
 * records, socket tickets), then the webhook deliveries that are due, then the next aim.
 * Alarms are at-least-once: every part is idempotent, so a second run finds nothing due.
 */
import { broadcast } from './live.ts';
import { pruneIdempotency } from './idempotency.ts';
import { closeIdle } from './ops/sessions.ts';
import { SYSTEM_KEY, type Pipeline } from './pipeline.ts';
import { openAtRest } from './seal.ts';
import { tasksDueBy } from './store.ts';
import { deliverDue, webhookSecretAad } from './webhooks.ts';
import { deliverSlackDue } from './slack/deliver.ts';
import { withLinks } from './links.ts';

/** PUBLIC_URL's origin, the address links in webhooks point to; undefined when not configured (docs/step-up.md). */
function publicBase(env: Pick<Env, 'PUBLIC_URL'>): string | undefined {
  const url = String(env.PUBLIC_URL ?? '').trim();
  return url === '' ? undefined : new URL(url).origin;
}

export async function runAlarm(p: Pipeline): Promise<void> {
  const now = p.now();
  p.alarmFired();
  const events = p.transact(() => {
    const meta = p.currentMeta();
    if (!meta) return [];
    const tx = p.tx(meta, SYSTEM_KEY, now);
    for (const taskId of tasksDueBy(p.sql, now)) tx.load(taskId);
    closeIdle(tx);
    // Idempotency records past their window, and used or expired socket tickets, go.
    pruneIdempotency(p.sql, now);
    p.sql.exec(`DELETE FROM tickets WHERE expires_at < ?`, now);
    return tx.events;
  });
  broadcast(p.ctx.getWebSockets(), events);
  await deliverDue(p.sql, p.now(), {
    retryBaseMs: Number(p.env.WEBHOOK_RETRY_BASE_MS ?? 1000),
    allowPrivate: p.allowPrivateTargets(),
    openSecret: (sealed, webhookId) => openAtRest(p.env, sealed, webhookSecretAad(webhookId)),
    meta: () => p.currentMeta(),
    now: p.now,
    bodyFor: (d) => withLinks(p.sql, p.currentMeta()?.id ?? '', d.body, publicBase(p.env), p.now()),
  });
  await deliverSlackDue(p);
  await p.aimAlarm();
}
