/** tasks.*: plan, read, revise, set mode, cancel. */
import { CancelInput, ListTasksInput, PlanInput, ReviseInput, SetModeInput, TaskIdInput, TaskSummary, TaskView, page } from '@greenlight/core';
import { router, unwrap, workspaceProcedure } from '../init.ts';

export const tasksRouter = router({
  plan: workspaceProcedure.input(PlanInput).output(TaskView).mutation(({ ctx, input }) => unwrap(ctx.ws.plan(ctx.cred, input))),
  get: workspaceProcedure.input(TaskIdInput).output(TaskView).query(({ ctx, input }) => unwrap(ctx.ws.getTask(ctx.cred, input.taskId))),
  list: workspaceProcedure
    .input(ListTasksInput.default({ limit: 50 }))
    .output(page(TaskSummary))
    .query(({ ctx, input }) => unwrap(ctx.ws.listTasks(ctx.cred, input))),
  revise: workspaceProcedure.input(ReviseInput).output(TaskView).mutation(({ ctx, input }) => unwrap(ctx.ws.revise(ctx.cred, input))),
  setMode: workspaceProcedure.input(SetModeInput).output(TaskView).mutation(({ ctx, input }) => unwrap(ctx.ws.setMode(ctx.cred, input))),
  cancel: workspaceProcedure.input(CancelInput).output(TaskView).mutation(({ ctx, input }) => unwrap(ctx.ws.cancel(ctx.cred, input))),
});
