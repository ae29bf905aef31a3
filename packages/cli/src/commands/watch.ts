/**
 * `greenlight watch`: the workspace's events live, one line each (NDJSON with --json),
 * through the SDK's watch(), which reconnects and resumes by itself. Ctrl-C ends it.
 * An unknown --task is NOT_FOUND at once; a server that never opens the live connection
 * is a TIMEOUT after the request budget.
 */
import { eventSummary, revealHiddenDeep, type Event } from '@greenlight/core';
import { RequestTimeout, UsageError } from '../errors.ts';
import { oneLine, type Out } from '../output.ts';
import { str, type Command } from './spec.ts';

/** One event as a line; its strings (an actor, a title in its data) are shown through core's revealHidden. */
function eventLine(event: Event, out: Out): string {
  const e = revealHiddenDeep(event);
  const time = new Date(e.at).toISOString().slice(11, 19);
  const where = [e.taskId && `task=${e.taskId}`, e.stepId && `step=${e.stepId}`].filter(Boolean).join(' ');
  // What the event says, typed (core's eventSummary); --json prints the whole event.
  const what = oneLine(eventSummary(e), 100);
  return [out.paint('gray', `#${e.seq}`), time, out.paint('bold', e.type), e.actor, where, out.paint('gray', what)].filter(Boolean).join(' ');
}

function nonNegativeInt(v: string | undefined, flag: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`${flag} must be a non-negative integer`);
  return n;
}

const STOPPED = Symbol('stopped');

export const watch: Command = {
  usage: 'watch [--task <taskId>] [--after <seq>] [--count <n>]',
  summary: 'live events, one line each (default: a task from its start, the workspace from now)',
  options: { task: { type: 'string' }, after: { type: 'string' }, count: { type: 'string' } },
  async run(ctx, args, values) {
    if (args.length > 0) throw new UsageError('watch takes no arguments');
    const after = nonNegativeInt(str(values.after), '--after');
    const count = nonNegativeInt(str(values.count), '--count');
    const taskId = str(values.task);
    // --count 0 asks for no events (like `head -n 0`): done, before any request.
    if (count === 0) return 0;
    const client = ctx.client();
    // An unknown task is NOT_FOUND at once (the stream itself would just stay silent).
    // Without --after: a task's whole story (it is short), or the workspace's from now on
    // (its log may hold 100,000 events; counts.events is the last seq).
    if (taskId) await client.tasks.get.query({ taskId });
    const from = after ?? (taskId ? 0 : (await client.workspaces.get.query()).counts.events);

    const ctrl = new AbortController();
    const stop = () => ctrl.abort();
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    const stopped = new Promise<typeof STOPPED>((resolve) => ctrl.signal.addEventListener('abort', () => resolve(STOPPED), { once: true }));
    // The live connection has the same budget as a request, until it is first ready; after
    // that the SDK reconnects by itself and watching is open-ended (Ctrl-C ends it).
    let connectTimer: NodeJS.Timeout | undefined;
    const notConnected = new Promise<never>((_, reject) => {
      connectTimer = setTimeout(() => reject(new RequestTimeout('no live connection to', ctx.config().url, ctx.budgetMs)), ctx.budgetMs);
    });
    notConnected.catch(() => {});
    const events = client.watch({ after: from, signal: ctrl.signal, onReady: () => clearTimeout(connectTimer), ...(taskId ? { taskId } : {}) });
    const it = events[Symbol.asyncIterator]();
    let seen = 0;
    try {
      for (;;) {
        // Raced rather than awaited alone: a stop or a dead connection must not wait for
        // the stream to wind down (a socket that never opened may never say it closed).
        const pending = it.next();
        pending.catch(() => {});
        const next = await Promise.race([pending, stopped, notConnected]);
        if (next === STOPPED || next.done) break;
        const event = next.value;
        ctx.out.line(ctx.out.json ? JSON.stringify(event) : eventLine(event, ctx.out));
        if (count !== undefined && ++seen >= count) break;
      }
    } finally {
      clearTimeout(connectTimer);
      ctrl.abort();
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    }
    return 0;
  },
};
