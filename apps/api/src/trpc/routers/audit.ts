/**
 * audit.*: admin only. The event log as a verifiable hash chain, a page of text at a
 * time (a query, so pages are plain GETs; the CLI and SDK page with `nextAfter`).
 */
import { AuditExportInput, AuditExportPage } from '@greenlight/core';
import { router, unwrap, workspaceProcedure } from '../init.ts';

export const auditRouter = router({
  export: workspaceProcedure
    .input(AuditExportInput.default({ after: 0, format: 'ndjson', limit: 500 }))
    .output(AuditExportPage)
    .query(({ ctx, input }) => unwrap(ctx.ws.auditExport(ctx.cred, input))),
});
