/**
 * `greenlight hook claude-code`: read Claude Code's PreToolUse JSON on stdin, print the
 * decision JSON on stdout, exit 0. The guard (hook/guard.ts) makes that hold whatever
 * happens: a signal or the watchdog gives the fallback and cancels the task, a crash
 * gives Claude Code's blocking error (exit 2).
 */
import { secondsToMs } from '../budget.ts';
import { UsageError } from '../errors.ts';
import type { PermissionDecision } from '../hook/answer.ts';
import { CreatedTask } from '../hook/created.ts';
import { guardHook } from '../hook/guard.ts';
import { fallback, runHook } from '../hook/run.ts';
import { str, type Command } from './spec.ts';

/** Under Claude Code's own hook timeout (600 s by default), so our fallback is what it gets. */
export const DEFAULT_HOOK_TIMEOUT_S = 540;
/** The watchdog answers this long after --timeout if the wait has not ended by itself. */
const WATCHDOG_GRACE_MS = 8_000;
/** After the answer: hand the step over, or cancel the task (two requests at most). */
const CLEANUP_MS = 4_000;
const ON_ERROR = ['ask', 'deny', 'allow'] as const;

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

export function hookSettings(values: Record<string, string | boolean | undefined>, env: Record<string, string | undefined> = process.env) {
  const onError = str(values['on-error']) ?? env.GREENLIGHT_HOOK_ON_ERROR ?? 'ask';
  if (!(ON_ERROR as readonly string[]).includes(onError)) throw new UsageError(`--on-error / GREENLIGHT_HOOK_ON_ERROR must be one of ${ON_ERROR.join(', ')} (got ${onError})`);
  const timeoutRaw = str(values.timeout) ?? env.GREENLIGHT_HOOK_TIMEOUT ?? String(DEFAULT_HOOK_TIMEOUT_S);
  return { onError: onError as PermissionDecision, timeoutMs: secondsToMs(timeoutRaw, '--timeout / GREENLIGHT_HOOK_TIMEOUT') };
}

export const hook: Command = {
  usage: 'hook claude-code [--timeout <seconds>] [--on-error ask|deny|allow]',
  summary: 'Claude Code PreToolUse hook: tool call on stdin -> decision JSON on stdout',
  options: { timeout: { type: 'string' }, 'on-error': { type: 'string' } },
  run(ctx, args, values) {
    if (args[0] !== 'claude-code' || args.length > 1) throw new UsageError('usage: greenlight hook claude-code');
    const settings = hookSettings(values);
    const created = new CreatedTask();
    // Installed before the first await: from here on every way out prints one answer.
    const guard = guardHook({
      fallback: (why) => fallback(settings.onError, why),
      watchdogMs: settings.timeoutMs + WATCHDOG_GRACE_MS,
      cleanupMs: CLEANUP_MS,
      cleanup: (why) => created.cancel(`the Claude Code hook stopped before an answer: ${why}`),
    });
    readStdin()
      .then((raw) =>
        runHook(raw, {
          ...settings,
          config: ctx.config,
          requestMs: ctx.budgetMs,
          signal: guard.signal,
          created,
          log: (line) => ctx.out.err(line),
        }),
      )
      .then((result) => guard.answer(result.output, result.after), guard.crash);
    return guard.done;
  },
};
