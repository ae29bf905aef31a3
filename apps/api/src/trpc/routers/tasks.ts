/** tasks.*: plan, read, revise, set mode, cancel; append to and close an open task (docs/sessions.md). */
import { AppendInput, AppendResult, CancelInput, CloseInput, ListTasksInput, PlanInput, PlanResult, ReviseInput, SetModeInput, GetTaskInput, TaskSummary, TaskView, page } from '@greenlight/core';
import { router, unwrap, workspaceProcedure } from '../init.ts';

export const tasksRouter = router({
  plan: workspaceProcedure
    .input(PlanInput)
    .output(PlanResult)
    .mutation(({ ctx, input }) => unwrap(ctx.ws.plan(ctx.cred, input))),
  append: workspaceProcedure
    .input(AppendInput)
    .output(AppendResult)
    .mutation(({ ctx, input }) => unwrap(ctx.ws.append(ctx.cred, input))),
  close: workspaceProcedure
    .input(CloseInput)
    .output(TaskView)
    .mutation(({ ctx, input }) => unwrap(ctx.ws.close(ctx.cred, input))),
  get: workspaceProcedure
    .input(GetTaskInput)
    .output(TaskView)
    .query(({ ctx, input }) => unwrap(ctx.ws.getTask(ctx.cred, input.taskId, input.steps))),
  list: workspaceProcedure
    .input(ListTasksInput.default({ limit: 50 }))
    .output(page(TaskSummary))
    .query(({ ctx, input }) => unwrap(ctx.ws.listTasks(ctx.cred, input))),
  revise: workspaceProcedure
    .input(ReviseInput)
    .output(TaskView)
    .mutation(({ ctx, input }) => unwrap(ctx.ws.revise(ctx.cred, input))),
  setMode: workspaceProcedure
    .input(SetModeInput)
    .output(TaskView)
    .mutation(({ ctx, input }) => unwrap(ctx.ws.setMode(ctx.cred, input))),
  cancel: workspaceProcedure
    .input(CancelInput)
    .output(TaskView)
    .mutation(({ ctx, input }) => unwrap(ctx.ws.cancel(ctx.cred, input))),
});
