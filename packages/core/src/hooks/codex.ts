/**
 * OpenAI Codex's hook wire format (developers.openai.com/codex/hooks and the generated
 * schemas in openai/codex codex-rs/hooks/schema, Codex CLI 0.13x-0.15x, 2026-05..09).
 * Fixtures in packages/cli/test/fixtures/codex/ follow them.
 *
 *   PreToolUse        -> decide (pre). Codex honours only `deny` (hookSpecificOutput
 *                        .permissionDecision "deny" + permissionDecisionReason). It rejects a
 *                        bare "allow" and an "ask" as unsupported and then RUNS the tool, so an
 *                        allow is silence (exit 0, nothing printed) and an ask is a deny. It
 *                        takes no edited input we can rely on: a reviewer's modify is a deny
 *                        carrying the reviewer's version.
 *   PermissionRequest -> decide (permission), no tool_use_id: hookSpecificOutput.decision
 *                        {behavior: allow} | {behavior: deny, message}; silence = Codex's own
 *                        approval prompt (that is the ask). updatedInput / updatedPermissions
 *                        are reserved and fail closed, so they are never sent.
 *   PostToolUse       -> result (tool_response).   Stop -> end (optional), answered {}.
 */
import { z } from 'zod';
import type { HostAnswer, HostFormat, ParsedHook } from './event.ts';
import { sessionRef } from './event.ts';
import { commandStep, custom, displayPath, finish, step, str, type StepDraft } from './steps.ts';
import { withoutEditedInput, type ToolCall, type Verdict } from './verdict.ts';

const Common = z.looseObject({
  session_id: z.string().min(1),
  transcript_path: z.string().nullable().optional(),
  cwd: z.string().optional(),
  hook_event_name: z.string().min(1),
  model: z.string().optional(),
  permission_mode: z.string().optional(),
  turn_id: z.string().optional(),
});
const Tool = Common.extend({
  tool_name: z.string().min(1),
  tool_input: z.unknown(),
  tool_use_id: z.string().min(1).optional(),
});

const issues = (e: z.ZodError): string => e.issues.map((i) => `${i.path.join('.') || '(payload)'}: ${i.message}`).join('; ');
const asRecord = (v: unknown): Record<string, unknown> => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : { value: v });

function parse(json: unknown): ParsedHook {
  const common = Common.safeParse(json);
  if (!common.success) return { ok: false, error: issues(common.error) };
  const name = common.data.hook_event_name;
  const session = sessionRef('codex', common.data.session_id);
  if (name === 'PreToolUse' || name === 'PermissionRequest' || name === 'PostToolUse') {
    const t = Tool.safeParse(json);
    if (!t.success) return { ok: false, error: issues(t.error) };
    const call: ToolCall = { tool: t.data.tool_name, input: asRecord(t.data.tool_input), toolUseId: t.data.tool_use_id, cwd: t.data.cwd };
    if (name === 'PostToolUse') return { ok: true, event: { type: 'result', event: name, session, call, ok: true, output: (json as { tool_response?: unknown }).tool_response } };
    return { ok: true, event: { type: 'decide', mode: name === 'PreToolUse' ? 'pre' : 'permission', event: name, session, call } };
  }
  if (name === 'SessionStart') return { ok: true, event: { type: 'start', event: name, session, cwd: common.data.cwd } };
  if (name === 'Stop') return { ok: true, event: { type: 'end', event: name, session, reason: 'Codex finished the turn (Stop)', optional: true } };
  return { ok: true, event: { type: 'ignored', event: name } };
}

function preOutput(v: Verdict): HostAnswer {
  const w = withoutEditedInput(v);
  if (w.decision === 'allow') return undefined;
  const reason = w.decision === 'deny' ? w.reason : `${w.reason} (Codex hooks cannot ask, so Greenlight denies)`;
  return { hookSpecificOutput: { hookEventName: 'PreToolUse', permissionDecision: 'deny', permissionDecisionReason: reason } };
}

function permissionOutput(v: Verdict): HostAnswer {
  const w = withoutEditedInput(v);
  if (w.decision === 'allow') return { hookSpecificOutput: { hookEventName: 'PermissionRequest', decision: { behavior: 'allow' } } };
  if (w.decision === 'deny') return { hookSpecificOutput: { hookEventName: 'PermissionRequest', decision: { behavior: 'deny', message: w.reason } } };
  return undefined;
}

export const codexFormat: HostFormat = {
  host: 'codex',
  parse,
  answer: (event, verdict) => (event.mode === 'pre' ? preOutput(verdict) : permissionOutput(verdict)),
  quiet: (event) => (event.type === 'end' ? {} : undefined),
  takesEditedInput: () => false,
  decisions: () => ['allow', 'deny', 'ask'] as const,
};

/** The files an apply_patch envelope touches (`*** Add File:`, `*** Update File:`, `*** Delete File:`, `*** Move to:`). */
export function patchFiles(patch: string): { op: 'add' | 'update' | 'delete'; path: string; added: string[] }[] {
  const files: { op: 'add' | 'update' | 'delete'; path: string; added: string[] }[] = [];
  for (const line of patch.split('\n')) {
    const m = /^\*\*\* (Add|Update|Delete) File: (.+)$/.exec(line) ?? /^\*\*\* (Move) to: (.+)$/.exec(line);
    if (m) {
      const op = m[1] === 'Add' ? 'add' : m[1] === 'Delete' ? 'delete' : 'update';
      files.push({ op, path: m[2]!.trim(), added: [] });
    } else if (files.length > 0 && line.startsWith('+') && files[files.length - 1]!.op === 'add') files[files.length - 1]!.added.push(line.slice(1));
  }
  return files;
}

/**
 * Codex's tools as steps:
 *   Bash -> run_command {command, cwd}
 *   apply_patch adding one file -> edit_file {path, content};  deleting one file -> delete_file {path}
 *   apply_patch otherwise -> custom {tool: apply_patch, input} titled with the files it touches
 *   mcp__server__tool, NetworkAccess and anything else -> custom {tool, input}
 */
export function codexStep(call: ToolCall): StepDraft {
  return finish(call, pureCodexStep(call), 'codex');
}

function pureCodexStep(call: ToolCall): StepDraft | undefined {
  if (call.tool === 'Bash') {
    const command = str(call.input.command) ?? (Array.isArray(call.input.command) ? call.input.command.map(String).join(' ') : undefined);
    return command ? commandStep(call, command, str(call.input.description)) : undefined;
  }
  if (call.tool === 'apply_patch') {
    const patch = str(call.input.command) ?? str(call.input.patch) ?? str(call.input.input);
    if (!patch) return undefined;
    const files = patchFiles(patch);
    const only = files.length === 1 ? files[0]! : undefined;
    if (only?.op === 'add') {
      const path = displayPath(only.path, call.cwd);
      return step(call, 'edit_file', `Create ${path}`, { path, content: only.added.length > 0 ? `${only.added.join('\n')}\n` : '' });
    }
    if (only?.op === 'delete') return step(call, 'delete_file', `Delete ${displayPath(only.path, call.cwd)}`, { path: displayPath(only.path, call.cwd) });
    const names = files.map((f) => displayPath(f.path, call.cwd));
    return { ...custom(call), title: `Apply a patch to ${names.length > 0 ? names.join(', ') : 'files'}`.slice(0, 200) };
  }
  return undefined;
}
