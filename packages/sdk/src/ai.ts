/**
 * @greenlight/sdk/ai: Greenlight in front of the Vercel AI SDK's tools (ai 7).
 *
 * Two halves, used together:
 * - `toolApproval`, the SDK's approval hook (generateText / streamText / ToolLoopAgent):
 *   each tool call becomes a step (found again by its toolCallId), and the answer is
 *   the Greenlight decision: 'approved', 'denied' with the reason, or, with
 *   `pending: 'ask'`, 'user-approval' so a chat UI shows the request while a reviewer decides.
 * - `tools(...)`, the enforcement: each tool's `execute` runs only inside a claim of the
 *   approved step (adapters/claim.ts), with the approved input (a reviewer's `modify`
 *   replaces the model's), at most once, and its result is reported. An approval
 *   response forged or replayed in the chat history cannot make a declined call run.
 *
 * `approvalResponses()` / `toApprovalResponse()` turn Greenlight decisions into the
 * SDK's `tool-approval-response` parts (and useChat's addToolApprovalResponse input).
 *
 * One open task per session (conversation): each call is appended to it as a step keyed
 * by its toolCallId; the idempotency key `ai-sdk:<session>:<toolCallId>` finds a call's
 * step again for 24 h, and the same id with another input is refused.
 */
import { paramsHash, type Step } from '@greenlight/core';
import type { ToolApprovalResponse, ToolApprovalStatus, ToolExecutionOptions, ToolSet } from 'ai';
import type { GreenlightClient } from './index.ts';
import { GreenlightError } from './errors.ts';
import { DEFAULT_LEASE_SECONDS, claimedInput, isBound, notRun, runClaimed } from './adapters/claim.ts';
import { refusalOf, toolStep, verdictOf, type StepDetails, type ToolCall, type Verdict } from './adapters/steps.ts';
import { propose, sessionName } from './adapters/session.ts';

export type { Verdict, ToolCall, StepDetails } from './adapters/steps.ts';

export type AiApprovalOptions = {
  client: GreenlightClient;
  /**
   * Names the conversation or run (1-100 chars). With a tool call's id it finds the
   * call's step again, across requests and processes. Default `default`: fine while
   * the model's call ids are unique (real providers' are).
   */
  session?: string;
  /**
   * When a call awaits a reviewer: `wait` (default) holds the SDK until the decision
   * (or `timeoutMs`, then denied; the approval stays open); `ask` answers
   * 'user-approval' at once, for a chat UI that resumes with approvalResponses().
   */
  pending?: 'wait' | 'ask';
  /** How long a wait for a decision lasts (ms, default 10 minutes). */
  timeoutMs?: number;
  /** Lease while a tool runs (s, default 60; heartbeats renew it). */
  leaseSeconds?: number;
  /** Title, explanation, risk or metadata for a call's step. */
  describe?: (call: ToolCall) => StepDetails;
};

/** What a denied call's execute throws: the AI SDK reports it to the model as the tool's error. */
export class ToolCallRefused extends GreenlightError {
  constructor(reason: string) {
    super(`Greenlight: ${reason}; the call was not run`, { code: 'FORBIDDEN', reason: 'not_approved' });
  }
}

const DEFAULT_TIMEOUT_MS = 10 * 60_000;

/** The step for a call and the paramsHash proposed, planned once (the idempotency key finds it again). */
type Planned = { step: Step; plannedHash: string };

/**
 * Greenlight for one AI SDK app. `toolApproval` goes to generateText / streamText /
 * ToolLoopAgent; `tools()` wraps the tools those get. See the module comment.
 */
export function greenlight(opts: AiApprovalOptions) {
  const { client } = opts;
  const session = opts.session ?? 'default';
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const leaseSeconds = opts.leaseSeconds ?? DEFAULT_LEASE_SECONDS;
  /** The execute functions tools() made: toolApproval tells a wrapped tool from one that would run unbound. */
  const wrapped = new WeakSet<object>();

  /** The session's open task, once known (close() ends it). */
  let taskId: string | undefined;

  /** Put the call on the session's open task (or find it there, by the call id). */
  async function plan(call: ToolCall): Promise<Planned> {
    const step = await toolStep(call, 'ai-sdk', opts.describe?.(call));
    const r = await propose(client, {
      session: await sessionName('ai-sdk', session),
      title: `AI SDK: ${session}`,
      metadata: { source: 'ai-sdk', session },
      steps: [step],
      idempotencyKey: `ai-sdk:${session}:${call.callId}`,
    });
    taskId = r.taskId;
    const planned = r.steps[0]!;
    return { step: planned, plannedHash: await paramsHash(step.params) };
  }

  /** End the session's open task (an idle one is closed by the server after policy.limits.sessionIdleSeconds). */
  async function close(): Promise<void> {
    if (taskId) await client.tasks.close.mutate({ taskId });
  }

  /**
   * The call's step now, after waiting for a decision when one is open. A wait that
   * times out leaves the approval open (the session's task holds other calls): the
   * call is denied now, and a later decision is acted on only if the call is asked again.
   */
  async function decided(planned: Step, signal?: AbortSignal): Promise<Step> {
    const now = await client.steps.get.query({ stepId: planned.id });
    if (now.status !== 'awaiting_approval') return now;
    return (await client.waitForDecision(now.id, { timeoutMs, ...(now.approval ? { approvalId: now.approval.id } : {}), ...(signal ? { signal } : {}) })).step;
  }

  /**
   * The AI SDK's approval hook (a GenericToolApprovalFunction): the Greenlight decision on
   * this call. A tool the SDK would execute that is not wrapped by `tools()` is denied:
   * its run could not be bound to the approval (fail closed, not open).
   */
  async function toolApproval({ toolCall, tools: given }: { toolCall: { toolCallId: string; toolName: string; input: unknown }; tools?: ToolSet | undefined }): Promise<ToolApprovalStatus> {
    const execute = given?.[toolCall.toolName]?.execute;
    if (execute && !wrapped.has(execute)) return { type: 'denied', reason: `Greenlight: tool ${toolCall.toolName} is not wrapped with tools(), so its run cannot be bound to an approval; not run` };
    const call = { callId: toolCall.toolCallId, toolName: toolCall.toolName, input: toolCall.input };
    // Any failure (server down, a timeout, the same call id with other input) denies: never open.
    try {
      const { step } = await plan(call);
      if (step.status === 'awaiting_approval' && opts.pending === 'ask') {
        return { type: 'user-approval', reason: `waiting for a Greenlight reviewer (approval ${step.approval?.id ?? '?'}, task ${step.taskId})` };
      }
      return toApprovalStatus(verdictOf(await decided(step)));
    } catch (err) {
      return { type: 'denied', reason: `Greenlight could not decide (${GreenlightError.from(err).message}); not run` };
    }
  }

  /** Run one call through Greenlight: the approved step is claimed, and `execute` gets the approved input. */
  async function guarded(toolName: string, execute: (input: unknown, options: ToolExecutionOptions<unknown>) => unknown, input: unknown, options: ToolExecutionOptions<unknown>): Promise<unknown> {
    const { step, plannedHash } = await plan({ callId: options.toolCallId, toolName, input });
    const now = await decided(step, options.abortSignal);
    const verdict = verdictOf(now);
    if (verdict.kind !== 'approved') throw new ToolCallRefused(refusalOf(verdict));
    // Only this call's step: the session's task holds the other calls' steps too.
    const { steps } = await client.steps.claim.mutate({ taskId: now.taskId, stepIds: [now.id], max: 1, leaseSeconds });
    const claimed = steps[0];
    if (!claimed || !isBound(claimed, now, plannedHash)) {
      if (claimed) await notRun(client, claimed, 'the handed-out step was not the approved one');
      const later = await client.steps.get.query({ stepId: now.id });
      throw new ToolCallRefused(`the approved step could not be claimed (it is ${later.status} now)`);
    }
    return runClaimed(
      client,
      claimed,
      async (signal) => collect(await execute(claimedInput(claimed), { ...options, abortSignal: options.abortSignal ? AbortSignal.any([signal, options.abortSignal]) : signal })),
      { leaseSeconds },
    );
  }

  /**
   * The tools with each `execute` behind Greenlight (tools without one, run by the
   * client or the provider, are returned as they are). An async-iterable result is
   * read to its end and its last value returned.
   */
  function tools<T extends ToolSet>(set: T): T {
    const out: Record<string, unknown> = {};
    for (const [name, tool] of Object.entries(set)) {
      const execute = tool.execute as ((input: unknown, options: ToolExecutionOptions<unknown>) => unknown) | undefined;
      if (!execute) {
        out[name] = tool;
        continue;
      }
      const bound = (input: unknown, options: ToolExecutionOptions<unknown>) => guarded(name, execute, input, options);
      wrapped.add(bound);
      out[name] = { ...tool, execute: bound };
    }
    return out as T;
  }

  /**
   * For `pending: 'ask'`: wait for the Greenlight decision on each tool-approval-request
   * the SDK returned (result.content, or a message's parts) and answer it as the SDK's
   * tool-approval-response, ready for `{ role: 'tool', content }`. Automatic requests
   * (already answered in the same generation) are left out.
   */
  async function approvalResponses(parts: readonly unknown[], o: { signal?: AbortSignal } = {}): Promise<ToolApprovalResponse[]> {
    const out: ToolApprovalResponse[] = [];
    for (const part of parts) {
      if (!isApprovalRequest(part) || part.isAutomatic) continue;
      const { toolCall } = part;
      const { step } = await plan({ callId: toolCall.toolCallId, toolName: toolCall.toolName, input: toolCall.input });
      out.push(toApprovalResponse(await decided(step, o.signal), part.approvalId));
    }
    return out;
  }

  return { toolApproval, tools, approvalResponses, plan, close };
}

/** The AI SDK's approval status for a verdict: approved, denied with the reason, or user-approval while a reviewer decides. */
export function toApprovalStatus(verdict: Verdict): ToolApprovalStatus {
  switch (verdict.kind) {
    case 'approved':
      return { type: 'approved', reason: `Greenlight: ${verdict.reason}` };
    case 'pending':
      return { type: 'user-approval', reason: `waiting for a Greenlight reviewer (approval ${verdict.approvalId})` };
    case 'answered':
      return { type: 'denied', reason: `Greenlight: answered instead of run: ${verdict.answer}` };
    case 'denied':
      return { type: 'denied', reason: `Greenlight: ${verdict.reason}` };
  }
}

/**
 * A decided Greenlight step as the AI SDK's tool-approval-response for the request
 * `approvalId` (the SDK's id, from its tool-approval-request). For useChat, pass
 * `{ id: approvalId, approved, reason }` to addToolApprovalResponse.
 * Approving here only lets the SDK call `execute`; the wrapped tool still runs only
 * what Greenlight approved.
 * @throws GreenlightError BAD_REQUEST when the step still awaits a decision.
 */
export function toApprovalResponse(step: Step, approvalId: string): ToolApprovalResponse {
  const verdict = verdictOf(step);
  if (verdict.kind === 'pending') throw new GreenlightError(`step ${step.id} still awaits a decision`, { code: 'BAD_REQUEST' });
  const status = toApprovalStatus(verdict);
  const approved = typeof status === 'object' && status?.type === 'approved';
  const reason = typeof status === 'object' && status && 'reason' in status ? status.reason : undefined;
  return { type: 'tool-approval-response', approvalId, approved, ...(reason ? { reason } : {}) };
}

type ApprovalRequestPart = { type: 'tool-approval-request'; approvalId: string; isAutomatic?: boolean; toolCall: { toolCallId: string; toolName: string; input: unknown } };

function isApprovalRequest(part: unknown): part is ApprovalRequestPart {
  if (typeof part !== 'object' || part === null) return false;
  const p = part as { type?: unknown; approvalId?: unknown; toolCall?: { toolCallId?: unknown; toolName?: unknown } };
  return p.type === 'tool-approval-request' && typeof p.approvalId === 'string' && typeof p.toolCall?.toolCallId === 'string' && typeof p.toolCall.toolName === 'string';
}

/** A tool result, with an async iterable (preliminary results) read to its last value. */
async function collect(result: unknown): Promise<unknown> {
  if (typeof result === 'object' && result !== null && Symbol.asyncIterator in result) {
    let last: unknown;
    for await (const value of result as AsyncIterable<unknown>) last = value;
    return last;
  }
  return result;
}
