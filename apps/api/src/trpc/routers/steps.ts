/** steps.*: the executor protocol. */
import { ClaimedStep, ClaimInput, CompleteInput, FailInput, HeartbeatInput, HeartbeatResult, Id, Step, StepReport } from '@greenlight/core';
import { z } from 'zod';
import { router, unwrap, workspaceProcedure } from '../init.ts';

export const stepsRouter = router({
  get: workspaceProcedure.input(z.strictObject({ stepId: Id })).output(Step).query(({ ctx, input }) => unwrap(ctx.ws.getStep(ctx.cred, input.stepId))),
  claim: workspaceProcedure
    .input(ClaimInput.default({ max: 1 }))
    .output(z.object({ steps: z.array(ClaimedStep) }))
    .mutation(({ ctx, input }) => unwrap(ctx.ws.claim(ctx.cred, input))),
  heartbeat: workspaceProcedure.input(HeartbeatInput).output(HeartbeatResult).mutation(({ ctx, input }) => unwrap(ctx.ws.heartbeat(ctx.cred, input))),
  complete: workspaceProcedure.input(CompleteInput).output(StepReport).mutation(({ ctx, input }) => unwrap(ctx.ws.complete(ctx.cred, input))),
  fail: workspaceProcedure.input(FailInput).output(StepReport).mutation(({ ctx, input }) => unwrap(ctx.ws.fail(ctx.cred, input))),
});
