/**
 * Greenlight as the Claude Agent SDK's `canUseTool` (code.claude.com/docs/en/agent-sdk,
 * TypeScript reference: `CanUseTool` and `PermissionResult`, 2026-08), with the same
 * semantics as `greenlight hook claude-code` in its PermissionRequest mode:
 *
 *   const gl = greenlightCanUseTool(createClient({ url, key }), { session: 'my-run' });
 *   query({ prompt, options: { canUseTool: gl.canUseTool, hooks: gl.hooks } });
 *
 * The run is one open task (`session`); each call the SDK asks about becomes a step of it
 * (core/hooks' Claude Code tool table), keyed by the SDK's toolUseID, so a reviewer's
 * "approve for this session" approves the next matching call at once; the policy or a
 * reviewer decides; an approved step is
 * claimed (the tool runs only for a step this process holds) and answered
 * `{behavior: 'allow', updatedInput}` (the reviewer's modify, else the input as sent);
 * anything else is `{behavior: 'deny', message}`. Greenlight never fails open: when it
 * cannot decide (unreachable, no decision in time) the answer is a deny unless
 * `onError: 'allow'`. `hooks` (PostToolUse / PostToolUseFailure) complete or fail the
 * held step with the tool's real result. The types below are structural copies of the
 * SDK's, so this module does not depend on the SDK package.
 */
import { boundedOutput, claimIsProposal, claudeCodeStep, fallbackVerdict, isStepOfProposal, proposedHash, sessionRef, stepKeyFor, verdictForProposal, type Verdict } from '@greenlight/core/hooks';
import type { Step } from '@greenlight/core';
import type { GreenlightClient } from './index.ts';
import { GreenlightError } from './errors.ts';

/** The SDK's PermissionResult. */
export type PermissionResult =
  | { behavior: 'allow'; updatedInput?: Record<string, unknown>; updatedPermissions?: unknown[]; toolUseID?: string }
  | { behavior: 'deny'; message: string; interrupt?: boolean; toolUseID?: string };

/** The SDK's CanUseTool. */
export type CanUseTool = (
  toolName: string,
  input: Record<string, unknown>,
  options: { signal: AbortSignal; suggestions?: unknown[]; blockedPath?: string; decisionReason?: string; toolUseID: string; agentID?: string },
) => Promise<PermissionResult>;

/** The SDK's hook callback (PostToolUse / PostToolUseFailure input, as documented). */
export type HookCallback = (input: Record<string, unknown>, toolUseID: string | undefined, options: { signal: AbortSignal }) => Promise<Record<string, unknown>>;

export type GreenlightCanUseToolOptions = {
  /** Names the run in the task's metadata and idempotency keys (e.g. the SDK session id). */
  session: string;
  /** The agent's working directory: paths inside it are shown relative (policy globs like `src/**`). */
  cwd?: string;
  /** How long to wait for a reviewer (ms); then `onError`. Default 10 minutes. */
  timeoutMs?: number;
  /** When Greenlight cannot decide: deny (default) or allow. */
  onError?: 'deny' | 'allow';
};

const LEASE_SECONDS = 3600;

export function greenlightCanUseTool(client: GreenlightClient, opts: GreenlightCanUseToolOptions) {
  const session = sessionRef('claude-code', `sdk:${opts.session}`);
  const held = new Map<string, { stepId: string; leaseId: string }>();
  const onError = opts.onError ?? 'deny';

  const result = (v: Verdict, input: Record<string, unknown>, toolUseID: string): PermissionResult =>
    v.decision === 'allow' ? { behavior: 'allow', updatedInput: v.updatedInput ?? input, toolUseID } : { behavior: 'deny', message: v.reason, toolUseID };

  const canUseTool: CanUseTool = async (toolName, input, { signal, toolUseID }) => {
    const call = { tool: toolName, input, toolUseId: toolUseID, cwd: opts.cwd };
    try {
      const draft = claudeCodeStep(call);
      const key = stepKeyFor(toolUseID);
      // What the reviewer must have seen for this call to run: checked on the step found and at the claim.
      const hash = await proposedHash(draft.params);
      // The run's one open task (SESSIONS-API.md), this call appended to it as a step keyed by toolUseID.
      // The same toolUseID with other input is refused by the server (CONFLICT): caught below as a deny.
      const task = await client.plan({
        title: `Claude Agent SDK session ${opts.session}`.slice(0, 200),
        steps: [{ ...draft, key }],
        open: true,
        session,
        metadata: { source: 'claude-agent-sdk', session, ...(opts.cwd ? { cwd: opts.cwd } : {}) },
        idempotencyKey: `${session}:${key}`.slice(0, 200),
      });
      const planned = task.steps.find((s) => s.key === key);
      if (!planned || !isStepOfProposal(planned, hash)) return { behavior: 'deny', message: `Greenlight: the step for ${toolUseID} was proposed with other input; not running this one`, toolUseID };
      let step: Step = planned;
      if (step.status === 'awaiting_approval') {
        const approvalId = step.approval?.id;
        step = (await client.waitForDecision(step.id, { signal, timeoutMs: opts.timeoutMs ?? 600_000, ...(approvalId ? { approvalId } : {}) })).step;
      }
      const cancel = step.status === 'cancelled' ? (await client.tasks.get.query({ taskId: task.id })).cancel : undefined;
      const verdict = verdictForProposal(step, call, hash, cancel);
      if (verdict.decision !== 'allow') return result(verdict.decision === 'ask' ? { decision: 'deny', reason: verdict.reason } : verdict, input, toolUseID);
      const { steps } = await client.steps.claim.mutate({ taskId: task.id, stepIds: [step.id], max: 1, leaseSeconds: LEASE_SECONDS });
      const claimed = steps[0];
      if (!claimed || !claimIsProposal(claimed, step, hash)) {
        const now = await client.steps.get.query({ stepId: step.id });
        return { behavior: 'deny', message: `Greenlight: the approved step could not be claimed (it is ${now.status} now); not running it`, toolUseID };
      }
      held.set(toolUseID, { stepId: claimed.stepId, leaseId: claimed.leaseId });
      return result(verdict, input, toolUseID);
    } catch (err) {
      const why = err instanceof GreenlightError ? `${err.code}: ${err.message}` : String(err);
      // The same call id with other input (CONFLICT; BAD_REQUEST once the idempotency record expired) is a refusal, not "could not decide": never onError's allow.
      if (err instanceof GreenlightError && (err.code === 'CONFLICT' || err.code === 'BAD_REQUEST')) return { behavior: 'deny', message: `Greenlight: ${why}; not running it`, toolUseID };
      return result(fallbackVerdict(onError, why), input, toolUseID);
    }
  };

  /** Report a held step's outcome once; a repeat (the lease already used) is not an error. */
  const report = async (toolUseID: string | undefined, outcome: { ok: true; output: unknown } | { ok: false; error: string }) => {
    const lease = toolUseID ? held.get(toolUseID) : undefined;
    if (!lease || !toolUseID) return {};
    held.delete(toolUseID);
    try {
      if (outcome.ok) await client.steps.complete.mutate({ ...lease, output: { result: boundedOutput(outcome.output) } });
      else await client.steps.fail.mutate({ ...lease, error: { message: String(boundedOutput(outcome.error, 4000)) } });
    } catch (err) {
      if (!(err instanceof GreenlightError && (err.code === 'CONFLICT' || err.code === 'NOT_FOUND'))) throw err;
    }
    return {};
  };
  const postToolUse: HookCallback = (input, toolUseID) => report(toolUseID ?? (input.tool_use_id as string | undefined), { ok: true, output: input.tool_response });
  const postToolUseFailure: HookCallback = (input, toolUseID) =>
    report(toolUseID ?? (input.tool_use_id as string | undefined), { ok: false, error: typeof input.error === 'string' ? input.error : 'the tool failed' });

  /** End the run's task (it takes no more steps); call when the query ends. */
  const close = async (): Promise<void> => {
    const task = await client.plan({
      title: `Claude Agent SDK session ${opts.session}`.slice(0, 200),
      steps: [],
      open: true,
      session,
      metadata: { source: 'claude-agent-sdk', session, ...(opts.cwd ? { cwd: opts.cwd } : {}) },
    });
    await client.tasks.close.mutate({ taskId: task.id });
  };

  return {
    canUseTool,
    close,
    /** For `options.hooks`: the tool's real result completes (or fails) the step the call was handed. */
    hooks: { PostToolUse: [{ hooks: [postToolUse] }], PostToolUseFailure: [{ hooks: [postToolUseFailure] }] },
  };
}
