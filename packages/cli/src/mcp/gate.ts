/**
 * One `tools/call` through the gateway, start to end: record it as a step (custom,
 * `mcp__<server>__<tool>`, the arguments as input, the tool's annotations as hints), hold
 * it until the policy or a reviewer decides, claim the approved step (so it runs at most
 * once), forward exactly the approved arguments (a reviewer's modify included), report
 * the upstream's result as the step's output, and return it unchanged. Anything else
 * ends in an MCP tool error that says why, and the call is never forwarded.
 */
import type { ClaimedStep, McpAnnotations, Step } from '@greenlight/core';
import { mcpToolName } from '@greenlight/core';
import { claimIsProposal, isStepOfProposal, proposedHash } from '@greenlight/core/hooks';
import { GreenlightError, type GreenlightClient } from '@greenlight/sdk';
import type { Ledger } from './ledger.ts';
import { boundedOutput, refusal, resultText, toolError } from './result.ts';

export type Upstream = {
  /** Call the upstream tool; `signal` cancels it there (notifications/cancelled). */
  callTool(name: string, args: Record<string, unknown> | undefined, opts: CallOptions): Promise<Record<string, unknown>>;
  /** The tool's hints from the upstream's tool list (refreshed when the tool is not known yet). */
  annotationsOf(name: string): Promise<McpAnnotations | undefined>;
};

/** Progress as MCP sends it (without the token, which each side numbers itself). */
export type Progress = { progress: number; total?: number | undefined; message?: string | undefined };

export type CallOptions = {
  signal: AbortSignal;
  /** The request's `_meta` without its progress token. */
  meta?: Record<string, unknown> | undefined;
  /** The upstream's progress on the call, to pass on to the client. */
  onprogress?: ((p: Progress) => void) | undefined;
};

export type GateDeps = {
  ledger: Ledger;
  client: GreenlightClient;
  /** For reports after the caller stopped waiting (not tied to its signal). */
  cleanup: GreenlightClient;
  upstream: Upstream;
  server: string;
  /** The longest a call is held for a decision before it is given up (the server's own timeout usually comes first). */
  waitMs: number;
  /** The lease taken on a claimed step while the upstream runs it (heartbeated at a third). */
  leaseSeconds: number;
  /** Aborted when the gateway stops: every held call is abandoned. */
  stop: AbortSignal;
  /** The review page for a task (for the log line). */
  reviewUrl: (taskId: string) => string;
  log: (line: string) => void;
};

export type CallRequest = {
  name: string;
  arguments?: Record<string, unknown> | undefined;
  /** The request's `_meta` without its progress token, passed on to the upstream. */
  meta?: Record<string, unknown> | undefined;
};

export type CallContext = {
  /** Aborted when the MCP client cancels the request or disconnects. */
  signal: AbortSignal;
  /** Tell the client we are still waiting (a progress notification; a no-op without a progress token). */
  progress: (message: string) => void;
  /** Pass the upstream's progress on to the client; absent when the client asked for none. */
  relay?: ((p: Progress) => void) | undefined;
};

/** How often a held call tells its client it is still waiting. */
const PROGRESS_EVERY_MS = 10_000;
let seq = 0;

const explain = (err: unknown): string => {
  const e = GreenlightError.from(err);
  return `${e.code}: ${e.message}`;
};

/**
 * Is the claimed step the decided one, for the arguments the client sent? core's
 * claimIsProposal: same step, revision and paramsHash, and those arguments or a
 * reviewer's modify of them.
 */
const sameAsApproved = (claimed: ClaimedStep, decided: Step, plannedHash: string): boolean => claimIsProposal(claimed, decided, plannedHash);

const isPlainObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * The answer to one tools/call. Resolves with the upstream's result or a tool error;
 * rejects only when the client went away (nobody reads the answer) or the upstream
 * answered with a protocol error (passed through as it came).
 */
export async function gateCall(deps: GateDeps, call: CallRequest, ctx: CallContext): Promise<Record<string, unknown>> {
  const signal = AbortSignal.any([ctx.signal, deps.stop]);
  const tool = mcpToolName(deps.server, call.name);
  let planned: Step;
  let plannedHash: string;
  try {
    const annotations = await deps.upstream.annotationsOf(call.name);
    const params = { tool, input: call.arguments ?? {}, ...(annotations ? { annotations } : {}) };
    // The arguments as the client sent them, hashed here: the claim must hand out exactly these (or a reviewer's modify), whatever step the server answered with.
    plannedHash = await proposedHash(params);
    planned = await deps.ledger.propose({
      key: `call-${++seq}-${Date.now().toString(36)}`,
      kind: 'custom',
      title: `${call.name} (MCP ${deps.server})`,
      params,
      dependsOn: [],
      metadata: { source: 'mcp-proxy', server: deps.server, mcpTool: call.name },
    });
  } catch (err) {
    // Fail closed: a call Greenlight could not record is not forwarded.
    return toolError(`Greenlight could not record this call (${explain(err)}); it was not run.`);
  }

  // A step answered for this key but proposed with other arguments is another call's: never waited on, never run.
  if (!isStepOfProposal(planned, plannedHash)) return toolError(`Greenlight: the step recorded for this call (${planned.key}) has other arguments; it was not run.`);

  let decided = planned;
  if (planned.status === 'awaiting_approval') {
    const taskId = deps.ledger.taskOf(planned);
    deps.log(`greenlight: holding ${tool} for a decision: ${deps.reviewUrl(taskId)}`);
    const started = Date.now();
    const ticker = setInterval(() => ctx.progress(`waiting for a Greenlight decision (${Math.round((Date.now() - started) / 1000)} s): ${deps.reviewUrl(taskId)}`), PROGRESS_EVERY_MS);
    try {
      const approvalId = planned.approval?.id;
      decided = (await deps.client.waitForDecision(planned.id, { timeoutMs: deps.waitMs, signal, ...(approvalId ? { approvalId } : {}) })).step;
    } catch (err) {
      const why = ctx.signal.aborted
        ? 'the MCP client cancelled the call or went away while it was held'
        : deps.stop.aborted
          ? 'the MCP gateway stopped while the call was held'
          : `the gateway stopped waiting (${explain(err)})`;
      await deps.ledger.abandon(planned, why).catch((e: unknown) => deps.log(`greenlight: could not cancel the held call: ${explain(e)}`));
      if (signal.aborted) throw err;
      return toolError(`Greenlight: no decision on this call (${explain(err)}); it was not run.`);
    } finally {
      clearInterval(ticker);
    }
  }

  if (decided.status !== 'approved') {
    let cancel: { by: string; reason?: string | undefined } | undefined;
    if (decided.status === 'cancelled')
      cancel = await deps.client.tasks.get.query({ taskId: decided.taskId }).then(
        (t) => t.cancel,
        () => undefined,
      );
    // The model will make a new call instead of revising this one: nothing may run it later.
    if (decided.status === 'changes_requested') await deps.ledger.abandon(decided, 'changes were requested; the MCP client was told and will make a new call').catch(() => {});
    else deps.ledger.settled(decided);
    return refusal(decided, cancel);
  }
  return forwardApproved(deps, call, ctx, decided, plannedHash);
}

async function forwardApproved(deps: GateDeps, call: CallRequest, ctx: CallContext, decided: Step, plannedHash: string): Promise<Record<string, unknown>> {
  let claimed: ClaimedStep | undefined;
  try {
    claimed = await deps.ledger.claim(decided, deps.leaseSeconds);
  } catch (err) {
    return toolError(`Greenlight could not claim the approved call (${explain(err)}); it was not run.`);
  }
  if (!claimed || !sameAsApproved(claimed, decided, plannedHash)) {
    return toolError('Greenlight: the approved call could not be claimed (it was cancelled, revised or denied since the approval); it was not run.');
  }
  const { stepId, leaseId } = claimed;
  const fail = (message: string, code: string) =>
    deps.cleanup.steps.fail
      .mutate({ stepId, leaseId, error: { message: message.slice(0, 2000), code, retryable: false } })
      .catch((e: unknown) => deps.log(`greenlight: could not report the failure: ${explain(e)}`));

  const params = claimed.params;
  const tool = mcpToolName(deps.server, call.name);
  if (params.tool !== tool || (params.input !== undefined && !isPlainObject(params.input))) {
    await fail(`the approved params are not a call of ${tool} with an object as input`, 'bad_modify');
    return toolError(`Greenlight: the reviewer's version of this call is not a call of ${call.name} with an object of arguments; it was not run.`);
  }

  // The upstream call stops when the client goes away or the task is cancelled (a gateway
  // stop because the upstream died is the upstream's failure, not a stop of ours).
  const running = new AbortController();
  let stoppedBy: string | undefined;
  const stopRunning = (why: string) => {
    stoppedBy ??= why;
    running.abort();
  };
  const onClientGone = () => stopRunning('the MCP client cancelled the call or went away');
  ctx.signal.addEventListener('abort', onClientGone, { once: true });
  const onStop = () => running.abort();
  deps.stop.addEventListener('abort', onStop, { once: true });
  const beat = setInterval(
    () => {
      deps.cleanup.steps.heartbeat.mutate({ stepId, leaseId, leaseSeconds: deps.leaseSeconds }).then(
        (r) => r.cancelled && stopRunning('the task was cancelled'),
        (e: unknown) => deps.log(`greenlight: heartbeat failed: ${explain(e)}`),
      );
    },
    (deps.leaseSeconds * 1000) / 3,
  );
  let result: Record<string, unknown>;
  try {
    result = await deps.upstream.callTool(call.name, params.input as Record<string, unknown> | undefined, { signal: running.signal, meta: call.meta, onprogress: ctx.relay });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    await fail(stoppedBy ? `stopped while running (${stoppedBy}): ${message}` : `the upstream MCP server failed: ${message}`, stoppedBy ? 'cancelled' : 'upstream_error');
    throw err;
  } finally {
    clearInterval(beat);
    ctx.signal.removeEventListener('abort', onClientGone);
    deps.stop.removeEventListener('abort', onStop);
  }
  if (result.isError === true) {
    await fail(resultText(result), 'tool_error');
  } else {
    await deps.cleanup.steps.complete.mutate({ stepId, leaseId, output: boundedOutput(result) }).catch((e: unknown) => deps.log(`greenlight: could not report the result: ${explain(e)}`));
  }
  return result;
}
