/** `greenlight cancel <taskId> [--reason <text>]`: close the task's approvals and stop its steps. */
import { UsageError } from '../errors.ts';
import { paintStatus } from '../output.ts';
import { str, type Command } from './spec.ts';

export const cancel: Command = {
  usage: 'cancel <taskId> [--reason <text>]',
  summary: 'cancel a task',
  options: { reason: { type: 'string', short: 'm' } },
  async run(ctx, args, values) {
    const [taskId, ...rest] = args;
    if (!taskId || rest.length > 0) throw new UsageError('cancel takes one task id (the reason goes in --reason)');
    const reason = str(values.reason);
    const task = await ctx.client().tasks.cancel.mutate({ taskId, ...(reason ? { reason } : {}) });
    if (ctx.out.json) ctx.out.line(JSON.stringify(task));
    else ctx.out.line(`${task.title} ${ctx.out.paint('gray', task.id)}: ${paintStatus(ctx.out, task.status)}`);
    return 0;
  },
};
