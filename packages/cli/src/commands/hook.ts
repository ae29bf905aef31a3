/**
 * `greenlight hook claude-code`: read Claude Code's PreToolUse JSON on stdin, print the
 * decision JSON on stdout, exit 0. A watchdog answers with the fallback if anything
 * still hangs a little after the timeout.
 */
import { UsageError } from '../errors.ts';
import { fallback, runHook } from '../hook/run.ts';
import type { PermissionDecision } from '../hook/answer.ts';
import { str, type Command } from './spec.ts';

/** Under Claude Code's own hook timeout (600 s by default), so our fallback is what it gets. */
export const DEFAULT_HOOK_TIMEOUT_S = 540;
const WATCHDOG_GRACE_MS = 8_000;
const STOP_GRACE_MS = 5_000;
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
  const timeoutS = Number(timeoutRaw);
  if (!Number.isFinite(timeoutS) || timeoutS <= 0) throw new UsageError(`--timeout / GREENLIGHT_HOOK_TIMEOUT must be a positive number of seconds (got ${timeoutRaw})`);
  return { onError: onError as PermissionDecision, timeoutMs: Math.round(timeoutS * 1000) };
}

export const hook: Command = {
  usage: 'hook claude-code [--timeout <seconds>] [--on-error ask|deny|allow]',
  summary: 'Claude Code PreToolUse hook: tool call on stdin -> decision JSON on stdout',
  options: { timeout: { type: 'string' }, 'on-error': { type: 'string' } },
  async run(ctx, args, values) {
    if (args[0] !== 'claude-code' || args.length > 1) throw new UsageError('usage: greenlight hook claude-code');
    const settings = hookSettings(values);
    const emit = (json: unknown) => process.stdout.write(JSON.stringify(json) + '\n');
    const ctrl = new AbortController();
    // Stopped by Claude Code: end the wait (the task gets cancelled), and make sure we exit.
    const stop = () => {
      ctrl.abort();
      setTimeout(() => {
        emit(fallback(settings.onError, 'the hook was stopped'));
        process.exit(0);
      }, STOP_GRACE_MS).unref();
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    const watchdog = setTimeout(() => {
      emit(fallback(settings.onError, `no answer within ${settings.timeoutMs / 1000} s`));
      process.exit(0);
    }, settings.timeoutMs + WATCHDOG_GRACE_MS);
    watchdog.unref();
    try {
      const answer = await runHook(await readStdin(), {
        ...settings,
        config: ctx.config,
        signal: ctrl.signal,
        log: (line) => ctx.out.err(line),
      });
      if (answer) emit(answer);
    } finally {
      clearTimeout(watchdog);
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
    }
    return 0;
  },
};
