/** people.*: admin only. Which person each identity counts for (docs/people.md). */
import { IdentityLink, LinkIdentityInput, ListLinksInput, UnlinkIdentityInput } from '@greenlight/core';
import { z } from 'zod';
import { router, unwrap, workspaceProcedure } from '../init.ts';

export const peopleRouter = router({
  /** Count `principal` as `person` (resolved to its root): BAD_REQUEST self_link, CONFLICT already_linked / has_members. */
  link: workspaceProcedure
    .input(LinkIdentityInput)
    .output(IdentityLink)
    .mutation(({ ctx, input }) => unwrap(ctx.ws.linkIdentity(ctx.cred, input))),
  /** `principal` counts for itself again; NOT_FOUND when it is not linked. */
  unlink: workspaceProcedure
    .input(UnlinkIdentityInput)
    .output(IdentityLink)
    .mutation(({ ctx, input }) => unwrap(ctx.ws.unlinkIdentity(ctx.cred, input))),
  /** Every link, or one person's (at most 1000). */
  list: workspaceProcedure
    .input(ListLinksInput)
    .output(z.object({ items: z.array(IdentityLink) }))
    .query(({ ctx, input }) => unwrap(ctx.ws.listLinks(ctx.cred, input))),
});
