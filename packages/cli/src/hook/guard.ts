/**
 * The hook's promise to its host (Claude Code, Codex, Cursor), kept at the level of the
 * process: exactly one answer, whatever happens, and nothing left open on the server.
 *
 * Claude Code (and Codex, which follows its contract) reads a PreToolUse hook's JSON only
 * when it exits 0, blocks the call on exit 2, and runs the tool anyway on any other exit
 * (1, 13, a crash); Cursor also reads exit 2 as a deny. So:
 * - the normal answer, or a stop's fallback (SIGTERM, SIGINT, SIGHUP, the watchdog, the
 *   launcher going away), is printed once, then what the hook created is cancelled
 *   (within a budget), then the process exits 0;
 * - an internal error (an uncaught exception or an unhandled rejection, anywhere) is the
 *   blocking answer: one line on stderr, cancel, exit 2;
 * - an exit that none of these decided (the event loop ran dry with the hook still
 *   waiting) is the blocking answer too, and an exit after an answer keeps its code.
 * It never waits for the hook's own work to wind down after a stop: that work may be
 * stuck (a socket that never closes); the answer and the cleanup do not depend on it.
 */
import { writeSync } from 'node:fs';
import type { HostAnswer } from '@greenlight/core/hooks';

const SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;

export type GuardOptions = {
  /** The answer when the hook is stopped before it has one (the --on-error fallback). */
  fallback: (why: string) => HostAnswer;
  /** Stop with the fallback after this long, whatever the hook is doing (ms). */
  watchdogMs: number;
  /** How long cleanup after an answer may take before the process exits anyway (ms). */
  cleanupMs: number;
  /** Take back what the hook created (cancel its task). */
  cleanup: (why: string) => Promise<unknown>;
};

export type Guard = {
  /** Aborted when the hook is stopped or crashes: ends its wait and its requests in flight. */
  signal: AbortSignal;
  /**
   * The hook's answer (undefined: no opinion, print nothing), printed unless one already
   * was; `after` is work to finish before exiting (hand-off, cancel), within cleanupMs.
   */
  answer: (output: HostAnswer, after?: () => Promise<unknown>) => void;
  /** Stop now with the fallback, and cancel what was created. */
  stop: (why: string) => void;
  /** An internal error: the blocking answer (exit 2), and cancel what was created. */
  crash: (err: unknown) => void;
  /** The exit code, once the answer is out and the cleanup has finished or run out of time. */
  done: Promise<number>;
};

const firstLine = (err: unknown): string => String(err instanceof Error ? err.message : err).split('\n')[0] ?? '';

/** `work` or `ms`, whichever ends first; its failure is not ours to report any more. */
export async function bounded(ms: number, work: (() => Promise<unknown>) | undefined): Promise<void> {
  if (!work) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.resolve()
      .then(work)
      .catch(() => undefined),
    new Promise((r) => (timer = setTimeout(r, ms))),
  ]);
  clearTimeout(timer);
}

/**
 * Install the guard on this process. Call it before the hook's first await, so no signal
 * or crash can fall between the launcher's handlers (bin/greenlight.js) and these.
 */
export function guardHook(opts: GuardOptions): Guard {
  const ctrl = new AbortController();
  let answered: 'json' | 'none' | 'block' | undefined;
  let resolveDone: (code: number) => void = () => {};
  const done = new Promise<number>((r) => (resolveDone = r));
  const exitCode = () => (answered === 'block' ? 2 : 0);

  // Written through process.stdout (a large answer may not fit a pipe at once), awaited before exit.
  const print = (output: Record<string, unknown>): Promise<void> =>
    new Promise((resolve) => {
      try {
        process.stdout.write(JSON.stringify(output) + '\n', () => resolve());
      } catch {
        resolve();
      }
    });

  const settle = async (printed: Promise<void>, after: (() => Promise<unknown>) | undefined) => {
    clearTimeout(watchdog);
    await Promise.all([printed, bounded(opts.cleanupMs, after)]);
    resolveDone(exitCode());
  };

  const answer: Guard['answer'] = (output, after) => {
    if (answered) return;
    answered = output ? 'json' : 'none';
    void settle(output ? print(output) : Promise.resolve(), after);
  };

  const stop = (why: string) => {
    if (answered) return;
    ctrl.abort(new Error(why));
    answer(opts.fallback(why), () => opts.cleanup(why));
  };

  const crash = (err: unknown) => {
    if (answered) {
      // The answer is out; whatever failed after it (hand-off, cleanup) must not change it.
      resolveDone(exitCode());
      return;
    }
    answered = 'block';
    ctrl.abort(err);
    try {
      writeSync(2, `greenlight: internal error (${firstLine(err)}); blocking this tool call\n`);
    } catch {
      // stderr is gone: exit 2 still blocks.
    }
    void settle(Promise.resolve(), () => opts.cleanup(`internal error: ${firstLine(err)}`));
  };

  for (const s of SIGNALS) process.on(s, () => stop(`the hook was stopped by ${s}`));
  process.on('uncaughtException', crash);
  process.on('unhandledRejection', crash);
  // A reader that went away (EPIPE) is no reason to crash: the answer had nowhere to go.
  process.stdout.on('error', () => {});
  // Started by the launcher (bin/greenlight.js on an older Node): stop when it is gone.
  if (process.channel) {
    process.on('disconnect', () => stop('the greenlight launcher exited'));
    process.channel.unref();
  }
  // Ref'd on purpose: while the hook waits on something that holds no handle, this does,
  // so the process ends in the fallback rather than in an empty event loop.
  const watchdog = setTimeout(() => stop(`no answer within ${Math.round(opts.watchdogMs / 1000)} s`), opts.watchdogMs);
  process.on('exit', () => {
    if (answered) {
      process.exitCode = exitCode();
      return;
    }
    try {
      writeSync(2, 'greenlight: the hook ended without a decision (internal error); blocking this tool call\n');
    } catch {
      // exit 2 still blocks.
    }
    process.exitCode = 2;
  });

  return { signal: ctrl.signal, answer, stop, crash, done };
}
