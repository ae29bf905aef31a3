/**
 * A decided step as a host-neutral verdict for a coding agent's hook: allow, deny, ask
 * (or defer, for a host that can pause), a reason in words, and what a reviewer's
 * modify changed. Each host (claude-code.ts, codex.ts, cursor.ts) turns a verdict into
 * its own JSON; a host that cannot run an edited input turns `updatedInput` into a deny
 * that carries the reviewer's version (`insteadReason`). Pure.
 */
import { decisionPeople } from '../facts.ts';
import type { Step } from '../schemas/step.ts';

export type HookDecision = 'allow' | 'deny' | 'ask' | 'defer';

/** The tool call as the host sent it: its own tool name and input object. */
export type ToolCall = {
  tool: string;
  input: Record<string, unknown>;
  /** The host's id for this call (Claude Code's and Codex's tool_use_id), when it sends one. */
  toolUseId?: string | undefined;
  cwd?: string | undefined;
  /** The host's turn (Cursor's generation_id, Codex's turn_id): with the input, names a call that has no id. */
  turn?: string | undefined;
};

export type Verdict = {
  decision: HookDecision;
  /** Shown to the agent on deny, to the user on ask/allow (hosts differ; see each host). */
  reason: string;
  /** A reviewer's modify, as the tool's complete new input, when the call's input can carry it. */
  updatedInput?: Record<string, unknown>;
  /** For a modify: the deny to give instead where the host cannot run an edited input. */
  insteadReason?: string;
};

/** " by alice, bob": the people behind the decision (core's decisionPeople), never a rule's or the clock's name. */
const by = (step: Step): string => {
  const people = step.decision ? decisionPeople(step.decision) : [];
  return people.length > 0 ? ` by ${people.join(', ')}` : '';
};
const said = (text: string | undefined): string => (text ? `: ${text}` : '');
const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The reviewer's version in words, for a deny that tells the agent what to do instead. */
function reviewersVersion(step: Step): string {
  const p = step.params;
  if (step.kind === 'run_command' && typeof p.command === 'string') return `run this command instead:\n${p.command}`;
  if (typeof p.patch === 'string') return `make this change instead:\n${p.patch}`;
  return `do this instead:\n${JSON.stringify(p, null, 2)}`;
}

/**
 * A reviewer's modify replaced the params. Where the tool's input can carry the new
 * params (a command, a URL, a whole-file write, a custom tool's input), the verdict is
 * allow with `updatedInput`; otherwise deny with the reviewer's version. Either way
 * `insteadReason` is the deny for hosts that take no edited input.
 */
function modified(step: Step, call: ToolCall): Verdict {
  const p = step.params;
  const note = `Greenlight: approved with changes${by(step)}${said(step.decision?.feedback)}`;
  const insteadReason = `${note}. Do not run the original call; ${reviewersVersion(step)}`;
  const allow = (updatedInput: Record<string, unknown>): Verdict => ({ decision: 'allow', reason: note, updatedInput, insteadReason });
  if (step.kind === 'run_command' && typeof p.command === 'string' && typeof call.input.command === 'string') return allow({ ...call.input, command: p.command });
  if (step.kind === 'network' && typeof p.url === 'string' && typeof call.input.url === 'string') return allow({ ...call.input, url: p.url });
  if (step.kind === 'edit_file' && typeof p.content === 'string' && typeof call.input.content === 'string') return allow({ ...call.input, content: p.content });
  if (step.kind === 'custom' && isRecord(p.input)) return allow(p.input);
  return { decision: 'deny', reason: insteadReason, insteadReason };
}

/**
 * The verdict for a step that has left awaiting_approval (awaiting_approval itself is
 * `ask`: still undecided). `cancel` is the task's, when it was cancelled.
 */
export function verdictFor(step: Step, call: ToolCall, cancel?: { by: string; reason?: string | undefined }): Verdict {
  const d = step.decision;
  switch (step.status) {
    case 'approved':
    case 'executing':
    case 'completed':
      if (d?.decision === 'modify') return modified(step, call);
      // A remembered grant (SESSIONS-API.md) approves as `grant:<id>`: the reviewer's "for this session".
      if (d?.decision === 'policy' && d.rule?.startsWith('grant:')) return { decision: 'allow', reason: `Greenlight: approved for this session by a remembered grant (${d.rule})` };
      if (d?.decision === 'policy') return { decision: 'allow', reason: `Greenlight: allowed by policy (${d.rule ?? 'mode'})${by(step)}` };
      if (d?.decision === 'timeout') return { decision: 'allow', reason: `Greenlight: no decision in time; the policy's default approved it` };
      return { decision: 'allow', reason: `Greenlight: approved${by(step)}${said(d?.feedback)}` };
    case 'changes_requested':
      return { decision: 'deny', reason: `Greenlight: changes requested${by(step)}${said(d?.feedback)}. Adjust the approach and try again.` };
    case 'rejected':
      if (d?.decision === 'policy') return { decision: 'deny', reason: `Greenlight: denied by policy (${d.rule ?? 'rule'})${said(d.reason)}` };
      if (d?.decision === 'timeout') return { decision: 'deny', reason: `Greenlight: no reviewer decided in time, so it was rejected (${d.reason ?? 'timeout'})` };
      return { decision: 'deny', reason: `Greenlight: rejected${by(step)}${said(d?.feedback)}` };
    case 'skipped':
      return { decision: 'deny', reason: `Greenlight: skipped${by(step)}${said(d?.feedback ?? d?.reason)}. Do not run this; carry on without it.` };
    case 'cancelled':
      return { decision: 'deny', reason: `Greenlight: the task was cancelled${cancel ? ` by ${cancel.by}${said(cancel.reason)}` : ''}` };
    case 'blocked':
    case 'failed':
      return { decision: 'deny', reason: `Greenlight: the step is ${step.status}${said(d?.reason ?? step.result?.error?.message)}` };
    case 'awaiting_approval':
      return { decision: 'ask', reason: 'Greenlight: still awaiting approval' };
  }
}

/**
 * For a host that cannot run an edited input: a modify's allow becomes the deny that
 * carries the reviewer's version. Other verdicts pass through.
 */
export function withoutEditedInput(v: Verdict): Verdict {
  if (v.updatedInput === undefined) return v;
  return { decision: 'deny', reason: v.insteadReason ?? v.reason };
}

/** What a hook says when Greenlight cannot decide, per --on-error. */
export const FALLBACK_WORDS: Record<'ask' | 'deny' | 'allow', string> = {
  ask: 'asking you instead',
  deny: 'denying it to be safe (GREENLIGHT_HOOK_ON_ERROR=deny)',
  allow: 'allowing it (GREENLIGHT_HOOK_ON_ERROR=allow)',
};

/** The verdict when Greenlight could not decide (unreachable, misconfigured, timed out). */
export const fallbackVerdict = (onError: 'ask' | 'deny' | 'allow', why: string): Verdict => ({
  decision: onError,
  reason: `Greenlight could not decide (${why}); ${FALLBACK_WORDS[onError]}`,
});

/** A tool's output bounded for the audit log: strings clipped, structure kept when small. */
export function boundedOutput(value: unknown, maxChars = 16_000): unknown {
  if (value === undefined) return undefined;
  if (typeof value === 'string') return value.length > maxChars ? `${value.slice(0, maxChars)}… [${value.length - maxChars} more characters]` : value;
  let text: string;
  try {
    text = JSON.stringify(value);
  } catch {
    return String(value).slice(0, maxChars);
  }
  if (text === undefined) return undefined;
  return text.length > maxChars ? { truncated: true, chars: text.length, head: text.slice(0, maxChars) } : value;
}
