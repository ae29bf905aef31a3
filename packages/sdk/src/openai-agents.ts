/**
 * @greenlight/sdk/openai-agents: Greenlight in front of OpenAI Agents JS tools
 * (@openai/agents 0.20).
 *
 * - `tool(t)` marks a function tool as needing approval (every call becomes an
 *   interruption of the run) and makes its `invoke` run only a call Greenlight
 *   approved and this process claimed: with the approved input (a reviewer's `modify`
 *   replaces the model's arguments), at most once, its result reported to the step.
 * - `review(state)` turns a run's interruptions into one task, a step per tool
 *   approval item (key: the call id), which the policy sorts at once.
 * - `resume(agent, serialized)` rebuilds the run from its serialized RunState (kept
 *   by the caller, not by Greenlight), waits for the decisions, approves each approved
 *   item or rejects it with the reviewer's feedback as the model's message, and
 *   runs the agent on. Items the caller approved by itself in the state do not run:
 *   only a Greenlight claim does.
 *
 * One open task per run (the session option names it: use one per concurrent run); each
 * batch of interruptions is appended to it, and the task is closed when the run ends.
 * A batch's idempotency key names the session and its call ids, so a resume in another
 * process finds the same steps for 24 h.
 */
import { RunState, run, type Agent, type FunctionTool, type RunResult, type RunToolApprovalItem } from '@openai/agents';
import { paramsHash, sha256Hex, type ClaimedStep, type Step } from '@greenlight/core';
import type { GreenlightClient } from './index.ts';
import { GreenlightError } from './errors.ts';
import { DEFAULT_LEASE_SECONDS, claimSteps, claimedInput, handOff, isBound, notRun, runClaimed } from './adapters/claim.ts';
import { propose, sessionName } from './adapters/session.ts';
import { refusalOf, toolStep, verdictOf, type StepDetails, type ToolCall } from './adapters/steps.ts';

export type { StepDetails, ToolCall } from './adapters/steps.ts';

export type AgentsApprovalOptions = {
  client: GreenlightClient;
  /** Names the conversation or run (default `default`); with the call ids it finds a batch's task again. */
  session?: string;
  /** How long resume() waits for the decisions (ms, default 10 minutes); then resume() rejects with TIMEOUT and the approvals stay open for a later resume. */
  timeoutMs?: number;
  /** Lease while a tool runs (s, default 60; heartbeats renew it). */
  leaseSeconds?: number;
  /** Title, explanation, risk or metadata for a call's step. */
  describe?: (call: ToolCall) => StepDetails;
};

/** One interruption's call and its step. */
export type ReviewedCall = { callId: string; toolName: string; stepId: string; status: Step['status'] };
/** The task a batch of interruptions became. */
export type Review = { taskId: string; calls: ReviewedCall[] };

const DEFAULT_TIMEOUT_MS = 10 * 60_000;

/** Why a wrapped tool's invoke refused a call Greenlight did not hand this process; its message is the tool's output. */
export class ToolCallRefused extends GreenlightError {
  constructor(reason: string) {
    super(`Greenlight: ${reason}; the call was not run`, { code: 'FORBIDDEN', reason: 'not_approved' });
  }
}

/** An interruption's function call: its id, tool and parsed arguments (the raw string when it is not JSON). */
function callOf(item: RunToolApprovalItem): ToolCall {
  const raw = item.rawItem as { callId?: unknown; id?: unknown; arguments?: unknown };
  const callId = typeof raw.callId === 'string' ? raw.callId : typeof raw.id === 'string' ? raw.id : '';
  if (!callId) throw new GreenlightError(`the approval item for ${item.name ?? 'a tool'} has no call id`, { code: 'BAD_REQUEST' });
  return { callId, toolName: item.name ?? 'tool', input: parseArgs(item.arguments) };
}

function parseArgs(args: string | undefined): unknown {
  if (args === undefined || args === '') return {};
  try {
    return JSON.parse(args);
  } catch {
    return args;
  }
}

/** Greenlight for OpenAI Agents runs: wrap the tools with `tool()`, then `review()` and `resume()` interrupted runs. */
export function greenlight(opts: AgentsApprovalOptions) {
  const { client } = opts;
  const session = opts.session ?? 'default';
  const leaseSeconds = opts.leaseSeconds ?? DEFAULT_LEASE_SECONDS;
  /** Claims this process holds for calls about to run, by call id; a call runs only by taking its claim. */
  const held = new Map<string, ClaimedStep>();
  /** Names of the tools wrapped by tool(): only their runs are bound to a claim; any other approved item is a hand-off. */
  const wrappedNames = new Set<string>();

  /** The wrapped tool: always asks (an interruption), and runs only a held claim's input. */
  function tool<T extends FunctionTool<any, any, any>>(t: T): T {
    const invoke: T['invoke'] = async (runContext, _input, details) => {
      const callId = details?.toolCall?.callId;
      const claimed = callId ? held.get(callId) : undefined;
      // Refused as the tool's output, so the model reads why and the run goes on (a throw here would end the run).
      if (!callId || !claimed) return new ToolCallRefused(`call ${callId ?? '(no id)'} to ${t.name} was not approved through Greenlight in this run`).message;
      held.delete(callId); // taken once: a second invoke of the same call finds nothing
      return runClaimed(
        client,
        claimed,
        (signal) => t.invoke(runContext, JSON.stringify(claimedInput(claimed) ?? {}), { ...details, signal: details?.signal ? AbortSignal.any([signal, details.signal]) : signal }),
        { leaseSeconds },
      );
    };
    wrappedNames.add(t.name);
    return { ...t, needsApproval: async () => true, invoke };
  }

  /** The task for a batch of interruptions: planned once, found again by its key. */
  async function review(state: RunState<any, any>): Promise<Review> {
    const items = state.getInterruptions();
    if (items.length === 0) throw new GreenlightError('the run has no interruptions to review', { code: 'BAD_REQUEST' });
    const calls = items.map(callOf);
    const steps = await Promise.all(calls.map((c) => toolStep(c, 'openai-agents', opts.describe?.(c))));
    const batch = (
      await sha256Hex(
        calls
          .map((c) => c.callId)
          .sort()
          .join('\n'),
      )
    ).slice(0, 32);
    const agentName = items[0]?.agent.name ?? 'agent';
    const r = await propose(client, {
      session: await sessionName('openai-agents', session),
      title: `OpenAI Agents: ${agentName} (${session})`,
      metadata: { source: 'openai-agents', session, agent: agentName },
      steps,
      idempotencyKey: `openai-agents:${session}:${batch}`,
    });
    const reviewed: ReviewedCall[] = calls.map((c, i) => ({ callId: c.callId, toolName: c.toolName, stepId: r.steps[i]!.id, status: r.steps[i]!.status }));
    return { taskId: r.taskId, calls: reviewed };
  }

  /**
   * Resume an interrupted run from its serialized RunState: wait for every decision,
   * approve the approved items (claimed, so they run once and only here), reject the
   * others with the reason as the model's message, and run the agent on.
   * Claims nobody ran by the end of the run are given back as failed (never run later).
   * @throws GreenlightError TIMEOUT (no decision in time; resume again later), CLIENT_CLOSED_REQUEST (aborted).
   */
  async function resume<TAgent extends Agent<any, any>>(agent: TAgent, serialized: string, o: { signal?: AbortSignal; timeoutMs?: number } = {}): Promise<RunResult<undefined, TAgent>> {
    const state = await RunState.fromString<undefined, TAgent>(agent, serialized);
    const items = state.getInterruptions();
    if (items.length === 0) throw new GreenlightError('the serialized run has no pending tool approvals to resume', { code: 'CONFLICT', reason: 'nothing_pending' });
    const { taskId, calls } = await review(state);
    const timeoutMs = o.timeoutMs ?? opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    // A wait that times out throws and leaves the approvals open: resume again later, and the decisions made meanwhile apply.
    const decided: Step[] = await Promise.all(calls.map(async (c) => (await client.waitForDecision(c.stepId, { timeoutMs, ...(o.signal ? { signal: o.signal } : {}) })).step));
    // Only this batch's approved steps: the run's task holds earlier batches too.
    const approvedIds = decided.filter((d) => verdictOf(d).kind === 'approved').map((d) => d.id);
    const claims = new Map((approvedIds.length > 0 ? await claimSteps(client, taskId, approvedIds, leaseSeconds) : []).map((c) => [c.stepId, c]));
    const mine: [callId: string, toolName: string][] = [];
    for (const [i, item] of items.entries()) {
      const call = calls[i]!;
      const step = decided[i]!;
      const claimed = claims.get(step.id);
      claims.delete(step.id);
      const planned = await toolStep(callOf(item), 'openai-agents');
      const plannedHash = await paramsHash(planned.params);
      const verdict = verdictOf(step);
      if (verdict.kind === 'approved' && claimed && isBound(claimed, step, plannedHash)) {
        held.set(call.callId, claimed);
        mine.push([call.callId, call.toolName]);
        state.approve(item);
      } else {
        if (claimed) await notRun(client, claimed, 'the handed-out step was not the approved one');
        const why = verdict.kind === 'approved' ? `the approved step could not be claimed (it is ${(await client.steps.get.query({ stepId: step.id })).status} now)` : refusalOf(verdict);
        state.reject(item, { message: `Greenlight: ${why}; the call was not run` });
      }
    }
    try {
      const result = await run(agent, state, o.signal ? { signal: o.signal } : {});
      // The run is over (no more approvals asked): so is its task.
      if (result.interruptions.length === 0) await client.tasks.close.mutate({ taskId }).catch(() => {});
      return result;
    } finally {
      for (const [callId, toolName] of mine) {
        const left = held.get(callId);
        if (!left) continue;
        held.delete(callId);
        // A tool tool() did not wrap (hosted, MCP, shell) ran, or not, on the SDK's own approval: a hand-off.
        if (wrappedNames.has(toolName)) await notRun(client, left, 'approved, but the run did not call the tool').catch(() => {});
        else await handOff(client, left, 'openai-agents').catch(() => {});
      }
    }
  }

  return { tool, review, resume };
}
