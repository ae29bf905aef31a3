/** groups.* (admin) and delegations.* (a reviewer for themselves, an admin for anyone): who approves group quorums (docs/people.md). */
import { ApproverGroup, Delegation, DeleteGroupInput, ListDelegationsInput, RevokeDelegationInput, SetDelegationInput, SetGroupInput } from '@greenlight/core';
import { z } from 'zod';
import { router, unwrap, workspaceProcedure } from '../init.ts';

export const groupsRouter = router({
  /** Create or replace a group's members (principals; each counts as its linked person). */
  set: workspaceProcedure
    .input(SetGroupInput)
    .output(ApproverGroup)
    .mutation(({ ctx, input }) => unwrap(ctx.ws.setGroup(ctx.cred, input))),
  list: workspaceProcedure.output(z.object({ items: z.array(ApproverGroup) })).query(({ ctx }) => unwrap(ctx.ws.listGroups(ctx.cred))),
  /** NOT_FOUND when there is no such group; rules naming it then have no members (nobody approves). */
  delete: workspaceProcedure
    .input(DeleteGroupInput)
    .output(z.object({ name: z.string() }))
    .mutation(({ ctx, input }) => unwrap(ctx.ws.deleteGroup(ctx.cred, input))),
});

export const delegationsRouter = router({
  /** `to` approves group quorums for `from` until `until`: BAD_REQUEST self_delegation / until_past / until_too_far; FORBIDDEN for someone else unless admin. */
  set: workspaceProcedure
    .input(SetDelegationInput)
    .output(Delegation)
    .mutation(({ ctx, input }) => unwrap(ctx.ws.setDelegation(ctx.cred, input))),
  list: workspaceProcedure
    .input(ListDelegationsInput)
    .output(z.object({ items: z.array(Delegation) }))
    .query(({ ctx, input }) => unwrap(ctx.ws.listDelegations(ctx.cred, input))),
  /** Its delegator, its delegate or an admin; NOT_FOUND when unknown. */
  revoke: workspaceProcedure
    .input(RevokeDelegationInput)
    .output(Delegation)
    .mutation(({ ctx, input }) => unwrap(ctx.ws.revokeDelegation(ctx.cred, input))),
});
