/** history.*: who decided what, when and why, across tasks, newest first (issue 16, item 3). */
import { HistoryEntry, ListHistoryInput, page } from '@greenlight/core';
import { router, unwrap, workspaceProcedure } from '../init.ts';

export const historyRouter = router({
  list: workspaceProcedure
    .input(ListHistoryInput.default({ limit: 50 }))
    .output(page(HistoryEntry))
    .query(({ ctx, input }) => unwrap(ctx.ws.listHistory(ctx.cred, input))),
});
