/** grants.*: remembered approvals (docs/sessions.md): list, revoke, and the rules `always` proposes, which an admin confirms. */
import { ConfirmProposalInput, Grant, GrantProposal, ListGrantsInput, RevokeGrantInput } from '@greenlight/core';
import { z } from 'zod';
import { router, unwrap, workspaceProcedure } from '../init.ts';

export const grantsRouter = router({
  list: workspaceProcedure
    .input(ListGrantsInput.default({ includeRevoked: false }))
    .output(z.object({ items: z.array(Grant) }))
    .query(({ ctx, input }) => unwrap(ctx.ws.listGrants(ctx.cred, input))),
  revoke: workspaceProcedure
    .input(RevokeGrantInput)
    .output(Grant)
    .mutation(({ ctx, input }) => unwrap(ctx.ws.revokeGrant(ctx.cred, input))),
  proposals: workspaceProcedure
    .input(z.strictObject({ all: z.boolean().default(false) }).default({ all: false }))
    .output(z.object({ items: z.array(GrantProposal) }))
    .query(({ ctx, input }) => unwrap(ctx.ws.listProposals(ctx.cred, input))),
  confirm: workspaceProcedure
    .input(ConfirmProposalInput)
    .output(z.object({ proposal: GrantProposal, policyVersion: z.number().int() }))
    .mutation(({ ctx, input }) => unwrap(ctx.ws.confirmProposal(ctx.cred, input))),
});
