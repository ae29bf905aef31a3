/**
 * `greenlight hook claude-code`: one PreToolUse call, start to end. The tool call
 * becomes a one-step task, the policy or a reviewer decides, an approved step is
 * claimed (claim.ts: allow only for a step the hook holds), and the answer goes back
 * as the hook's JSON. Every failure (no config, server down, no decision in time) ends
 * in the configured fallback, never in a hang: Claude Code is waiting on us. What the
 * process does around it (signals, crashes, the watchdog, one answer) is guard.ts.
 */
import { randomUUID } from 'node:crypto';
import { createClient, type PlanRequest } from '@greenlight/sdk';
import type { Step } from '@greenlight/core';
import { budgetedFetch } from '../budget.ts';
import type { Config } from '../config.ts';
import { errorJson } from '../errors.ts';
import { answerFor, hookOutput, type HookOutput, type PermissionDecision } from './answer.ts';
import { claimThenAnswer, reportHandOff } from './claim.ts';
import type { CreatedTask } from './created.ts';
import { HookInput } from './input.ts';
import { toolToStep } from './map.ts';

export type HookOptions = {
  /** How long to wait for a decision before the fallback. */
  timeoutMs: number;
  /** What to answer when Greenlight cannot decide: unreachable, misconfigured, timed out. */
  onError: PermissionDecision;
  config: () => Config;
  /** Each request's budget (GREENLIGHT_TIMEOUT, default 15 s); waiting for the decision has its own (timeoutMs). */
  requestMs: number;
  /** Aborted when the hook is stopped (a signal, the watchdog): ends the wait and any request in flight. */
  signal: AbortSignal;
  /** Where the plan is recorded before it is sent, so a stop can cancel it (see created.ts). */
  created: CreatedTask;
  log?: (line: string) => void;
};

/** The answer, and what to finish after printing it (report the hand-off, or cancel the task). */
export type HookResult = { output: HookOutput | undefined; after?: () => Promise<unknown> };

const FALLBACK_WORDS: Record<PermissionDecision, string> = {
  ask: 'asking you instead',
  deny: 'denying it to be safe (GREENLIGHT_HOOK_ON_ERROR=deny)',
  allow: 'allowing it (GREENLIGHT_HOOK_ON_ERROR=allow)',
};

export function fallback(onError: PermissionDecision, why: string): HookOutput {
  return hookOutput(onError, `Greenlight could not decide (${why}); ${FALLBACK_WORDS[onError]}`);
}

const explain = (err: unknown): string => {
  const e = errorJson(err);
  return `${e.code}: ${e.message}`;
};
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

/**
 * The hook's answer for one stdin payload (no output for events other than PreToolUse:
 * no opinion). Never throws: every failure is the fallback, and a task it created is
 * cancelled after the answer.
 */
export async function runHook(raw: string, opts: HookOptions): Promise<HookResult> {
  const log = opts.log ?? (() => {});
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { output: fallback(opts.onError, 'the hook input on stdin is not JSON') };
  }
  const parsed = HookInput.safeParse(json);
  if (!parsed.success) return { output: fallback(opts.onError, `unexpected hook input: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`) };
  const input = parsed.data;
  if (input.hook_event_name !== 'PreToolUse') {
    log(`greenlight: ignoring ${input.hook_event_name} (register this hook for PreToolUse)`);
    return { output: undefined };
  }

  let config: Config;
  try {
    config = opts.config();
  } catch (err) {
    return { output: fallback(opts.onError, err instanceof Error ? err.message : String(err)) };
  }
  const client = createClient({ url: config.url, key: config.key, fetch: budgetedFetch(opts.requestMs, opts.signal) });
  // Cleanup still runs after the hook was told to stop, so it does not share its signal.
  const cleanup = createClient({ url: config.url, key: config.key, fetch: budgetedFetch(opts.requestMs) });
  const { created } = opts;

  try {
    // waitUntil: when this hook gives up waiting (its --timeout), shown on the reviewer's page.
    const step = await toolToStep(input, { waitUntil: Date.now() + opts.timeoutMs });
    opts.signal.throwIfAborted();
    const plan: PlanRequest = {
      title: `Claude Code: ${step.title}`,
      steps: [step],
      metadata: taskMetadata(input),
      // A repeated hook run for the same tool call finds the same task; without a
      // tool_use_id the key is this run's own, still needed to find the task after a stop.
      idempotencyKey: `claude-code:${input.session_id}:${input.tool_use_id ?? randomUUID()}`.slice(0, 200),
    };
    created.sending(plan, cleanup);
    const task = await client.plan(plan).catch((err: unknown) => {
      created.failed(err);
      throw err;
    });
    created.planned(task.id);
    const planned: Step = task.steps[0]!;
    let decided = planned;
    if (planned.status === 'awaiting_approval') {
      log(`greenlight: waiting for a decision on "${step.title}" (task ${task.id})`);
      // Bound to the approval this hook opened: no other round's decision answers it.
      const approvalId = planned.approval?.id;
      decided = (await client.waitForDecision(planned.id, { timeoutMs: opts.timeoutMs, signal: opts.signal, ...(approvalId ? { approvalId } : {}) })).step;
    }
    let cancel: { by: string; reason?: string | undefined } | undefined;
    if (decided.status === 'cancelled') cancel = (await client.tasks.get.query({ taskId: task.id })).cancel;
    const output = answerFor(decided, input, cancel);
    if (output.hookSpecificOutput.permissionDecision === 'allow') {
      // Claimed before the answer: Claude Code runs the call as soon as it reads allow (claim.ts).
      const claim = await claimThenAnswer(client, decided, planned.paramsHash, input);
      if (claim.held) {
        const { claimed } = claim;
        return { output: claim.output, after: () => reportHandOff(cleanup, claimed, input) };
      }
      return { output: claim.output, after: () => created.cancel(`the approved step was not handed out (${claim.step.status}); Claude Code was told to deny it`) };
    }
    if (decided.status === 'changes_requested' || decided.status === 'approved') {
      // Claude was told what to do instead (feedback, or a modified diff it must make
      // itself) and will propose a new call, a new task: this one is done.
      return { output, after: () => created.cancel(`Claude Code was told (${output.hookSpecificOutput.permissionDecision}) and will propose a new tool call`) };
    }
    return { output };
  } catch (err) {
    // Nobody is waiting for this approval any more: close it so no reviewer approves into the void.
    return { output: fallback(opts.onError, explain(err)), after: () => created.cancel(`the Claude Code hook stopped waiting (${errorJson(err).code})`) };
  }
}
