/** audit.export: one page of the hash-chained event log, anchored and headed so it can be checked offline. */
import { fail, formatAuditPage, ok, type AuditExportInput, type AuditExportPage, type Result } from '@greenlight/core';
import { chainHead, eventRange, hashAt } from '../store.ts';
import type { Tx } from '../tx.ts';

export function exportPage(tx: Tx, input: AuditExportInput): Result<AuditExportPage> {
  const head = chainHead(tx.sql);
  const anchorHash = hashAt(tx.sql, input.after);
  if (anchorHash === undefined) return fail('BAD_REQUEST', `after ${input.after} is past the newest event (${head.seq})`);
  // One more than the page, to know whether another follows.
  const rows = eventRange(tx.sql, { after: input.after, before: input.before, limit: input.limit + 1 });
  const events = rows.slice(0, input.limit);
  const anchor = { seq: input.after, hash: anchorHash };
  const last = events.at(-1);
  return ok({
    format: input.format,
    text: formatAuditPage({ anchor, events, head }, input.format),
    anchor,
    head,
    count: events.length,
    ...(rows.length > input.limit && last ? { nextAfter: last.seq } : {}),
  });
}
