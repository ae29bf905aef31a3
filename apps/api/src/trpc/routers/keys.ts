/** keys.*: admin only. A secret is returned once, at creation. */
import { CreatedKey, CreateKeyInput, IdempotencyKey, Key, RevokeKeyInput } from '@greenlight/core';
import { z } from 'zod';
import { router, unwrap, workspaceProcedure } from '../init.ts';

export const keysRouter = router({
  create: workspaceProcedure
    .input(CreateKeyInput.extend({ idempotencyKey: IdempotencyKey.optional() }))
    .output(CreatedKey)
    .mutation(({ ctx, input }) => unwrap(ctx.ws.createKey(ctx.cred, input))),
  list: workspaceProcedure.output(z.object({ items: z.array(Key) })).query(({ ctx }) => unwrap(ctx.ws.listKeys(ctx.cred))),
  revoke: workspaceProcedure
    .input(RevokeKeyInput)
    .output(Key)
    .mutation(({ ctx, input }) => unwrap(ctx.ws.revokeKey(ctx.cred, input))),
});
