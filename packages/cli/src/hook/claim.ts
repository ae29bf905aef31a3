/**
 * Claim, then answer: the hook says allow only for a step it holds. The host runs the
 * tool itself the moment it reads "allow", so the hook first claims exactly the approved
 * step (steps.claim by stepId) under a lease, and the server hands it out only while
 * nothing has withdrawn the approval: a deny rule set since (steps.claim checks the
 * current policy, the kill switch), a cancel, a revision, another executor. Only a claim
 * of exactly the step that was decided, at the revision and paramsHash decided, is an
 * allow; anything else is a deny that says why.
 */
import type { ClaimedStep, Step } from '@greenlight/core';
import { claimIsProposal, verdictFor, verdictForProposal, type ToolCall, type Verdict } from '@greenlight/core/hooks';
import type { GreenlightClient } from '@greenlight/sdk';

/**
 * How long the hook's lease lasts (s): the longest the API grants. The PostToolUse hook
 * completes the step with the tool's result (or the session's end does); a lease that
 * ran out first would fail the step as lease_expired.
 */
export const HANDOFF_LEASE_SECONDS = 3600;

export type ClaimVerdict =
  /** Claimed: answer the verdict (allow, or run the reviewer's modified input), holding the lease. */
  | { held: true; verdict: Verdict; claimed: ClaimedStep }
  /** Not handed out: the deny that says why, and the step as it is now. */
  | { held: false; verdict: Verdict; step: Step; stray?: ClaimedStep };

/**
 * Is the claimed step the approved one, for the params the hook sent (`plannedHash`)?
 * core's claimIsProposal: same step, revision and paramsHash as decided, and those params
 * or a reviewer's modify of them (a revise that policy approved again is not what the
 * host will run).
 */
const sameAsApproved = (claimed: ClaimedStep, decided: Step, plannedHash: string): boolean => claimIsProposal(claimed, decided, plannedHash);

const deny = (reason: string): Verdict => ({ decision: 'deny', reason });

/** The deny for a step the claim did not hand out, from what it is now. */
async function whyNot(client: GreenlightClient, step: Step, call: ToolCall): Promise<Verdict> {
  switch (step.status) {
    case 'cancelled': {
      const { cancel } = await client.tasks.get.query({ taskId: step.taskId });
      return verdictFor(step, call, cancel);
    }
    case 'approved':
    case 'executing':
    case 'completed':
      return deny(`Greenlight: the approved step could not be claimed (it is ${step.status} now, revision ${step.revision}); not running it`);
    case 'awaiting_approval':
      return deny(`Greenlight: the step changed after it was approved (now revision ${step.revision}, awaiting a new decision); not running it`);
    default:
      // rejected (a deny rule set since the approval, with its reason), skipped, blocked, failed, changes_requested.
      return verdictFor(step, call);
  }
}

/**
 * Claim the approved step `decided`, then say what to answer. Call only when its
 * verdict is allow. `plannedHash` is the paramsHash the hook proposed. Errors (network,
 * budget) propagate: the caller answers its fallback.
 */
export async function claimThenVerdict(client: GreenlightClient, decided: Step, plannedHash: string, call: ToolCall): Promise<ClaimVerdict> {
  const { steps } = await client.steps.claim.mutate({ taskId: decided.taskId, stepIds: [decided.id], max: 1, leaseSeconds: HANDOFF_LEASE_SECONDS });
  const claimed = steps[0];
  if (claimed && sameAsApproved(claimed, decided, plannedHash)) return { held: true, verdict: verdictForProposal(decided, call, plannedHash), claimed };
  const now = await client.steps.get.query({ stepId: decided.id });
  if (claimed)
    return {
      held: false,
      verdict: deny(`Greenlight: the step changed after it was approved (revision ${claimed.revision} was handed out, revision ${decided.revision} was approved); not running it`),
      step: now,
      stray: claimed,
    };
  return { held: false, verdict: await whyNot(client, now, call), step: now };
}
