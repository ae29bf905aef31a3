/** steps.*: the executor protocol. */
import { ClaimedStep, ClaimInput, CompleteInput, FailInput, HeartbeatInput, HeartbeatResult, Id, ListStepsInput, page, Step, StepKey, StepReport } from '@greenlight/core';
import { z } from 'zod';
import { router, unwrap, workspaceProcedure } from '../init.ts';

export const stepsRouter = router({
  // By id, or by task and key (a host's natural id, such as Claude Code's tool_use_id: docs/sessions.md).
  get: workspaceProcedure
    .input(z.union([z.strictObject({ stepId: Id }), z.strictObject({ taskId: Id, key: StepKey })]))
    .output(Step)
    .query(({ ctx, input }) => unwrap('stepId' in input ? ctx.ws.getStep(ctx.cred, input.stepId) : ctx.ws.getStepByKey(ctx.cred, input.taskId, input.key))),
  // A task's steps a page at a time (newest first with order desc; only the waiting ones with status).
  list: workspaceProcedure
    .input(ListStepsInput)
    .output(page(Step))
    .query(({ ctx, input }) => unwrap(ctx.ws.listSteps(ctx.cred, input))),
  claim: workspaceProcedure
    .input(ClaimInput.default({ max: 1 }))
    .output(z.object({ steps: z.array(ClaimedStep) }))
    .mutation(({ ctx, input }) => unwrap(ctx.ws.claim(ctx.cred, input))),
  heartbeat: workspaceProcedure
    .input(HeartbeatInput)
    .output(HeartbeatResult)
    .mutation(({ ctx, input }) => unwrap(ctx.ws.heartbeat(ctx.cred, input))),
  complete: workspaceProcedure
    .input(CompleteInput)
    .output(StepReport)
    .mutation(({ ctx, input }) => unwrap(ctx.ws.complete(ctx.cred, input))),
  fail: workspaceProcedure
    .input(FailInput)
    .output(StepReport)
    .mutation(({ ctx, input }) => unwrap(ctx.ws.fail(ctx.cred, input))),
});
