/**
 * A call without the host's id (Claude Code's PermissionRequest, Codex's
 * PermissionRequest, Cursor's before…Execution) is found again by a key made of its
 * turn and command (callKeyFor). A key is only a name: two calls with the same command
 * but other input (another cwd, another `host` argument of an MCP tool, other file
 * content) share it. So a step found by key is this call's step only when the params
 * the hook proposes now hash to the params that step was proposed with: an approval is
 * bound to the exact bytes a reviewer saw, never to a name. Pure.
 */
import { canonicalJson, sha256Hex } from '../hash.ts';
import type { ClaimedStep } from '../schemas/api.ts';
import type { Step } from '../schemas/step.ts';
import type { ToolCall, Verdict } from './verdict.ts';
import { verdictFor } from './verdict.ts';

/**
 * The paramsHash the server gives `params` (core's paramsHash over the JSON the request
 * carries: an `undefined` field is not sent, so it is not hashed either). Hex SHA-256.
 */
export async function proposedHash(params: Record<string, unknown>): Promise<string> {
  return sha256Hex(canonicalJson(JSON.parse(JSON.stringify(params)) as unknown));
}

/**
 * Is `step` (found by its key) the step of a call whose proposed params hash to `hash`?
 * Yes when its params now are exactly these (the proposal itself, or a reviewer's
 * version that is byte for byte what is proposed now), or when it was proposed with
 * exactly these and only reviewers' modifies changed it since (the host asking again
 * about its original call gets the reviewer's version). Anything else (another input
 * under the same key, or an agent's revise) is another call: it never reuses the step.
 */
export function isStepOfProposal(step: Pick<Step, 'paramsHash' | 'history'>, hash: string): boolean {
  if (step.paramsHash === hash) return true;
  const [first, ...later] = step.history;
  return first !== undefined && first.via === 'plan' && first.paramsHash === hash && later.length > 0 && later.every((r) => r.via === 'modify');
}

/** The key of the `n`th call (1-based) that shares `callKey`: `<key>`, `<key>.2`, `<key>.3`, ... (at most 100 characters). */
export const repeatKey = (callKey: string, n: number): string => (n === 1 ? callKey : `${callKey.slice(0, 95)}.${n}`);

/**
 * verdictFor, for the call that proposed `hash`: when a reviewer's modify made the step
 * exactly what is proposed now (the agent came back with the reviewer's version), it is a
 * plain allow, not "run this instead" (which a host without edited input turns into a deny).
 */
export function verdictForProposal(step: Step, call: ToolCall, hash: string, cancel?: { by: string; reason?: string | undefined }): Verdict {
  const v = verdictFor(step, call, cancel);
  if (v.updatedInput !== undefined && step.paramsHash === hash) return { decision: 'allow', reason: v.reason };
  return v;
}

/**
 * May the claimed step run for the call that proposed `hash`? It must be exactly the
 * decided step (same id, revision and paramsHash: nothing changed between the decision
 * and the claim), and the decided step must be that call's (isStepOfProposal: its own
 * params, or a reviewer's modify of them). Every path that claims an approved step for an
 * outside call (the hooks, the HTTP hook, canUseTool, the MCP proxy, the SDK adapters)
 * checks this before it lets anything run.
 */
export function claimIsProposal(claimed: Pick<ClaimedStep, 'stepId' | 'revision' | 'paramsHash'>, decided: Pick<Step, 'id' | 'revision' | 'paramsHash' | 'history'>, hash: string): boolean {
  return claimed.stepId === decided.id && claimed.revision === decided.revision && claimed.paramsHash === decided.paramsHash && isStepOfProposal(decided, hash);
}
