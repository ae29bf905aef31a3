/**
 * `POST /hooks/claude-code`: Claude Code's HTTP hook (`"type": "http"` in its settings),
 * so a developer needs no Node for Greenlight: the Worker reads the event JSON Claude Code
 * posts, acts on `hook_event_name` exactly as `greenlight hook claude-code` does, and
 * answers in the same JSON. The key comes in `Authorization: Bearer <key>` (an agent key);
 * every call goes through the tRPC router's own procedures (createCaller), so auth,
 * roles, validation and limits are the API's.
 *
 * Claude Code treats an HTTP hook's non-2xx status, a connection failure and a timeout as
 * NON-BLOCKING errors: the tool call continues through its own permission flow. So every
 * outcome this endpoint can decide is a 200 with a decision in the body (the fallback is
 * `?on_error=ask|deny|allow`, default ask); only a missing or refused key is a 401 (the
 * request is not Greenlight's to answer). docs/hooks.md says when to prefer the command hook.
 *
 * What differs from the command hook: the Worker cannot read the developer's files, so an
 * Edit / MultiEdit is shown as sent (no diff); the step's lease is found again from the
 * step itself by the PostToolUse call (the same agent key holds it).
 */
import {
  boundedOutput,
  claimIsProposal,
  callKeyFor,
  claudeCodeFormat,
  claudeCodeStep,
  fallbackVerdict,
  isStepOfProposal,
  proposedHash,
  repeatKey,
  verdictFor,
  verdictForProposal,
  type HookEvent,
  type HostAnswer,
  type Verdict,
} from '@greenlight/core/hooks';
import { TRPCError } from '@trpc/server';
import type { Step } from '@greenlight/core';
import type { Context } from '../contract/rpc.ts';
import { appRouter } from '../router.ts';

type Caller = ReturnType<typeof appRouter.createCaller>;
type OnError = 'ask' | 'deny' | 'allow';

/** The hand-off lease (s): PostToolUse completes the step with the tool's result within it. */
const LEASE_SECONDS = 3600;
/** How often the endpoint looks at the step while a reviewer decides (ms). */
const POLL_MS = 500;
/** Default wait for a decision: under Claude Code's own 600 s hook timeout. */
const DEFAULT_TIMEOUT_S = 540;

export type HookHttpResult = { status: 200 | 401; body: HostAnswer | { error: string } };

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
  });

type CallEvent = { session: string; call: { tool: string; input: Record<string, unknown>; toolUseId?: string | undefined; cwd?: string | undefined } };

/** The session's task, as the command hook names it: one open task per Claude Code session. */
function sessionPlan(event: { session: string; cwd?: string | undefined }) {
  const where = event.cwd ? ` in ${event.cwd.split(/[\\/]/).filter(Boolean).pop() ?? event.cwd}` : '';
  return {
    title: `Claude Code session${where}`.slice(0, 200),
    open: true,
    session: event.session,
    metadata: { source: 'claude-code', session: event.session, ...(event.cwd ? { cwd: event.cwd } : {}) },
  };
}

/** How many calls of a session may share one key (a repeated PermissionRequest, the same command with other input) before the endpoint gives up. */
const REPEATS = 50;

/** Step statuses after which a call without an id, asked again, is a new run of the command (a new step), not a repeat. */
const OVER = new Set<Step['status']>(['completed', 'failed', 'cancelled', 'blocked', 'skipped', 'rejected', 'changes_requested', 'executing']);

/**
 * The call's step in the session's task: tasks.plan {open, session} finds (or makes) the
 * task and appends the step keyed by tool_use_id (else the call's fingerprint, core's
 * callKeyFor), with an idempotency key, so a repeat (a duplicated hook) finds the same
 * step. A step found by key is this call's only if it was proposed with exactly these
 * params (core's isStepOfProposal): another input under the same key (another cwd, another
 * argument) is another call, with its own step (`<key>.2`, ...) and its own decision.
 * `hash` is the proposed params' hash (core's proposedHash).
 */
async function stepOf(api: Caller, event: CallEvent, hash: string): Promise<{ taskId: string; step: Step }> {
  const draft = claudeCodeStep(event.call);
  const callKey = await callKeyFor(event.call);
  const base = sessionPlan({ session: event.session, cwd: event.call.cwd });
  for (let n = 1; n <= REPEATS; n++) {
    const key = repeatKey(callKey, n);
    let task;
    try {
      task = await api.tasks.plan({ ...base, steps: [{ ...draft, key }], idempotencyKey: `${event.session}:${key}`.slice(0, 200) });
    } catch (err) {
      if (!(err instanceof TRPCError && (err.code === 'CONFLICT' || err.code === 'BAD_REQUEST'))) throw err;
      task = await api.tasks.plan({ ...base, steps: [] });
    }
    const step = task.steps.find((s) => s.key === key);
    if (!step) throw new TRPCError({ code: 'CONFLICT', message: `the session's task has no step ${key}` });
    if (!isStepOfProposal(step, hash)) continue;
    // A call without an id asked again after its step ended (or was handed out) is the command run again.
    if (!event.call.toolUseId && OVER.has(step.status) && n < REPEATS) continue;
    return { taskId: task.id, step };
  }
  throw new TRPCError({ code: 'CONFLICT', message: `${REPEATS} calls of this session share the key ${callKey} with other input; not reusing any of their steps` });
}

async function waitDecided(api: Caller, step: Step, deadline: number, signal: AbortSignal): Promise<Step> {
  let now = step;
  while (now.status === 'awaiting_approval') {
    if (Date.now() >= deadline || signal.aborted) throw new TRPCError({ code: 'TIMEOUT', message: `no decision on step ${step.id} in time` });
    await sleep(POLL_MS, signal);
    now = await api.steps.get({ stepId: step.id });
  }
  return now;
}

async function decide(api: Caller, event: Extract<HookEvent, { type: 'decide' }>, timeoutMs: number, signal: AbortSignal): Promise<HostAnswer> {
  // What the reviewer must have seen for this call to run: checked on the step found, and at the claim.
  const hash = await proposedHash(claudeCodeStep(event.call).params);
  const { taskId, step: planned } = await stepOf(api, event, hash);
  const task = { id: taskId };
  const step = await waitDecided(api, planned, Date.now() + timeoutMs, signal);
  let cancel: { by: string; reason?: string | undefined } | undefined;
  if (step.status === 'cancelled') cancel = (await api.tasks.get({ taskId: task.id })).cancel;
  const verdict = verdictForProposal(step, event.call, hash, cancel);
  if (verdict.decision !== 'allow') return claudeCodeFormat.answer(event, verdict);
  // Claim exactly this step before allowing: Claude Code runs the tool the moment it reads allow.
  const { steps } = await api.steps.claim({ taskId: task.id, stepIds: [step.id], max: 1, leaseSeconds: LEASE_SECONDS });
  const claimed = steps[0];
  if (claimed && claimIsProposal(claimed, step, hash)) {
    return claudeCodeFormat.answer(event, verdict);
  }
  const now = await api.steps.get({ stepId: step.id });
  const denied: Verdict =
    now.status === 'rejected' || now.status === 'cancelled'
      ? verdictFor(now, event.call, now.status === 'cancelled' ? (await api.tasks.get({ taskId: task.id })).cancel : undefined)
      : { decision: 'deny', reason: `Greenlight: the approved step could not be claimed (it is ${now.status} now, revision ${now.revision}); not running it` };
  return claudeCodeFormat.answer(event, denied);
}

/** PostToolUse / PostToolUseFailure: the step this agent holds for the call, completed or failed with the real result. */
async function result(api: Caller, event: Extract<HookEvent, { type: 'result' }>): Promise<void> {
  // Found, never appended: the step of this call by its id, else (a PermissionRequest has none) by its
  // fingerprint or a repeat of it (`<key>.2`, ...), and only one proposed with this call's exact params.
  const task = await api.tasks.plan({ ...sessionPlan({ session: event.session, cwd: event.call.cwd }), steps: [] });
  const hash = await proposedHash(claudeCodeStep(event.call).params);
  const byId = event.call.toolUseId ? await callKeyFor(event.call) : undefined;
  const fingerprint = await callKeyFor({ ...event.call, toolUseId: undefined });
  const keys = new Set([...(byId ? [byId] : []), ...Array.from({ length: REPEATS }, (_, i) => repeatKey(fingerprint, i + 1))]);
  const known = task.steps.find((s) => keys.has(s.key) && s.status === 'executing' && isStepOfProposal(s, hash));
  if (!known) return;
  const step = await api.steps.get({ stepId: known.id });
  const leaseId = step.status === 'executing' ? step.lease?.leaseId : undefined;
  if (!leaseId) return;
  try {
    if (event.ok) await api.steps.complete({ stepId: step.id, leaseId, output: { result: boundedOutput(event.output), ...(event.durationMs !== undefined ? { durationMs: event.durationMs } : {}) } });
    else await api.steps.fail({ stepId: step.id, leaseId, error: { message: String(boundedOutput(event.error ?? 'the tool failed', 4000)) } });
  } catch (err) {
    // Another holder, or already reported (a repeated hook): nothing to add.
    if (!(err instanceof TRPCError && (err.code === 'CONFLICT' || err.code === 'NOT_FOUND'))) throw err;
  }
}

/**
 * Answer one Claude Code HTTP hook request. `context` is the tRPC context for the
 * request's Authorization header; `query` carries `timeout` (s) and `on_error`.
 */
export async function claudeCodeHttpHook(context: Context, body: unknown, query: { timeout?: string | undefined; on_error?: string | undefined }, signal: AbortSignal): Promise<HookHttpResult> {
  if (!context.authorization) return { status: 401, body: { error: 'missing Authorization: Bearer <agent key>' } };
  const onError: OnError = query.on_error === 'deny' || query.on_error === 'allow' ? query.on_error : 'ask';
  const timeoutS = Number(query.timeout ?? DEFAULT_TIMEOUT_S);
  const timeoutMs = Number.isFinite(timeoutS) && timeoutS > 0 ? Math.min(timeoutS, 3600) * 1000 : DEFAULT_TIMEOUT_S * 1000;
  const parsed = claudeCodeFormat.parse(body);
  const fallback = (event: HookEvent | undefined, why: string): HostAnswer => {
    if (event && event.type !== 'decide') return claudeCodeFormat.quiet(event);
    const decideEvent: Extract<HookEvent, { type: 'decide' }> = event ?? { type: 'decide', mode: 'pre', event: 'PreToolUse', session: '', call: { tool: '', input: {} } };
    return claudeCodeFormat.answer(decideEvent, fallbackVerdict(onError, why));
  };
  if (!parsed.ok) return { status: 200, body: fallback(undefined, `unexpected hook input: ${parsed.error}`) };
  const event = parsed.event;
  const api = appRouter.createCaller(context);
  try {
    // The key is checked first, whatever the event: a refused key is a 401, never a silent pass.
    await api.workspaces.get();
    if (event.type === 'decide') return { status: 200, body: await decide(api, event, timeoutMs, signal) };
    if (event.type === 'result') await result(api, event);
    if (event.type === 'start') await api.tasks.plan({ ...sessionPlan(event), steps: [] });
    if (event.type === 'end' && !event.optional) {
      const task = await api.tasks.plan({ ...sessionPlan({ session: event.session }), steps: [] });
      await api.tasks.close({ taskId: task.id });
    }
    return { status: 200, body: claudeCodeFormat.quiet(event) };
  } catch (err) {
    if (err instanceof TRPCError && err.code === 'UNAUTHORIZED') return { status: 401, body: { error: err.message } };
    const why = err instanceof TRPCError ? `${err.code}: ${err.message}` : 'internal error';
    if (!(err instanceof TRPCError)) console.error('hooks/claude-code:', err);
    return { status: 200, body: fallback(event, why) };
  }
}
