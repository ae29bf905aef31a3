/** approvals.*: the inbox, one approval open or not, and decisions bound to the paramsHash the reviewer saw. */
import { Approval, ApprovalRecord, ChallengeInput, PasskeyOptions, DecideInput, DecideManyInput, DecideResult, GetApprovalInput, ListApprovalsInput, page } from '@greenlight/core';
import { z } from 'zod';
import { router, unwrap, workspaceProcedure } from '../init.ts';

export const approvalsRouter = router({
  list: workspaceProcedure
    .input(ListApprovalsInput.default({ status: 'open', limit: 50 }))
    .output(page(Approval))
    .query(({ ctx, input }) => unwrap(ctx.ws.listApprovals(ctx.cred, input))),
  get: workspaceProcedure
    .input(GetApprovalInput)
    .output(ApprovalRecord)
    .query(({ ctx, input }) => unwrap(ctx.ws.getApproval(ctx.cred, input.approvalId))),
  decide: workspaceProcedure
    .input(DecideInput)
    .output(DecideResult)
    .mutation(({ ctx, input }) => unwrap(ctx.ws.decide(ctx.cred, input, ctx.publicOrigin))),
  /** Step-up (docs/step-up.md): WebAuthn request options whose challenge is bound to this approvalId and paramsHash; single-use, five minutes. */
  challenge: workspaceProcedure
    .input(ChallengeInput)
    .output(PasskeyOptions)
    .mutation(({ ctx, input }) => unwrap(ctx.ws.approvalChallenge(ctx.cred, input, ctx.publicOrigin))),
  decideMany: workspaceProcedure
    .input(DecideManyInput)
    .output(z.object({ items: z.array(DecideResult) }))
    .mutation(({ ctx, input }) => unwrap(ctx.ws.decideMany(ctx.cred, input))),
});
