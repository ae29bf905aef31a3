/**
 * The audit trail from a client: export the workspace's hash-chained log page by page
 * (admin key), and check an export offline (core's verifyAuditExport, re-exported).
 */
import type { AuditExportPage } from '@greenlight/core';
import type { Api } from './client.ts';

export type AuditExportOptions = {
  format?: 'ndjson' | 'csv';
  /** Start after this seq (default 0, the genesis); the export is anchored at that event's hash. */
  after?: number;
  /** Stop before this seq (default: up to the newest event). */
  before?: number;
  /** Events per page (server maximum 1000). */
  limit?: number;
  signal?: AbortSignal;
};

/**
 * Every page of `audit.export` in order, following `nextAfter`. The pages' `text`
 * joined with '' is one export that `verifyAuditExport` accepts; writing each page as it
 * comes keeps memory bounded for a long log.
 */
export async function* exportAudit(api: Api, opts: AuditExportOptions = {}): AsyncGenerator<AuditExportPage, void, undefined> {
  let after = opts.after ?? 0;
  for (;;) {
    opts.signal?.throwIfAborted();
    const page = await api.audit.export.query({
      after,
      format: opts.format ?? 'ndjson',
      ...(opts.before !== undefined ? { before: opts.before } : {}),
      ...(opts.limit !== undefined ? { limit: opts.limit } : {}),
    });
    yield page;
    if (page.nextAfter === undefined) return;
    after = page.nextAfter;
  }
}
