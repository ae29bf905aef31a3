/**
 * Slack settings of one workspace: one row, the signing secret and bot token sealed under
 * the deployment's data key (seal.ts, as webhook secrets are), each bound to its own
 * purpose by the seal's additional data so one cannot be swapped for the other.
 */
import { checkWebhookTarget, fail, ok, type Result, type SlackSettings } from '@greenlight/core';
import { openAtRest, type DataKeySource } from '../seal.ts';
import type { Tx } from '../tx.ts';

/** What each sealed Slack secret is bound to. */
export const SLACK_AAD = { signingSecret: 'slack:signing-secret', botToken: 'slack:bot-token' } as const;

export type SlackConfigRow = { signing_secret: string; bot_token: string; channel: string; api_base: string; updated_at: number };

export const readSlackConfig = (sql: SqlStorage): SlackConfigRow | undefined =>
  sql.exec<SlackConfigRow>(`SELECT signing_secret, bot_token, channel, api_base, updated_at FROM slack_config WHERE id = 1`).toArray()[0];

/** The signing secret, opened; undefined when Slack is not set up or the data key changed. */
export async function openSigningSecret(env: DataKeySource, row: SlackConfigRow): Promise<string | undefined> {
  return openAtRest(env, row.signing_secret, SLACK_AAD.signingSecret);
}

/** slack.get: where messages go and who is linked; never a secret. */
export function slackSettings(sql: SqlStorage): SlackSettings {
  const row = readSlackConfig(sql);
  const links = sql
    // Linked as the people table says now (people.unlink ends a Slack link too).
    .exec<{ principal: string; person: string; linked_at: number }>(
      `SELECT s.principal, l.person, s.linked_at FROM slack_users s JOIN identity_links l ON l.principal = s.principal ORDER BY s.linked_at, s.principal`,
    )
    .toArray()
    .map((r) => ({ principal: r.principal, person: r.person, linkedAt: r.linked_at }));
  const outbox = sql.exec<{ status: string; n: number }>(`SELECT status, COUNT(*) AS n FROM slack_outbox WHERE status != 'sent' GROUP BY status`).toArray();
  const lastError = sql.exec<{ last_error: string }>(`SELECT last_error FROM slack_outbox WHERE last_error IS NOT NULL ORDER BY created_at DESC LIMIT 1`).toArray()[0]?.last_error;
  const health = {
    pending: outbox.find((r) => r.status === 'pending')?.n ?? 0,
    failed: outbox.find((r) => r.status === 'failed')?.n ?? 0,
    ...(lastError ? { lastError } : {}),
  };
  return row ? { configured: true, channel: row.channel, apiBase: row.api_base, updatedAt: row.updated_at, links, outbox: health } : { configured: false, links, outbox: health };
}

/** The sealed forms slack.set stores (sealed before the transaction, which cannot await). */
export type SealedSlackSecrets = { signingSecret: string; botToken: string };

/** slack.set: replace the settings; the event names the channel and the API's origin only. */
export function setSlackConfig(tx: Tx, input: { channel: string; apiBase: string }, sealed: SealedSlackSecrets): Result<SlackSettings> {
  const apiBase = input.apiBase.replace(/\/+$/, '');
  // Checked now as well as at every send, like a webhook's target: a private address only in local development.
  const target = checkWebhookTarget(apiBase, { allowPrivate: tx.env.allowPrivateTargets });
  if (!target.ok) return fail('BAD_REQUEST', `apiBase refused: ${target.reason}`, { reason: 'refused_target', issues: [{ path: ['apiBase'], message: target.reason }] });
  tx.q`INSERT OR REPLACE INTO slack_config (id, signing_secret, bot_token, channel, api_base, updated_at)
       VALUES (1, ${sealed.signingSecret}, ${sealed.botToken}, ${input.channel}, ${apiBase}, ${tx.now})`;
  tx.emit([{ type: 'slack.configured', data: { channel: input.channel, apiBase: new URL(apiBase).origin } }]);
  return ok(slackSettings(tx.sql));
}
