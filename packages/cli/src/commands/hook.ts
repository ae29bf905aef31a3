/**
 * `greenlight hook claude-code|codex|cursor`: read the host's hook JSON on stdin (any of
 * its events: the payload names it), print the answer in the host's format on stdout,
 * exit 0. The guard (hook/guard.ts) makes that hold whatever happens: a signal or the
 * watchdog gives the fallback and takes back what was proposed, a crash gives the
 * blocking error (exit 2).
 */
import type { HookHost } from '@greenlight/core/hooks';
import { secondsToMs } from '../budget.ts';
import { UsageError } from '../errors.ts';
import type { PermissionDecision } from '../hook/answer.ts';
import { guardHook } from '../hook/guard.ts';
import { fallbackFor, runHook, type HookState } from '../hook/run.ts';
import { str, type Command } from './spec.ts';

/** Under Claude Code's own hook timeout (600 s by default), so our fallback is what it gets. */
export const DEFAULT_HOOK_TIMEOUT_S = 540;
/** The watchdog answers this long after --timeout if the wait has not ended by itself. */
const WATCHDOG_GRACE_MS = 8_000;
/** After the answer: take back what was proposed (two requests at most). */
const CLEANUP_MS = 4_000;
const ON_ERROR = ['ask', 'deny', 'allow'] as const;
const HOSTS_NAMES: readonly HookHost[] = ['claude-code', 'codex', 'cursor'];

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

const truthy = (v: string | undefined): boolean => v !== undefined && /^(1|true|yes|on)$/i.test(v);

export function hookSettings(values: Record<string, string | boolean | undefined>, env: Record<string, string | undefined> = process.env) {
  const onError = str(values['on-error']) ?? env.GREENLIGHT_HOOK_ON_ERROR ?? 'ask';
  if (!(ON_ERROR as readonly string[]).includes(onError)) throw new UsageError(`--on-error / GREENLIGHT_HOOK_ON_ERROR must be one of ${ON_ERROR.join(', ')} (got ${onError})`);
  const timeoutRaw = str(values.timeout) ?? env.GREENLIGHT_HOOK_TIMEOUT ?? String(DEFAULT_HOOK_TIMEOUT_S);
  return {
    onError: onError as PermissionDecision,
    timeoutMs: secondsToMs(timeoutRaw, '--timeout / GREENLIGHT_HOOK_TIMEOUT'),
    defer: values.defer === true || truthy(env.GREENLIGHT_HOOK_DEFER),
    closeOnStop: values['close-on-stop'] === true || truthy(env.GREENLIGHT_HOOK_CLOSE_ON_STOP),
    perCall: values['task-per-call'] === true || env.GREENLIGHT_HOOK_TASK === 'call',
  };
}

export const hook: Command = {
  usage: 'hook claude-code|codex|cursor [--timeout <seconds>] [--on-error ask|deny|allow] [--defer] [--close-on-stop] [--task-per-call]',
  summary: "a coding agent's hook: its event JSON on stdin -> its answer on stdout (docs/hooks.md)",
  options: { timeout: { type: 'string' }, 'on-error': { type: 'string' }, defer: { type: 'boolean' }, 'close-on-stop': { type: 'boolean' }, 'task-per-call': { type: 'boolean' } },
  run(ctx, args, values) {
    const host = args[0] as HookHost;
    if (!HOSTS_NAMES.includes(host) || args.length > 1) throw new UsageError('usage: greenlight hook claude-code|codex|cursor');
    const settings = hookSettings(values);
    const state: HookState = {};
    // Installed before the first await: from here on every way out prints one answer.
    const guard = guardHook({
      fallback: (why) => fallbackFor(host, state.event, settings.onError, why),
      watchdogMs: settings.timeoutMs + WATCHDOG_GRACE_MS,
      cleanupMs: CLEANUP_MS,
      cleanup: (why) => state.abandon?.(`the ${host} hook stopped before an answer: ${why}`) ?? Promise.resolve(),
    });
    readStdin()
      .then((raw) =>
        runHook(raw, {
          ...settings,
          host,
          config: ctx.config,
          requestMs: ctx.budgetMs,
          signal: guard.signal,
          state,
          log: (line) => ctx.out.err(line),
        }),
      )
      .then((result) => guard.answer(result.output, result.after), guard.crash);
    return guard.done;
  },
};
