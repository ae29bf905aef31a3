/**
 * `greenlight watch`: the workspace's events live, one line each (NDJSON with --json),
 * through the SDK's watch(), which reconnects and resumes by itself. Ctrl-C ends it.
 */
import type { Event } from '@greenlight/core';
import { UsageError } from '../errors.ts';
import { oneLine, type Out } from '../output.ts';
import { str, type Command } from './spec.ts';

function eventLine(e: Event, out: Out): string {
  const time = new Date(e.at).toISOString().slice(11, 19);
  const where = [e.taskId && `task=${e.taskId}`, e.stepId && `step=${e.stepId}`].filter(Boolean).join(' ');
  const data = Object.keys(e.data).length > 0 ? oneLine(JSON.stringify(e.data), 100) : '';
  return [out.paint('gray', `#${e.seq}`), time, out.paint('bold', e.type), e.actor, where, out.paint('gray', data)].filter(Boolean).join(' ');
}

function nonNegativeInt(v: string | undefined, flag: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`${flag} must be a non-negative integer`);
  return n;
}

export const watch: Command = {
  usage: 'watch [--task <taskId>] [--after <seq>] [--count <n>]',
  summary: 'live events, one line each (default: a task from its start, the workspace from now)',
  options: { task: { type: 'string' }, after: { type: 'string' }, count: { type: 'string' } },
  async run(ctx, args, values) {
    if (args.length > 0) throw new UsageError('watch takes no arguments');
    const after = nonNegativeInt(str(values.after), '--after');
    const count = nonNegativeInt(str(values.count), '--count');
    const taskId = str(values.task);
    const client = ctx.client();
    const ctrl = new AbortController();
    const stop = () => ctrl.abort();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    // Without --after: a task's whole story (it is short), or the workspace's from now on
    // (its log may hold 100,000 events; counts.events is the last seq).
    const from = after ?? (taskId ? 0 : (await client.workspaces.get.query()).counts.events);
    let seen = 0;
    try {
      for await (const event of client.watch({ after: from, signal: ctrl.signal, ...(taskId ? { taskId } : {}) })) {
        ctx.out.line(ctx.out.json ? JSON.stringify(event) : eventLine(event, ctx.out));
        if (count !== undefined && ++seen >= count) break;
      }
    } finally {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    }
    return 0;
  },
};
