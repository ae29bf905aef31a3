/** policy.*: read by anyone in the workspace, set by admins, evaluated without side effects. */
import { EvaluateInput, PolicyState, PolicyVerdict, SetPolicyInput, SimulateInput, SimulationReport } from '@greenlight/core';
import { router, unwrap, workspaceProcedure } from '../init.ts';

export const policyRouter = router({
  get: workspaceProcedure.output(PolicyState).query(({ ctx }) => unwrap(ctx.ws.getPolicy(ctx.cred))),
  set: workspaceProcedure
    .input(SetPolicyInput)
    .output(PolicyState)
    .mutation(({ ctx, input }) => unwrap(ctx.ws.setPolicy(ctx.cred, input))),
  /** What a candidate policy would decide differently over recent tasks, before it is set. */
  simulate: workspaceProcedure
    .input(SimulateInput)
    .output(SimulationReport)
    .query(({ ctx, input }) => unwrap(ctx.ws.simulatePolicy(ctx.cred, input))),
  evaluate: workspaceProcedure
    .input(EvaluateInput)
    .output(PolicyVerdict)
    .query(({ ctx, input }) => unwrap(ctx.ws.evaluatePolicy(ctx.cred, input))),
});
