/**
 * `greenlight hook claude-code`: one PreToolUse call, start to end. The tool call
 * becomes a one-step task, the policy or a reviewer decides, and the answer goes back
 * as the hook's JSON. Every failure (no config, server down, no decision in time) ends
 * in the configured fallback, never in a hang: Claude Code is waiting on us.
 */
import { createClient, GreenlightError, type GreenlightClient } from '@greenlight/sdk';
import type { Step } from '@greenlight/core';
import type { Config } from '../config.ts';
import { answerFor, hookOutput, type HookOutput, type PermissionDecision } from './answer.ts';
import { HookInput } from './input.ts';
import { toolToStep } from './map.ts';

export type HookOptions = {
  /** How long to wait for a decision before the fallback. */
  timeoutMs: number;
  /** What to answer when Greenlight cannot decide: unreachable, misconfigured, timed out. */
  onError: PermissionDecision;
  config: () => Config;
  /** Aborted when Claude Code stops the hook (SIGTERM/SIGINT). */
  signal?: AbortSignal;
  log?: (line: string) => void;
};

/** One request's budget; waiting for the decision has its own (timeoutMs). */
const REQUEST_MS = 15_000;
/** Cleanup after the answer (handoff, cancel) must not hold Claude Code up for long. */
const CLEANUP_MS = 3_000;

const FALLBACK_WORDS: Record<PermissionDecision, string> = {
  ask: 'asking you instead',
  deny: 'denying it to be safe (GREENLIGHT_HOOK_ON_ERROR=deny)',
  allow: 'allowing it (GREENLIGHT_HOOK_ON_ERROR=allow)',
};

export function fallback(onError: PermissionDecision, why: string): HookOutput {
  return hookOutput(onError, `Greenlight could not decide (${why}); ${FALLBACK_WORDS[onError]}`);
}

const explain = (err: unknown): string => {
  const e = GreenlightError.from(err);
  return `${e.code}: ${e.message}`;
};

/** fetch with a per-request timeout, also cut short when the hook is stopped. */
function timedFetch(signal: AbortSignal | undefined): typeof fetch {
  return (input, init) => {
    const signals = [AbortSignal.timeout(REQUEST_MS), ...(signal ? [signal] : []), ...(init?.signal ? [init.signal] : [])];
    return fetch(input, { ...init, signal: AbortSignal.any(signals) });
  };
}

/** Run `fn` but give up after `ms`, for best-effort calls after the answer is known. */
async function bounded(ms: number, fn: () => Promise<unknown>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([fn().catch(() => undefined), new Promise((r) => (timer = setTimeout(r, ms)))]);
  clearTimeout(timer);
}

/**
 * Claude Code runs the approved call itself, so the hook claims the step and reports it
 * handed over: the task finishes instead of sitting `approved` forever.
 */
async function handOff(client: GreenlightClient, taskId: string, input: HookInput): Promise<void> {
  const { steps } = await client.steps.claim.mutate({ taskId, max: 1 });
  const claimed = steps[0];
  if (!claimed) return;
  await client.steps.complete.mutate({
    stepId: claimed.stepId,
    leaseId: claimed.leaseId,
    output: { handedTo: 'claude-code', ...(input.tool_use_id ? { toolUseId: input.tool_use_id } : {}) },
  });
}

function taskMetadata(input: HookInput): Record<string, unknown> {
  return {
    source: 'claude-code',
    sessionId: input.session_id,
    tool: input.tool_name,
    ...(input.tool_use_id ? { toolUseId: input.tool_use_id } : {}),
    ...(input.cwd ? { cwd: input.cwd } : {}),
    ...(input.transcript_path ? { transcriptPath: input.transcript_path } : {}),
    ...(input.permission_mode ? { permissionMode: input.permission_mode } : {}),
  };
}

/** The hook's answer for one stdin payload; undefined for events other than PreToolUse (no opinion). */
export async function runHook(raw: string, opts: HookOptions): Promise<HookOutput | undefined> {
  const log = opts.log ?? (() => {});
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return fallback(opts.onError, 'the hook input on stdin is not JSON');
  }
  const parsed = HookInput.safeParse(json);
  if (!parsed.success) return fallback(opts.onError, `unexpected hook input: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const input = parsed.data;
  if (input.hook_event_name !== 'PreToolUse') {
    log(`greenlight: ignoring ${input.hook_event_name} (register this hook for PreToolUse)`);
    return undefined;
  }

  let config: Config;
  try {
    config = opts.config();
  } catch (err) {
    return fallback(opts.onError, err instanceof Error ? err.message : String(err));
  }
  const client = createClient({ url: config.url, key: config.key, fetch: timedFetch(opts.signal) });
  // Cleanup still runs after the hook was told to stop, so it does not share its signal.
  const cleanup = createClient({ url: config.url, key: config.key, fetch: timedFetch(undefined) });

  let taskId: string | undefined;
  try {
    const step = await toolToStep(input);
    const task = await client.plan({
      title: `Claude Code: ${step.title}`,
      steps: [step],
      metadata: taskMetadata(input),
      // A repeated hook run for the same tool call finds the same task.
      ...(input.tool_use_id ? { idempotencyKey: `claude-code:${input.session_id}:${input.tool_use_id}`.slice(0, 200) } : {}),
    });
    taskId = task.id;
    let decided: Step = task.steps[0]!;
    if (decided.status === 'awaiting_approval') {
      log(`greenlight: waiting for a decision on "${step.title}" (task ${task.id})`);
      decided = (await client.waitForDecision(decided.id, { timeoutMs: opts.timeoutMs, ...(opts.signal ? { signal: opts.signal } : {}) })).step;
    }
    let cancel: { by: string; reason?: string | undefined } | undefined;
    if (decided.status === 'cancelled') cancel = (await client.tasks.get.query({ taskId: task.id })).cancel;
    const answer = answerFor(decided, input, cancel);
    const id = task.id;
    if (answer.hookSpecificOutput.permissionDecision === 'allow' && decided.status === 'approved') {
      await bounded(CLEANUP_MS, () => handOff(cleanup, id, input));
    } else if (decided.status === 'changes_requested' || decided.status === 'approved') {
      // Claude was told what to do instead (feedback, or a modified diff it must make
      // itself) and will propose a new call, a new task: this one is done.
      await bounded(CLEANUP_MS, () => cleanup.tasks.cancel.mutate({ taskId: id, reason: `Claude Code was told (${answer.hookSpecificOutput.permissionDecision}) and will propose a new tool call` }));
    }
    return answer;
  } catch (err) {
    const id = taskId;
    // Nobody is waiting for this approval any more: close it so no reviewer approves into the void.
    if (id) await bounded(CLEANUP_MS, () => cleanup.tasks.cancel.mutate({ taskId: id, reason: `the Claude Code hook stopped waiting (${GreenlightError.from(err).code})` }));
    return fallback(opts.onError, explain(err));
  }
}
