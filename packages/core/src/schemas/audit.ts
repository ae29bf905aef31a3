/** audit.export: the event log as a verifiable hash chain, a page at a time (see audit/export.ts). */
import { z } from 'zod';
import { Sha256Hex } from './common.ts';

/** A position in a workspace's chain: an event's seq and hash; seq 0 is the genesis. */
export const ChainHeadSchema = z.object({ seq: z.number().int().nonnegative(), hash: Sha256Hex });

/** The most events one export page holds. */
export const AUDIT_PAGE_MAX = 1000;

export const AuditExportInput = z
  .strictObject({
    /** Events after this seq (default 0: from the start); the page is anchored at this event's hash. */
    after: z.number().int().nonnegative().default(0),
    /** Events before this seq (exclusive); default: up to the newest. */
    before: z.number().int().positive().optional(),
    format: z.enum(['ndjson', 'csv']).default('ndjson'),
    limit: z.number().int().min(1).max(AUDIT_PAGE_MAX).default(500),
  })
  .refine((i) => i.before === undefined || i.before > i.after, { message: 'before must be greater than after', path: ['before'] });
export type AuditExportInput = z.infer<typeof AuditExportInput>;

export const AuditExportPage = z.object({
  format: z.enum(['ndjson', 'csv']),
  /** The page as text: anchor record, events, head record. Pages join by concatenation. */
  text: z.string(),
  anchor: ChainHeadSchema,
  /** The workspace's newest event when the page was read. */
  head: ChainHeadSchema,
  count: z.number().int().nonnegative(),
  /** Pass as `after` for the next page; absent on the last page. */
  nextAfter: z.number().int().nonnegative().optional(),
});
export type AuditExportPage = z.infer<typeof AuditExportPage>;
