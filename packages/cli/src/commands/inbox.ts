/** `greenlight inbox`: the open approvals, one line each. */
import type { Approval } from '@greenlight/core';
import { revealHiddenDeep } from '@greenlight/core';
import { UsageError } from '../errors.ts';
import { collectPages } from '../pages.ts';
import { age, oneLine, table } from '../output.ts';
import { str, type Command } from './spec.ts';

export const inbox: Command = {
  usage: 'inbox [--task <taskId>] [--limit <n>]',
  summary: 'open approvals: id, task, step, kind, title, age',
  options: { task: { type: 'string' }, limit: { type: 'string' } },
  async run(ctx, args, values) {
    if (args.length > 0) throw new UsageError(`inbox takes no arguments (got ${args.join(' ')})`);
    const limit = Number(str(values.limit) ?? 200);
    if (!Number.isInteger(limit) || limit < 1) throw new UsageError('--limit must be a positive integer');
    const taskId = str(values.task);
    // An unknown task is NOT_FOUND (exit 3), not an empty inbox.
    if (taskId) await ctx.client().tasks.get.query({ taskId });
    const { items, nextCursor } = await collectPages<Approval>(limit, undefined, (size, cursor) =>
      ctx.client().approvals.list.query({ status: 'open', limit: size, ...(taskId ? { taskId } : {}), ...(cursor ? { cursor } : {}) }),
    );

    const { out } = ctx;
    if (out.json) {
      out.line(JSON.stringify({ items, ...(nextCursor ? { nextCursor } : {}) }));
      return 0;
    }
    if (items.length === 0) {
      out.line(out.paint('green', 'Inbox zero: no open approvals.'));
      return 0;
    }
    const now = Date.now();
    const rows = [['APPROVAL', 'TASK', 'STEP', 'KIND', 'TITLE', 'AGE'].map((h) => out.paint('bold', h))];
    // Titles come from agents: escape sequences and bidi overrides are shown, not obeyed (core's revealHidden).
    for (const a of revealHiddenDeep(items)) {
      rows.push([out.paint('cyan', a.approvalId), `${oneLine(a.taskTitle, 32)} ${out.paint('gray', a.taskId)}`, a.stepKey, a.kind, oneLine(a.title, 50), age(a.requestedAt, now)]);
    }
    for (const line of table(rows)) out.line(line);
    if (nextCursor) out.line(out.paint('gray', `… more: raise --limit (showing ${items.length})`));
    return 0;
  },
};
