/**
 * `greenlight hook <host>`: one hook call, start to end, for Claude Code, Codex or
 * Cursor. The payload is read in the host's format (core/hooks), then by event:
 * - decide (PreToolUse, PermissionRequest, beforeShellExecution, ...): the tool call is
 *   proposed as a step (session.ts), the policy or a reviewer decides, an approved step
 *   is claimed (claim.ts: allow only for a step the hook holds) and its lease kept on disk
 *   (leases.ts) for the result, and the verdict goes back in the host's exact format;
 * - result (PostToolUse, PostToolUseFailure, postToolUse): the held step is completed or
 *   failed with the tool's real (bounded) output;
 * - end / start: the session's task is closed / opened.
 * Every failure (no config, server down, no decision in time) ends in the configured
 * fallback, never in a hang: the host is waiting on us. What the process does around it
 * (signals, crashes, the watchdog, one answer) is guard.ts.
 */
import type { Step } from '@greenlight/core';
import {
  callKeyFor,
  fallbackVerdict,
  grantPermissions,
  HOSTS,
  isStepOfProposal,
  proposedHash,
  repeatKey,
  verdictForProposal,
  withoutEditedInput,
  type AnswerExtras,
  type HookEvent,
  type HookHost,
  type HostAnswer,
  type HostFormat,
  type StepDraft,
  type Verdict,
} from '@greenlight/core/hooks';
import { createClient, GreenlightError, type GreenlightClient } from '@greenlight/sdk';
import { budgetedFetch } from '../budget.ts';
import type { Config } from '../config.ts';
import { errorJson } from '../errors.ts';
import type { PermissionDecision } from './answer.ts';
import { claimThenVerdict, HANDOFF_LEASE_SECONDS } from './claim.ts';
import { callNames, LeaseStore, stateDir } from './leases.ts';
import { edited, end, result } from './results.ts';
import { perCallSessions, sessionTasks, type SessionCall, type Sessions } from './session.ts';

export type HookOptions = {
  host: HookHost;
  /** How long to wait for a decision before the fallback. */
  timeoutMs: number;
  /** What to answer when Greenlight cannot decide: unreachable, misconfigured, timed out. */
  onError: PermissionDecision;
  config: () => Config;
  /** Each request's budget (GREENLIGHT_TIMEOUT, default 15 s); waiting for the decision has its own (timeoutMs). */
  requestMs: number;
  /** Aborted when the hook is stopped (a signal, the watchdog): ends the wait and any request in flight. */
  signal: AbortSignal;
  /** Filled by the runner: the parsed event (for the guard's fallback) and how to take back what it proposed. */
  state: HookState;
  /** Headless Claude Code (`claude -p`): answer `defer` instead of waiting for a reviewer. */
  defer?: boolean;
  /** Close the session's task on Stop (Claude Code, Codex) / stop (Cursor) too, not only at the session's end. */
  closeOnStop?: boolean;
  /** One task per tool call instead of one per session (the mode before sessions; GREENLIGHT_HOOK_TASK=call). */
  perCall?: boolean;
  /** Where held leases live (tests point it at a temporary directory). */
  stateDir?: string;
  log?: (line: string) => void;
};

export type HookState = { event?: HookEvent; abandon?: (why: string) => Promise<void> };

/** The answer, and what to finish after printing it. */
export type HookResult = { output: HostAnswer; after?: () => Promise<unknown> };

const LABEL: Record<HookHost, string> = { 'claude-code': 'Claude Code', codex: 'Codex', cursor: 'Cursor' };

/** The fallback in the host's format for the event (a PreToolUse-style decision when the event is not known yet). */
export function fallbackFor(host: HookHost, event: HookEvent | undefined, onError: PermissionDecision, why: string): HostAnswer {
  const format = HOSTS[host].format;
  const verdict = fallbackVerdict(onError, why);
  if (event && event.type !== 'decide') return format.quiet(event);
  const decide: Extract<HookEvent, { type: 'decide' }> = event ?? { type: 'decide', mode: 'pre', event: 'PreToolUse', session: '', call: { tool: '', input: {} } };
  return format.answer(decide, verdict);
}

/** Claude Code's PreToolUse fallback (the hook's answer before it knew other hosts). */
export const fallback = (onError: PermissionDecision, why: string) =>
  HOSTS['claude-code'].format.answer({ type: 'decide', mode: 'pre', event: 'PreToolUse', session: '', call: { tool: '', input: {} } }, fallbackVerdict(onError, why)) as {
    hookSpecificOutput: { permissionDecision: string; permissionDecisionReason: string };
  };

const explain = (err: unknown): string => {
  const e = errorJson(err);
  return `${e.code}: ${e.message}`;
};

export type Ctx = { opts: HookOptions; format: HostFormat; client: GreenlightClient; cleanup: GreenlightClient; sessions: Sessions; leases: LeaseStore; log: (line: string) => void };

/**
 * The hook's answer for one payload. Never throws: every failure is the fallback, and
 * what it proposed is taken back after the answer where the mode can (session.ts).
 */
export async function runHook(raw: string, opts: HookOptions): Promise<HookResult> {
  const log = opts.log ?? (() => {});
  const format = HOSTS[opts.host].format;
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { output: fallbackFor(opts.host, undefined, opts.onError, 'the hook input on stdin is not JSON') };
  }
  const parsed = format.parse(json);
  if (!parsed.ok) return { output: fallbackFor(opts.host, undefined, opts.onError, `unexpected hook input: ${parsed.error}`) };
  const event = parsed.event;
  opts.state.event = event;
  if (event.type === 'ignored') {
    log(`greenlight: nothing to do for ${event.event}`);
    return { output: format.quiet(event) };
  }
  if (event.type === 'end' && event.optional && !opts.closeOnStop) return { output: format.quiet(event) };

  let config: Config;
  try {
    config = opts.config();
  } catch (err) {
    return { output: fallbackFor(opts.host, event, opts.onError, err instanceof Error ? err.message : String(err)) };
  }
  const client = createClient({ url: config.url, key: config.key, fetch: budgetedFetch(opts.requestMs, opts.signal) });
  // Cleanup still runs after the hook was told to stop, so it does not share its signal.
  const cleanup = createClient({ url: config.url, key: config.key, fetch: budgetedFetch(opts.requestMs) });
  const leases = new LeaseStore(opts.stateDir ?? stateDir(), HANDOFF_LEASE_SECONDS * 1000);
  // The one switch between a task per session (SESSIONS-API.md) and a task per call (session.ts).
  const sessions = opts.perCall ? perCallSessions(client, cleanup) : sessionTasks(client, { set: (s, t) => leases.setTask(s, t), get: (s) => leases.task(s) });
  opts.state.abandon = (why) => sessions.abandon(why);
  const ctx: Ctx = { opts, format, client, cleanup, sessions, leases, log };

  try {
    switch (event.type) {
      case 'decide':
        return await decide(event, ctx);
      case 'result':
        return await result(event, ctx);
      case 'edited':
        return await edited(event, ctx);
      case 'end':
        return await end(event, ctx);
      case 'start':
        await sessions.open({
          host: opts.host,
          session: event.session,
          taskTitle: `${LABEL[opts.host]} session${event.cwd ? ` in ${event.cwd.split(/[\\/]/).filter(Boolean).pop() ?? event.cwd}` : ''}`,
          metadata: { source: opts.host, session: event.session, ...(event.cwd ? { cwd: event.cwd } : {}) },
        });
        return { output: format.quiet(event) };
    }
  } catch (err) {
    // Nobody is waiting for this approval any more: take it back so no reviewer approves into the void.
    return { output: fallbackFor(opts.host, event, opts.onError, explain(err)), after: () => sessions.abandon(`the ${LABEL[opts.host]} hook stopped waiting (${errorJson(err).code})`) };
  }
}

function sessionCall(event: Extract<HookEvent, { type: 'decide' }>, callKey: string, opts: HookOptions): SessionCall {
  const { call } = event;
  const where = call.cwd ? ` in ${call.cwd.split(/[\\/]/).filter(Boolean).pop() ?? call.cwd}` : '';
  return opts.perCall
    ? {
        host: opts.host,
        session: event.session,
        callKey,
        taskTitle: LABEL[opts.host],
        metadata: { source: opts.host, session: event.session, tool: call.tool, ...(call.toolUseId ? { toolUseId: call.toolUseId } : {}), ...(call.cwd ? { cwd: call.cwd } : {}) },
      }
    : {
        host: opts.host,
        session: event.session,
        callKey,
        taskTitle: `${LABEL[opts.host]} session${where}`,
        metadata: { source: opts.host, session: event.session, ...(call.cwd ? { cwd: call.cwd } : {}) },
      };
}

/** How many calls one session keeps apart under one key (the same command again in a turn, a PermissionRequest repeated, the same command with other input). */
const REPEATS = 50;

/**
 * Propose the call, bound to its params (`hash`, core's proposedHash of the draft's). A
 * step found under the call's key is this call's only if it was proposed with exactly
 * these params (core's isStepOfProposal): the key names a call by its turn and command
 * (or the host's id), so another cwd, another argument, other content under the same key
 * is another call, and gets its own step (`<key>.2`, `<key>.3`, ...) and its own
 * decision. A call without the host's id is also a new step when the one it finds is
 * already finished, or handed to someone else and this machine holds nothing for it:
 * the same command run again, not a repeat of the old one.
 */
async function proposeCall(ctx: Ctx, event: Extract<HookEvent, { type: 'decide' }>, callKey: string, draft: StepDraft, held: unknown, hash: string) {
  const { opts, sessions } = ctx;
  for (let n = 1; n <= REPEATS; n++) {
    const key = repeatKey(callKey, n);
    const proposed = await sessions.propose(sessionCall(event, key, opts), { ...draft, key });
    if (!isStepOfProposal(proposed.step, hash)) continue;
    if (event.call.toolUseId) return proposed;
    // A repeated request is answered from the first one's record: read the step as it is now.
    const now = await ctx.client.steps.get.query({ stepId: proposed.step.id });
    // Re-read: a modify or revise since the answer above may have made it another call's.
    if (!isStepOfProposal(now, hash)) continue;
    const s = now.status;
    const over = s === 'completed' || s === 'failed' || s === 'cancelled' || s === 'blocked' || s === 'skipped' || s === 'rejected' || s === 'changes_requested' || (s === 'executing' && !held);
    if (!over || n === REPEATS) return { taskId: proposed.taskId, step: now };
  }
  // Never an earlier call's step: fail (the hook's fallback), not reuse.
  throw new GreenlightError(`${REPEATS} calls of this session share the key ${callKey} with other input; not reusing any of their steps`, { code: 'CONFLICT' });
}

async function decide(event: Extract<HookEvent, { type: 'decide' }>, ctx: Ctx): Promise<HookResult> {
  const { opts, format, client, sessions, leases, log } = ctx;
  const { call } = event;
  const names = callNames(call);
  // Loaded only for decisions: the diff machinery (diff, the SDK's byte-exact file views) is what the other events never need.
  const [{ hostStep }, { repoContext }] = await Promise.all([import('./map.ts'), import('./repo.ts')]);
  const [mapped, context] = await Promise.all([hostStep(opts.host, call), repoContext(call.cwd)]);
  // Where the call runs, and when this hook stops waiting: the reviewer's card shows both (issue 16).
  const draft = { ...mapped, ...(context ? { context } : {}), waitUntil: Math.round(Date.now() + opts.timeoutMs) };
  const callKey = await callKeyFor(call);
  // What the reviewer must have seen for this call to run: the params' hash, checked on every step found by key.
  const hash = await proposedHash(draft.params);
  const edits = (draft.kind === 'edit_file' || draft.kind === 'delete_file') && typeof draft.params.path === 'string' ? [`file:${draft.params.path}`] : [];
  // Marked before anything is sent: a result hook for this call that starts early waits for the lease.
  const mine0 = await leases.find(event.session, names);
  if (!mine0) await leases.put(event.session, names, { pending: true, at: Date.now() });
  const proposed = await proposeCall(ctx, event, callKey, draft, mine0, hash);
  opts.signal.throwIfAborted();
  let step: Step = proposed.step;

  if (step.status === 'awaiting_approval') {
    if (opts.defer && event.mode === 'pre' && format.decisions('pre').includes('defer')) {
      // Headless: a re-run after --resume finds the same step (same call id) and its decision, if there is one yet.
      step = await client.steps.get.query({ stepId: step.id });
      if (step.status === 'awaiting_approval') {
        log(`greenlight: deferred "${draft.title}" (task ${proposed.taskId}); resume the session once it is decided`);
        return { output: format.answer(event, { decision: 'defer', reason: `Greenlight: awaiting a decision on "${draft.title}"` }) };
      }
    } else {
      log(`greenlight: waiting for a decision on "${draft.title}" (task ${proposed.taskId})`);
      // Bound to the approval this call opened: no other round's decision answers it.
      const approvalId = step.approval?.id;
      step = (await client.waitForDecision(step.id, { timeoutMs: opts.timeoutMs, signal: opts.signal, ...(approvalId ? { approvalId } : {}) })).step;
    }
  }

  let cancel: { by: string; reason?: string | undefined } | undefined;
  if (step.status === 'cancelled') cancel = (await client.tasks.get.query({ taskId: proposed.taskId })).cancel;
  let verdict: Verdict = verdictForProposal(step, call, hash, cancel);
  // A host that cannot run an edited input gets the reviewer's version as a deny, and nothing is claimed for it.
  if (verdict.updatedInput && !format.takesEditedInput(event)) verdict = withoutEditedInput(verdict);

  if (verdict.decision === 'allow') {
    // This machine already holds the step for this call (a repeated hook, a resume): the same allow, no second claim.
    const mine = await leases.get(event.session, names);
    if (mine?.stepId === step.id) return { output: format.answer(event, verdict) };
    // Claimed before the answer: the host runs the call as soon as it reads allow (claim.ts).
    const claim = await claimThenVerdict(client, step, hash, call);
    if (claim.held) {
      const c = claim.claimed;
      // On disk before the answer, so the result's hook finds it whichever process ends first.
      await leases.put(event.session, [...names, ...edits], { stepId: c.stepId, taskId: c.taskId, leaseId: c.leaseId, tool: call.tool, at: Date.now() });
      return { output: format.answer(event, claim.verdict, await sessionPermissions(ctx, event, step)) };
    }
    const now = await leases.get(event.session, names);
    if (now?.stepId === step.id) return { output: format.answer(event, verdict) };
    const stray = claim.stray;
    return {
      output: format.answer(event, claim.verdict),
      after: () =>
        Promise.all([
          stray ? ctx.cleanup.steps.fail.mutate({ stepId: stray.stepId, leaseId: stray.leaseId, error: { message: 'not run: the step changed after it was approved' } }) : undefined,
          sessions.abandon(`the approved step was not handed out (${claim.step.status}); the host was told to deny it`),
        ]),
    };
  }
  if (step.status === 'changes_requested' || step.status === 'approved') {
    // The agent was told what to do instead (feedback, or the reviewer's version) and will propose a new call.
    return { output: format.answer(event, verdict), after: () => sessions.abandon(`the agent was told (${verdict.decision}) and will propose a new tool call`) };
  }
  return { output: format.answer(event, verdict) };
}

/**
 * A reviewer who approved this step "for this session" gave a `task` grant on it; where the
 * host can remember it too (Claude Code's PermissionRequest updatedPermissions, destination
 * session), it is passed on, so Claude Code stops asking for what the grant covers.
 */
async function sessionPermissions(ctx: Ctx, event: Extract<HookEvent, { type: 'decide' }>, step: Step): Promise<AnswerExtras | undefined> {
  if (ctx.opts.host !== 'claude-code' || event.mode !== 'permission' || step.decision?.decision !== 'approve') return undefined;
  try {
    const { items } = await ctx.client.grants.list.query({ taskId: step.taskId });
    const grant = items.find((g) => g.stepId === step.id && g.scope === 'task' && g.revokedAt === undefined);
    const updatedPermissions = grant ? grantPermissions(grant.matcher) : [];
    return updatedPermissions.length > 0 ? { updatedPermissions } : undefined;
  } catch (err) {
    // The allow stands without them: Claude Code will ask Greenlight again next time.
    ctx.log(`greenlight: could not read the session's grants (${errorJson(err).message})`);
    return undefined;
  }
}
