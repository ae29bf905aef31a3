/**
 * What the framework adapters share about steps: a framework's tool call as a
 * `custom` step (the tool's name and its input, so policy rules match on `tool`),
 * a call id as a step key, and a decided step read as one verdict (run this input,
 * refuse with this reason, still waiting, or answered) that each adapter turns
 * into its framework's own answer.
 */
import { LIMITS, sha256Hex, type Step, type StepInput } from '@greenlight/core';

/** One tool call as a framework reports it: its id, the tool's name, the parsed input. */
export type ToolCall = { callId: string; toolName: string; input: unknown };

/** What the caller may add to each step it proposes (shown to reviewers, matched by rules). */
export type StepDetails = Partial<Pick<StepInput, 'title' | 'explanation' | 'risk' | 'metadata' | 'idempotent'>>;

const KEY = /^[A-Za-z0-9_.:-]{1,100}$/;

/**
 * A step key from a framework's call id (core's StepKey: 1-100 of A-Z a-z 0-9 _ . : -).
 * An id that fits is used as it is, so a reviewer sees the framework's own id; any
 * other is replaced by `h-` and the first 32 hex digits of its SHA-256 (same id, same key).
 */
export async function stepKey(callId: string): Promise<string> {
  if (KEY.test(callId)) return callId;
  return `h-${(await sha256Hex(callId)).slice(0, 32)}`;
}

/** The step for one tool call: kind `custom`, params `{ tool, input }`, the call id in its metadata. */
export async function toolStep(call: ToolCall, source: string, details: StepDetails = {}): Promise<StepInput> {
  return {
    key: await stepKey(call.callId),
    kind: 'custom',
    title: (details.title ?? `${call.toolName}`).slice(0, LIMITS.titleChars),
    params: { tool: call.toolName, input: call.input },
    dependsOn: [],
    ...(details.explanation !== undefined ? { explanation: details.explanation } : {}),
    ...(details.risk !== undefined ? { risk: details.risk } : {}),
    ...(details.idempotent !== undefined ? { idempotent: details.idempotent } : {}),
    metadata: { ...details.metadata, source, callId: call.callId },
  };
}

/**
 * A decided (or still open) step as the adapters act on it:
 * - `approved`: run `input` (the reviewer's, when `modified`); the claim still decides whether it runs;
 * - `denied`: never run; `reason` is what the model or the reviewer's feedback should say;
 * - `pending`: an approval is open (`approvalId`);
 * - `answered`: a clarify step's answer (`respond`).
 */
export type Verdict =
  | { kind: 'approved'; step: Step; input: unknown; modified: boolean; reason: string }
  | { kind: 'denied'; step: Step; reason: string }
  | { kind: 'pending'; step: Step; approvalId: string }
  | { kind: 'answered'; step: Step; answer: string };

const who = (step: Step): string => {
  const by = step.decision?.by ?? [];
  return by.length > 0 ? by.join(', ') : 'Greenlight';
};

/** The words the decision carries: the reviewer's feedback, else a rule's or the server's reason. */
const words = (step: Step): string | undefined => step.decision?.feedback ?? step.decision?.reason ?? step.result?.error?.message;

/**
 * Why a step is not to run (or why it may), in one line for a model or a chat UI:
 * "rejected by alice: not on prod", "denied by policy rule no-drops: ...".
 */
export function reasonOf(step: Step): string {
  const d = step.decision;
  const said = words(step);
  const tail = said ? `: ${said}` : '';
  if (d?.decision === 'policy') return `${step.status === 'approved' ? 'allowed' : 'denied'} by policy${d.rule ? ` rule ${d.rule}` : ''}${tail}`;
  if (d?.decision === 'timeout') return `${step.status} when its approval timed out${tail}`;
  switch (step.status) {
    case 'approved':
      return d?.decision === 'modify' ? `approved by ${who(step)} with changed input` : `approved by ${who(step)}`;
    case 'rejected':
      return `rejected by ${who(step)}${tail}`;
    case 'changes_requested':
      return `changes requested by ${who(step)}${tail}`;
    case 'skipped':
      return `skipped by ${who(step)}${tail}`;
    case 'cancelled':
      return `cancelled${tail}`;
    case 'blocked':
      return `blocked${tail}`;
    case 'executing':
    case 'completed':
      return `already handed out once (${step.status}); a call runs at most once`;
    default:
      return `${step.status}${tail}`;
  }
}

/** Read a step as the verdict its framework acts on (see Verdict). A clarify step's answer is `answered`. */
export function verdictOf(step: Step): Verdict {
  if (step.status === 'awaiting_approval') return { kind: 'pending', step, approvalId: step.approval?.id ?? '' };
  if (step.kind === 'clarify' && step.status === 'completed' && step.decision?.answer !== undefined) return { kind: 'answered', step, answer: step.decision.answer };
  if (step.status === 'approved') {
    const input = step.kind === 'custom' ? step.params.input : step.params;
    return { kind: 'approved', step, input, modified: step.decision?.decision === 'modify', reason: reasonOf(step) };
  }
  return { kind: 'denied', step, reason: reasonOf(step) };
}

/** Why a verdict other than approved does not run the call, in one line. */
export function refusalOf(verdict: Verdict): string {
  switch (verdict.kind) {
    case 'pending':
      return `approval ${verdict.approvalId} is still open`;
    case 'answered':
      return `answered instead of run: ${verdict.answer}`;
    default:
      return verdict.reason;
  }
}
