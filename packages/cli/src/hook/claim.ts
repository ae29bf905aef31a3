/**
 * Claim, then answer: the hook says allow only for a step it holds. Claude Code runs
 * the tool itself the moment it reads "allow", so the hook first claims the approved
 * step under a lease (steps.claim for its own task), and the server hands it out only
 * while nothing has withdrawn the approval: a deny rule set since (steps.claim checks
 * the current policy, the kill switch), a cancel, a revision, another executor. Only a
 * claim of exactly the step that was decided, at the revision and paramsHash decided,
 * is an allow; anything else is a deny that says why.
 */
import type { ClaimedStep, Step } from '@greenlight/core';
import type { GreenlightClient } from '@greenlight/sdk';
import { answerFor, hookOutput, type HookOutput } from './answer.ts';
import type { HookInput } from './input.ts';

/**
 * How long the hook's lease lasts (s): the longest the API grants. The hook completes
 * the step right after answering; a lease that ran out first would make the server
 * retry or fail the step as lease_expired, which Claude Code's run never was.
 */
export const HANDOFF_LEASE_SECONDS = 3600;

export type ClaimAnswer =
  /** Claimed: answer allow (or run the reviewer's modified input), then report the hand-off with the lease. */
  | { held: true; output: HookOutput; claimed: ClaimedStep }
  /** Not handed out: the deny that says why, and the step as it is now. */
  | { held: false; output: HookOutput; step: Step };

/**
 * Is the claimed step the approved one? Same step, revision and paramsHash as decided;
 * and, unless a reviewer's modify replaced them, the params the hook sent
 * (`plannedHash`): a revise that policy approved again is not what Claude Code will run.
 */
function sameAsApproved(claimed: ClaimedStep, decided: Step, plannedHash: string): boolean {
  const modified = decided.decision?.decision === 'modify';
  return claimed.stepId === decided.id && claimed.revision === decided.revision && claimed.paramsHash === decided.paramsHash && (modified || claimed.paramsHash === plannedHash);
}

/** The deny for a step the claim did not hand out, from what it is now. */
async function whyNot(client: GreenlightClient, step: Step, input: HookInput): Promise<HookOutput> {
  switch (step.status) {
    case 'cancelled': {
      const { cancel } = await client.tasks.get.query({ taskId: step.taskId });
      return answerFor(step, input, cancel);
    }
    case 'approved':
    case 'executing':
    case 'completed':
      return hookOutput('deny', `Greenlight: the approved step could not be claimed for Claude Code (it is ${step.status} now, revision ${step.revision}); not running it`);
    case 'awaiting_approval':
      return hookOutput('deny', `Greenlight: the step changed after it was approved (now revision ${step.revision}, awaiting a new decision); not running it`);
    default:
      // rejected (a deny rule set since the approval, with its reason), skipped, blocked, failed, changes_requested.
      return answerFor(step, input);
  }
}

/**
 * Claim the approved step `decided` of the hook's own task, then say what to answer.
 * Call only when answerFor(decided) is allow. `plannedHash` is the paramsHash the hook
 * planned. Errors (network, budget) propagate: the caller answers its fallback.
 */
export async function claimThenAnswer(client: GreenlightClient, decided: Step, plannedHash: string, input: HookInput): Promise<ClaimAnswer> {
  const { steps } = await client.steps.claim.mutate({ taskId: decided.taskId, max: 1, leaseSeconds: HANDOFF_LEASE_SECONDS });
  const claimed = steps[0];
  if (claimed && sameAsApproved(claimed, decided, plannedHash)) return { held: true, output: answerFor(decided, input), claimed };
  const now = await client.steps.get.query({ stepId: decided.id });
  if (claimed) {
    const output = hookOutput('deny', `Greenlight: the step changed after it was approved (revision ${claimed.revision} was handed out, revision ${decided.revision} was approved); not running it`);
    return { held: false, output, step: now };
  }
  return { held: false, output: await whyNot(client, now, input), step: now };
}

/**
 * Report the hand-off: the step is completed with a note, since Claude Code runs the
 * tool and Greenlight hears no more of it (no PostToolUse handling yet). Completed at
 * once, so the lease never runs out into a misleading lease_expired.
 */
export async function reportHandOff(client: GreenlightClient, claimed: ClaimedStep, input: HookInput): Promise<void> {
  await client.steps.complete.mutate({
    stepId: claimed.stepId,
    leaseId: claimed.leaseId,
    output: {
      handedTo: 'claude-code',
      note: 'handed to Claude Code, which runs the tool itself; Greenlight does not see its result',
      ...(input.tool_use_id ? { toolUseId: input.tool_use_id } : {}),
    },
  });
}
