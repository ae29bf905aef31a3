/**
 * Slack's outbox: what Slack must be told, written in the same transaction as the events
 * that call for it (core slackIntentsOf), so a decision is never committed without its
 * message update queued, and never queued without the decision. The alarm sends the rows
 * (deliver.ts), retrying with backoff like webhook deliveries.
 */
import { slackIntentsOf, type EventContent, type SlackNote } from '@greenlight/core';

/** One row's work: post an approval, update every message of a step, or update one message with a note (a refused click). */
export type SlackOutboxData =
  | { kind: 'post'; approvalId: string; note: SlackNote }
  | { kind: 'update'; stepId: string }
  | { kind: 'update'; approvalId: string; channel: string; ts: string; note: SlackNote };

export type SlackOutboxRow = { id: string; kind: string; data: string; status: string; attempts: number; next_attempt_at: number | null; last_error: string | null; created_at: number };

/** Whether Slack is set up for this workspace (no rows are queued otherwise). */
const configured = (sql: SqlStorage): boolean => sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM slack_config`).one().n > 0;

/** Queue one row, due now. */
export function queueSlack(sql: SqlStorage, data: SlackOutboxData, now: number, newId: () => string): void {
  sql.exec(`INSERT INTO slack_outbox (id, kind, data, status, attempts, next_attempt_at, created_at) VALUES (?, ?, ?, 'pending', 0, ?, ?)`, newId(), data.kind, JSON.stringify(data), now, now);
}

/** Queue what these events ask of Slack; true when anything was queued (the alarm must be aimed). */
export function queueSlackForEvents(sql: SqlStorage, events: readonly EventContent[], now: number, newId: () => string): boolean {
  const intents = events.flatMap((e) => slackIntentsOf(e));
  if (intents.length === 0 || !configured(sql)) return false;
  for (const i of intents) queueSlack(sql, i.kind === 'post' ? { kind: 'post', approvalId: i.approvalId, note: i.note } : { kind: 'update', stepId: i.stepId }, now, newId);
  return true;
}

/** When the next row is due, if any. */
export function earliestSlack(sql: SqlStorage): number | undefined {
  return sql.exec<{ t: number | null }>(`SELECT MIN(next_attempt_at) AS t FROM slack_outbox WHERE status = 'pending'`).one().t ?? undefined;
}
