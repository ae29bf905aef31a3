/**
 * Building blocks of the hosts' tool -> step tables: a tool call as a Greenlight step
 * (SPEC section 2's kinds), with the reviewer-facing title, canonical paths (relative
 * inside the session's cwd, absolute outside: core's pathFrom) and params that always
 * pass the kind's schema (anything that does not becomes `custom`, shown as sent). Pure.
 */
import type { StepKind } from '../enums.ts';
import { canonicalJson, sha256Hex } from '../hash.ts';
import { LIMITS } from '../limits.ts';
import { canonicalPath, pathFrom } from '../paths.ts';
import { parseParams } from '../schemas/params.ts';
import { stepKeyFor } from './event.ts';
import type { ToolCall } from './verdict.ts';

/** A step as `tasks.plan` / `tasks.append` take it. */
export type StepDraft = {
  key: string;
  kind: StepKind;
  title: string;
  params: Record<string, unknown>;
  explanation?: string;
  baseHash?: string;
  metadata?: Record<string, unknown>;
};

const TITLE_MAX = Math.min(200, LIMITS.titleChars);

/** One line, at most `max` characters. */
export const clip = (s: string, max = TITLE_MAX): string => {
  const flat = s.replace(/\s+/g, ' ').trim();
  return flat.length > max ? flat.slice(0, max - 1) + '…' : flat;
};

/** The path as the reviewer and the policy see it; a path with no single meaning is passed on as given (the policy fails closed on it). */
export function displayPath(path: string, cwd: string | undefined): string {
  const c = cwd ? pathFrom(cwd, path) : canonicalPath(path);
  return c.ok ? c.path : path;
}

/** The step's key: the host's id for the call when it has one, else the tool's name. */
export const keyOf = (call: ToolCall): string => stepKeyFor(call.toolUseId ?? call.tool);

export const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);

export function step(call: ToolCall, kind: StepKind, title: string, params: Record<string, unknown>, explanation?: string): StepDraft {
  return { key: keyOf(call), kind, title: clip(title), params, ...(explanation ? { explanation: clip(explanation, 2000) } : {}) };
}

export function custom(call: ToolCall, note?: string): StepDraft {
  return step(call, 'custom', `Use ${call.tool}`, { tool: call.tool.slice(0, 100), input: call.input }, note);
}

export const commandStep = (call: ToolCall, command: string, explanation?: string): StepDraft =>
  step(call, 'run_command', `Run ${command}`, { command, ...(call.cwd ? { cwd: call.cwd } : {}) }, explanation);

/**
 * The step, checked: params that fail their kind's schema make a `custom` step that
 * says so; `metadata.tool` names the host's tool either way.
 */
export function finish(call: ToolCall, mapped: StepDraft | undefined, host: string): StepDraft {
  const meta = { tool: call.tool, host, ...(call.toolUseId ? { toolUseId: call.toolUseId } : {}) };
  if (mapped && parseParams(mapped.kind, mapped.params).success) return { ...mapped, metadata: meta };
  const note = mapped ? `Greenlight could not express this ${call.tool} call as a ${mapped.kind} step; here it is as sent.` : undefined;
  return { ...custom(call, note), metadata: meta };
}

/**
 * The step key of a call: the host's id for it when there is one (Claude Code's and
 * Codex's tool_use_id), else `<tool>.<hash>` of its turn and its command (or whole
 * input), so a repeat of the same call in the same turn finds the same step and another
 * call gets its own.
 */
export async function callKeyFor(call: ToolCall): Promise<string> {
  if (call.toolUseId) return stepKeyFor(call.toolUseId);
  const what = typeof call.input.command === 'string' ? call.input.command : canonicalJson(call.input);
  const hash = await sha256Hex(`${call.turn ?? ''}\u0000${what}`);
  return stepKeyFor(`${call.tool.slice(0, 60)}.${hash.slice(0, 24)}`);
}
