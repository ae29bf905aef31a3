/** audit.export: one page of the hash-chained event log, anchored and headed so it can be checked offline. */
import { fail, formatAuditPage, ok, type AuditExportInput, type AuditExportPage, type Event, type Result } from '@greenlight/core';
import { chainHead, eventRange, hashAt } from '../store.ts';
import type { Tx } from '../tx.ts';

/** A page stops growing past this much event data (it always holds one event), so a page of big events stays small. */
export const AUDIT_PAGE_BYTES = 1 << 20;

/** How many of `events` fit the byte budget: at least one. */
function fitting(events: readonly Event[]): number {
  let bytes = 0;
  for (const [i, e] of events.entries()) {
    bytes += JSON.stringify(e.data).length + 300;
    if (bytes > AUDIT_PAGE_BYTES && i > 0) return i;
  }
  return events.length;
}

/**
 * One page of audit.export: up to `limit` events after `after` (and before `before`),
 * anchored at the hash of event `after`, with the workspace's chain head. `after` past
 * the newest event is BAD_REQUEST.
 */
export function exportPage(tx: Tx, input: AuditExportInput): Result<AuditExportPage> {
  const head = chainHead(tx.sql);
  const anchorHash = hashAt(tx.sql, input.after);
  if (anchorHash === undefined) return fail('BAD_REQUEST', `after ${input.after} is past the newest event (${head.seq})`);
  // One more than the page, to know whether another follows.
  const rows = eventRange(tx.sql, { after: input.after, before: input.before, limit: input.limit + 1 });
  const events = rows.slice(0, fitting(rows.slice(0, input.limit)));
  const anchor = { seq: input.after, hash: anchorHash };
  const last = events.at(-1);
  return ok({
    format: input.format,
    text: formatAuditPage({ anchor, events, head }, input.format),
    anchor,
    head,
    count: events.length,
    ...(rows.length > events.length && last ? { nextAfter: last.seq } : {}),
  });
}
