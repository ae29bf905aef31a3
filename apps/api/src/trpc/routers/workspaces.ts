/** workspaces.*: create and list with the root token; get with a workspace key. */
import { CreateWorkspaceInput, Limit, RateLimits, SecretString, SetLimitsInput, WorkspaceDetail, Workspace, page } from '@greenlight/core';
import { z } from 'zod';
import { rootProcedure, router, unwrap, workspaceProcedure } from '../init.ts';

export const workspacesRouter = router({
  create: rootProcedure
    .input(CreateWorkspaceInput)
    .output(z.object({ workspace: Workspace, adminKey: SecretString }))
    .mutation(async ({ ctx, input }) => {
      const registry = ctx.registry();
      await unwrap(registry.register({ id: input.id, name: input.name, createdAt: Date.now() }));
      const created = await ctx.workspace(input.id).init(input);
      if (!created.ok) await registry.unregister(input.id);
      return unwrap(created);
    }),
  list: rootProcedure
    .input(z.strictObject({ cursor: z.string().max(40).optional(), limit: Limit }).default({ limit: 50 }))
    .output(page(z.object({ id: z.string(), name: z.string(), createdAt: z.number() })))
    .query(({ ctx, input }) => ctx.registry().list(input)),
  get: workspaceProcedure.output(WorkspaceDetail).query(({ ctx }) => unwrap(ctx.ws.getWorkspace(ctx.cred))),
  /** Admin: the workspace's rate limits, per key and for the whole workspace. */
  setLimits: workspaceProcedure
    .input(SetLimitsInput)
    .output(RateLimits)
    .mutation(({ ctx, input }) => unwrap(ctx.ws.setLimits(ctx.cred, input))),
});
