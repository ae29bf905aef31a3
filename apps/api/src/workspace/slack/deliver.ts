/**
 * Send Slack's outbox from the alarm: one row at a time, in the order queued, so an
 * update never overtakes the post it updates. Each message is rendered from the
 * approval's state at send time (core slackApprovalMessage), so a late post or a retried
 * update shows the truth, and sending twice is harmless (chat.update is idempotent).
 */
import { nextAttemptDelay, slackApprovalMessage, WEBHOOK_MAX_ATTEMPTS, type ApprovalRecord, type SlackMessage, type SlackNote } from '@greenlight/core';
import { broadcast } from '../live.ts';
import * as approvals from '../ops/approvals.ts';
import { SYSTEM_KEY, type Pipeline } from '../pipeline.ts';
import { openAtRest } from '../seal.ts';
import { readSlackConfig, SLACK_AAD, type SlackConfigRow } from './config.ts';
import type { SlackOutboxData, SlackOutboxRow } from './outbox.ts';
import { slackCall, type SlackCallResult } from './web-api.ts';

const BATCH = 20;
/** Sent rows are kept a week (what was told to Slack, for support), then pruned. */
const KEEP_SENT_MS = 7 * 24 * 3_600_000;

/** An approval as approvals.get shows it now; deadlines that fell due are applied (and their events broadcast). */
export function approvalNow(p: Pipeline, approvalId: string): ApprovalRecord | undefined {
  const { record, events } = p.transact(() => {
    const meta = p.currentMeta();
    if (!meta) return { record: undefined, events: [] };
    const tx = p.tx(meta, SYSTEM_KEY);
    const r = approvals.get(tx, approvalId);
    return { record: r.ok ? r.value : undefined, events: tx.events };
  });
  broadcast(p.ctx.getWebSockets(), events);
  return record;
}

type Send = { ok: true } | { ok: false; error: string; retryAfterMs?: number; permanent?: boolean };

/** Render an approval's message now, or a permanent failure when it no longer exists. */
function render(p: Pipeline, approvalId: string, note?: SlackNote): SlackMessage | undefined {
  const r = approvalNow(p, approvalId);
  return r ? slackApprovalMessage(r, p.currentMeta()?.id ?? '', note) : undefined;
}

const asSend = (r: SlackCallResult): Send => (r.ok ? { ok: true } : r);

async function send(p: Pipeline, config: SlackConfigRow, token: string, data: SlackOutboxData): Promise<Send> {
  const call = (method: 'chat.postMessage' | 'chat.update', body: Record<string, unknown>) => slackCall(config.api_base, token, method, body, { allowPrivate: p.allowPrivateTargets() });
  if (data.kind === 'post') {
    const msg = render(p, data.approvalId, data.note);
    if (!msg) return { ok: false, error: `approval ${data.approvalId} not found`, permanent: true };
    const r = await call('chat.postMessage', { channel: config.channel, ...msg, unfurl_links: false, unfurl_media: false });
    if (!r.ok) return r;
    const ts = typeof r.data.ts === 'string' ? r.data.ts : undefined;
    const channel = typeof r.data.channel === 'string' ? r.data.channel : config.channel;
    const record = approvalNow(p, data.approvalId);
    if (ts && record) p.sql.exec(`INSERT OR IGNORE INTO slack_messages (approval_id, step_id, channel, ts, created_at) VALUES (?, ?, ?, ?, ?)`, data.approvalId, record.stepId, channel, ts, p.now());
    return { ok: true };
  }
  if ('stepId' in data) {
    const messages = p.sql
      .exec<{ approval_id: string; channel: string; ts: string }>(`SELECT approval_id, channel, ts FROM slack_messages WHERE step_id = ? ORDER BY created_at`, data.stepId)
      .toArray();
    for (const m of messages) {
      const msg = render(p, m.approval_id);
      if (!msg) continue;
      const r = asSend(await call('chat.update', { channel: m.channel, ts: m.ts, ...msg }));
      if (!r.ok) return r;
    }
    return { ok: true };
  }
  const msg = render(p, data.approvalId, data.note);
  if (!msg) return { ok: false, error: `approval ${data.approvalId} not found`, permanent: true };
  return asSend(await call('chat.update', { channel: data.channel, ts: data.ts, ...msg }));
}

/** Send the rows that are due; a failure is retried with backoff (like webhooks) up to WEBHOOK_MAX_ATTEMPTS. */
export async function deliverSlackDue(p: Pipeline): Promise<void> {
  const now = p.now();
  p.sql.exec(`DELETE FROM slack_outbox WHERE status != 'pending' AND created_at < ?`, now - KEEP_SENT_MS);
  const due = p.sql.exec<SlackOutboxRow>(`SELECT * FROM slack_outbox WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY created_at, id LIMIT ?`, now, BATCH).toArray();
  if (due.length === 0) return;
  const config = readSlackConfig(p.sql);
  const token = config ? await openAtRest(p.env, config.bot_token, SLACK_AAD.botToken) : undefined;
  const retryBaseMs = Number(p.env.WEBHOOK_RETRY_BASE_MS ?? 1000);
  for (const row of due) {
    const outcome: Send =
      !config || token === undefined
        ? { ok: false, error: config ? 'the bot token cannot be opened: the data key changed' : 'Slack is not set up', permanent: !config }
        : await send(p, config, token, JSON.parse(row.data) as SlackOutboxData);
    const attempts = row.attempts + 1;
    if (outcome.ok) {
      p.sql.exec(`UPDATE slack_outbox SET status = 'sent', attempts = ?, next_attempt_at = NULL, last_error = NULL WHERE id = ?`, attempts, row.id);
    } else if (outcome.permanent || attempts >= WEBHOOK_MAX_ATTEMPTS) {
      p.sql.exec(`UPDATE slack_outbox SET status = 'failed', attempts = ?, next_attempt_at = NULL, last_error = ? WHERE id = ?`, attempts, outcome.error, row.id);
    } else {
      const wait = Math.max(nextAttemptDelay(attempts, retryBaseMs, Math.random()), outcome.retryAfterMs ?? 0);
      p.sql.exec(`UPDATE slack_outbox SET attempts = ?, next_attempt_at = ?, last_error = ? WHERE id = ?`, attempts, p.now() + wait, outcome.error, row.id);
    }
  }
}
