/**
 * One hook call from a coding agent, whatever the host: the shape every host's payload
 * is normalized to (claude-code.ts, codex.ts, cursor.ts), so one runner handles them all.
 */
import type { HookDecision, ToolCall, Verdict } from './verdict.ts';

export type HookHost = 'claude-code' | 'codex' | 'cursor';

export type HookEvent =
  /** A tool call that waits for a decision: before it runs (`pre`), or when the host would prompt (`permission`). */
  | { type: 'decide'; mode: 'pre' | 'permission'; event: string; session: string; call: ToolCall; suggestions?: unknown[] }
  /** A tool call's outcome, after it ran: its real output, or its error. */
  | { type: 'result'; event: string; session: string; call: ToolCall; ok: boolean; output?: unknown; error?: string; durationMs?: number }
  /** A file the agent edited (Cursor's afterFileEdit): recorded, nothing to decide. */
  | { type: 'edited'; event: string; session: string; path: string; edits: unknown[] }
  /** The session (or the agent's loop) ended; `optional` ends close the task only when configured (Stop). */
  | { type: 'end'; event: string; session: string; reason: string; optional: boolean }
  /** The session started (or resumed). */
  | { type: 'start'; event: string; session: string; cwd?: string | undefined }
  /** An event this hook takes no part in. */
  | { type: 'ignored'; event: string };

export type ParsedHook = { ok: true; event: HookEvent } | { ok: false; error: string };

/** What a host prints: a JSON value, or nothing at all (`undefined`). */
export type HostAnswer = Record<string, unknown> | undefined;

/** Extras a host may carry with an allow: permissions to remember (Claude Code's updatedPermissions). */
export type AnswerExtras = { updatedPermissions?: unknown[] };

/** A host's wire format: how its payloads read and how its answers are written. */
export type HostFormat = {
  host: HookHost;
  parse: (json: unknown) => ParsedHook;
  /** The answer to a `decide` event. */
  answer: (event: Extract<HookEvent, { type: 'decide' }>, verdict: Verdict, extras?: AnswerExtras) => HostAnswer;
  /** What to print for events that get no decision (results, ends, ignored ones). */
  quiet: (event: HookEvent) => HostAnswer;
  /** Whether the host runs an edited input for this event (a reviewer's modify); if not, the modify is a deny with the reviewer's version. */
  takesEditedInput: (event: Extract<HookEvent, { type: 'decide' }>) => boolean;
  /** The decisions this host can take for `decide` events of this mode ('defer' only where it exists). */
  decisions: (mode: 'pre' | 'permission') => readonly HookDecision[];
};

/** A session id as a Greenlight `session` (1..200 of A-Za-z0-9._:@/-): the host's id prefixed, odd characters replaced. */
export function sessionRef(host: HookHost, id: string): string {
  return `${host}:${id.replace(/[^A-Za-z0-9._:@/-]/g, '_')}`.slice(0, 200);
}

/** A host's tool-call id as a step key (1..100 of A-Za-z0-9_.:-). */
export function stepKeyFor(id: string): string {
  return id.replace(/[^A-Za-z0-9_.:-]/g, '_').slice(0, 100) || 'call';
}
