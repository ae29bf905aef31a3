/**
 * Cursor's agent hook wire format (cursor.com/docs/hooks, Cursor 2.x, 2026; hooks.json
 * `version: 1`). Every event gets JSON on stdin with `hook_event_name`, `conversation_id`
 * (the session), `generation_id`, `workspace_roots`, and expects JSON on stdout on every
 * path (`{}` when the hook has nothing to say). Fixtures in packages/cli/test/fixtures/cursor/.
 *
 *   beforeShellExecution {command, cwd}            -> decide: {permission, user_message, agent_message}
 *   beforeMCPExecution {tool_name, tool_input, url|command} -> decide: same shape
 *   preToolUse {tool_name, tool_input, tool_use_id} -> decide: same shape + updated_input
 *   postToolUse {tool_name, tool_input, tool_output, tool_use_id} -> result;  afterFileEdit -> edited
 *   stop {status, loop_count} -> end (optional: closes the task only when configured);  sessionEnd -> end
 * `permission` is allow | deny | ask. Only preToolUse can run an edited input
 * (`updated_input`); on the others a reviewer's modify is a deny whose agent_message
 * carries the reviewer's version.
 */
import { z } from 'zod';
import type { HookEvent, HostAnswer, HostFormat, ParsedHook } from './event.ts';
import { sessionRef } from './event.ts';
import { commandStep, custom, displayPath, finish, step, str, type StepDraft } from './steps.ts';
import { withoutEditedInput, type ToolCall, type Verdict } from './verdict.ts';

const Common = z.looseObject({
  hook_event_name: z.string().min(1),
  conversation_id: z.string().min(1),
  generation_id: z.string().optional(),
  workspace_roots: z.array(z.string()).optional(),
  cursor_version: z.string().optional(),
});

const issues = (e: z.ZodError): string => e.issues.map((i) => `${i.path.join('.') || '(payload)'}: ${i.message}`).join('; ');

/** MCP arguments arrive as a JSON string in older Cursor versions, as an object in newer ones. */
function inputObject(v: unknown): Record<string, unknown> {
  if (typeof v === 'string') {
    try {
      const parsed: unknown = JSON.parse(v);
      if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
    } catch {
      // not JSON: kept as sent below
    }
    return { value: v };
  }
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

function parse(json: unknown): ParsedHook {
  const common = Common.safeParse(json);
  if (!common.success) return { ok: false, error: issues(common.error) };
  const raw = json as Record<string, unknown>;
  const name = common.data.hook_event_name;
  const session = sessionRef('cursor', common.data.conversation_id);
  const cwd = str(raw.cwd) ?? common.data.workspace_roots?.[0];
  const turn = common.data.generation_id;
  const call = (tool: string, input: Record<string, unknown>): ToolCall => ({ tool, input, toolUseId: str(raw.tool_use_id), cwd, ...(turn ? { turn } : {}) });
  switch (name) {
    case 'beforeShellExecution': {
      const command = str(raw.command);
      if (!command) return { ok: false, error: 'command: expected a non-empty string' };
      return { ok: true, event: { type: 'decide', mode: 'pre', event: name, session, call: call('Shell', { command, ...(str(raw.cwd) ? { cwd: raw.cwd } : {}) }) } };
    }
    case 'beforeMCPExecution': {
      const tool = str(raw.tool_name);
      if (!tool) return { ok: false, error: 'tool_name: expected a non-empty string' };
      return { ok: true, event: { type: 'decide', mode: 'pre', event: name, session, call: call(tool, inputObject(raw.tool_input)) } };
    }
    case 'preToolUse': {
      const tool = str(raw.tool_name);
      if (!tool) return { ok: false, error: 'tool_name: expected a non-empty string' };
      return { ok: true, event: { type: 'decide', mode: 'pre', event: name, session, call: call(tool, inputObject(raw.tool_input)) } };
    }
    case 'postToolUse': {
      const tool = str(raw.tool_name);
      if (!tool) return { ok: false, error: 'tool_name: expected a non-empty string' };
      const durationMs = typeof raw.duration === 'number' ? raw.duration : undefined;
      return {
        ok: true,
        event: { type: 'result', event: name, session, call: call(tool, inputObject(raw.tool_input)), ok: true, output: raw.tool_output, ...(durationMs !== undefined ? { durationMs } : {}) },
      };
    }
    case 'afterFileEdit': {
      const path = str(raw.file_path);
      if (!path) return { ok: false, error: 'file_path: expected a non-empty string' };
      return { ok: true, event: { type: 'edited', event: name, session, path: displayPath(path, cwd), edits: Array.isArray(raw.edits) ? raw.edits : [] } };
    }
    case 'stop':
      return { ok: true, event: { type: 'end', event: name, session, reason: `Cursor's agent loop ended (${str(raw.status) ?? 'stop'})`, optional: true } };
    case 'sessionEnd':
      return { ok: true, event: { type: 'end', event: name, session, reason: `Cursor session ended (${str(raw.reason) ?? 'sessionEnd'})`, optional: false } };
    default:
      return { ok: true, event: { type: 'ignored', event: name } };
  }
}

function answer(event: Extract<HookEvent, { type: 'decide' }>, v: Verdict): HostAnswer {
  const w = event.event === 'preToolUse' ? v : withoutEditedInput(v);
  // `defer` does not exist in Cursor: only reached if a caller asks for it; an ask is the safe reading.
  const permission = w.decision === 'defer' ? 'ask' : w.decision;
  return {
    permission,
    user_message: w.reason,
    agent_message: w.reason,
    ...(w.updatedInput && permission === 'allow' ? { updated_input: w.updatedInput } : {}),
  };
}

export const cursorFormat: HostFormat = {
  host: 'cursor',
  parse,
  answer,
  quiet: () => ({}),
  takesEditedInput: (event) => event.event === 'preToolUse',
  decisions: () => ['allow', 'deny', 'ask'] as const,
};

const pathOf = (i: Record<string, unknown>): string | undefined => str(i.file_path) ?? str(i.path) ?? str(i.target_file);

/**
 * Cursor's tools as steps:
 *   beforeShellExecution, Shell -> run_command {command, cwd}
 *   Read -> read {paths};  Grep, Glob, LS, SemanticSearch, codebase_search -> read {query, paths?}
 *   Write -> edit_file {path, content};  Delete -> delete_file {path}
 *   WebFetch -> network {GET, url}
 *   beforeMCPExecution, MCP tools, Edit / StrReplace (without the file) and anything else -> custom {tool, input}
 */
export function cursorStep(call: ToolCall): StepDraft {
  return finish(call, pureCursorStep(call), 'cursor');
}

function pureCursorStep(call: ToolCall): StepDraft | undefined {
  const i = call.input;
  switch (call.tool) {
    case 'Shell': {
      const command = str(i.command);
      return command ? commandStep(call, command) : undefined;
    }
    case 'Read': {
      const p = pathOf(i);
      if (!p) return undefined;
      const path = displayPath(p, call.cwd);
      return step(call, 'read', `Read ${path}`, { tool: call.tool, paths: [path] });
    }
    case 'Grep':
    case 'Glob':
    case 'LS':
    case 'SemanticSearch':
    case 'codebase_search': {
      const query = str(i.pattern) ?? str(i.query) ?? str(i.glob_pattern);
      const p = pathOf(i) ?? str(i.target_directory);
      const paths = p ? [displayPath(p, call.cwd)] : undefined;
      return step(call, 'read', `${call.tool}${query ? ` ${query}` : ''}${paths ? ` in ${paths[0]}` : ''}`, { tool: call.tool, ...(query ? { query } : {}), ...(paths ? { paths } : {}) });
    }
    case 'Write': {
      const p = pathOf(i);
      const content = typeof i.contents === 'string' ? i.contents : typeof i.content === 'string' ? i.content : undefined;
      if (!p || content === undefined) return undefined;
      const path = displayPath(p, call.cwd);
      return step(call, 'edit_file', `Write ${path}`, { path, content });
    }
    case 'Delete': {
      const p = pathOf(i);
      return p ? step(call, 'delete_file', `Delete ${displayPath(p, call.cwd)}`, { path: displayPath(p, call.cwd) }) : undefined;
    }
    case 'WebFetch': {
      const url = str(i.url);
      return url ? step(call, 'network', `Fetch ${url}`, { method: 'GET', url }) : undefined;
    }
    default:
      return call.tool === 'Edit' || call.tool === 'StrReplace' ? custom(call) : undefined;
  }
}
