/** approvals.*: the inbox, and decisions bound to the paramsHash the reviewer saw. */
import { Approval, DecideInput, DecideManyInput, DecideResult, ListApprovalsInput, page } from '@greenlight/core';
import { z } from 'zod';
import { router, unwrap, workspaceProcedure } from '../init.ts';

export const approvalsRouter = router({
  list: workspaceProcedure
    .input(ListApprovalsInput.default({ status: 'open', limit: 50 }))
    .output(page(Approval))
    .query(({ ctx, input }) => unwrap(ctx.ws.listApprovals(ctx.cred, input))),
  decide: workspaceProcedure.input(DecideInput).output(DecideResult).mutation(({ ctx, input }) => unwrap(ctx.ws.decide(ctx.cred, input))),
  decideMany: workspaceProcedure
    .input(DecideManyInput)
    .output(z.object({ items: z.array(DecideResult) }))
    .mutation(({ ctx, input }) => unwrap(ctx.ws.decideMany(ctx.cred, input))),
});
