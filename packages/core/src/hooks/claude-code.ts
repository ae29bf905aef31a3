/**
 * Claude Code's hook wire format (hooks reference, code.claude.com/docs/en/hooks, as of
 * Claude Code v2.1.2xx, 2026-08): one payload shape per event on stdin (or an HTTP hook's
 * POST body), `hook_event_name` naming the event. Fixtures in
 * packages/cli/test/fixtures/claude-code/ follow that page.
 *
 *   PreToolUse          -> decide (mode pre): hookSpecificOutput.permissionDecision
 *                          allow | deny | ask | defer, permissionDecisionReason, updatedInput
 *   PermissionRequest   -> decide (mode permission), no tool_use_id:
 *                          hookSpecificOutput.decision {behavior: allow, updatedInput?,
 *                          updatedPermissions?} | {behavior: deny, message}; no decision = the prompt
 *   PostToolUse         -> result ok, tool_response
 *   PostToolUseFailure  -> result failed, error (+ is_interrupt)
 *   SessionStart        -> start;  SessionEnd -> end;  Stop -> end (optional: closes only when configured)
 * Post*, Session* and Stop answers are empty: this hook never blocks them.
 */
import { z } from 'zod';
import type { AnswerExtras, HookEvent, HostAnswer, HostFormat, ParsedHook } from './event.ts';
import { sessionRef } from './event.ts';
import { clip, commandStep, custom, displayPath, finish, step, str, type StepDraft } from './steps.ts';
import type { ToolCall, Verdict } from './verdict.ts';

const Common = z.looseObject({
  session_id: z.string().min(1),
  transcript_path: z.string().optional(),
  cwd: z.string().optional(),
  permission_mode: z.string().optional(),
  hook_event_name: z.string().min(1),
});
const Tool = Common.extend({
  tool_name: z.string().min(1),
  tool_input: z.record(z.string(), z.unknown()).default({}),
  tool_use_id: z.string().min(1).optional(),
});

const issues = (e: z.ZodError): string => e.issues.map((i) => `${i.path.join('.') || '(payload)'}: ${i.message}`).join('; ');

function parse(json: unknown): ParsedHook {
  const common = Common.safeParse(json);
  if (!common.success) return { ok: false, error: issues(common.error) };
  const name = common.data.hook_event_name;
  const session = sessionRef('claude-code', common.data.session_id);
  const tool = (): z.infer<typeof Tool> | string => {
    const t = Tool.safeParse(json);
    return t.success ? t.data : issues(t.error);
  };
  const callOf = (t: z.infer<typeof Tool>): ToolCall => ({ tool: t.tool_name, input: t.tool_input, toolUseId: t.tool_use_id, cwd: t.cwd });
  switch (name) {
    case 'PreToolUse':
    case 'PermissionRequest': {
      const t = tool();
      if (typeof t === 'string') return { ok: false, error: t };
      const suggestions = Array.isArray((json as { permission_suggestions?: unknown }).permission_suggestions) ? (json as { permission_suggestions: unknown[] }).permission_suggestions : undefined;
      const mode = name === 'PreToolUse' ? 'pre' : 'permission';
      return { ok: true, event: { type: 'decide', mode, event: name, session, call: callOf(t), ...(suggestions ? { suggestions } : {}) } };
    }
    case 'PostToolUse':
    case 'PostToolUseFailure': {
      const t = tool();
      if (typeof t === 'string') return { ok: false, error: t };
      const raw = json as { tool_response?: unknown; error?: unknown; is_interrupt?: unknown; duration_ms?: unknown };
      const durationMs = typeof raw.duration_ms === 'number' ? raw.duration_ms : undefined;
      if (name === 'PostToolUse')
        return { ok: true, event: { type: 'result', event: name, session, call: callOf(t), ok: true, output: raw.tool_response, ...(durationMs !== undefined ? { durationMs } : {}) } };
      const error = `${typeof raw.error === 'string' ? raw.error : 'the tool failed'}${raw.is_interrupt === true ? ' (interrupted)' : ''}`;
      return { ok: true, event: { type: 'result', event: name, session, call: callOf(t), ok: false, error, ...(durationMs !== undefined ? { durationMs } : {}) } };
    }
    case 'SessionStart':
      return { ok: true, event: { type: 'start', event: name, session, cwd: common.data.cwd } };
    case 'SessionEnd': {
      const reason = str((json as { reason?: unknown }).reason) ?? 'other';
      return { ok: true, event: { type: 'end', event: name, session, reason: `Claude Code session ended (${reason})`, optional: false } };
    }
    case 'Stop':
      return { ok: true, event: { type: 'end', event: name, session, reason: 'Claude finished responding (Stop)', optional: true } };
    default:
      return { ok: true, event: { type: 'ignored', event: name } };
  }
}

/** The PreToolUse answer (exactly the shape the command hook printed before sessions). */
export type PreToolUseOutput = {
  hookSpecificOutput: {
    hookEventName: 'PreToolUse';
    permissionDecision: 'allow' | 'deny' | 'ask' | 'defer';
    permissionDecisionReason: string;
    updatedInput?: Record<string, unknown>;
  };
};

export const preToolUseOutput = (v: Verdict): PreToolUseOutput => ({
  hookSpecificOutput: {
    hookEventName: 'PreToolUse',
    permissionDecision: v.decision,
    permissionDecisionReason: v.reason,
    ...(v.updatedInput && v.decision === 'allow' ? { updatedInput: v.updatedInput } : {}),
  },
});

/**
 * PermissionRequest: allow (with the edited input and the permissions to remember) or
 * deny with the message Claude sees; `ask` gives no decision, so Claude Code shows its
 * own prompt (in a session that cannot prompt it denies). It has no `defer`.
 */
function permissionOutput(v: Verdict, extras?: AnswerExtras): HostAnswer {
  if (v.decision === 'allow') {
    const decision = {
      behavior: 'allow',
      ...(v.updatedInput ? { updatedInput: v.updatedInput } : {}),
      ...(extras?.updatedPermissions && extras.updatedPermissions.length > 0 ? { updatedPermissions: extras.updatedPermissions } : {}),
    };
    return { hookSpecificOutput: { hookEventName: 'PermissionRequest', decision } };
  }
  if (v.decision === 'deny') return { hookSpecificOutput: { hookEventName: 'PermissionRequest', decision: { behavior: 'deny', message: v.reason } } };
  return { systemMessage: v.reason };
}

export const claudeCodeFormat: HostFormat = {
  host: 'claude-code',
  parse,
  answer: (event, verdict, extras) => (event.mode === 'pre' ? preToolUseOutput(verdict) : permissionOutput(verdict, extras)),
  quiet: () => undefined,
  takesEditedInput: () => true,
  decisions: (mode) => (mode === 'pre' ? (['allow', 'deny', 'ask', 'defer'] as const) : (['allow', 'deny', 'ask'] as const)),
};

/**
 * Claude Code's tools as steps, without the developer's disk (the HTTP endpoint's view;
 * the CLI adds byte-exact diffs for Edit / MultiEdit / Write from the file on disk):
 *   Bash, PowerShell -> run_command {command, cwd}
 *   Read -> read {paths};  Grep, Glob -> read {query, paths?};  WebSearch -> read {query}
 *   WebFetch -> network {GET, url}
 *   Write -> edit_file {path, content}
 *   anything else (Edit and MultiEdit without the file, MCP tools, Agent, ...) -> custom {tool, input}
 */
export function claudeCodeStep(call: ToolCall): StepDraft {
  return finish(call, pureClaudeStep(call), 'claude-code');
}

function pureClaudeStep(call: ToolCall): StepDraft | undefined {
  const i = call.input;
  switch (call.tool) {
    case 'Bash':
    case 'PowerShell': {
      const command = str(i.command);
      return command ? commandStep(call, command, str(i.description)) : undefined;
    }
    case 'Read': {
      const p = str(i.file_path);
      if (!p) return undefined;
      const path = displayPath(p, call.cwd);
      return step(call, 'read', `Read ${path}`, { tool: call.tool, paths: [path] });
    }
    case 'Grep':
    case 'Glob': {
      const pattern = typeof i.pattern === 'string' ? i.pattern : undefined;
      if (pattern === undefined) return undefined;
      const p = str(i.path);
      const paths = p ? [displayPath(p, call.cwd)] : undefined;
      return step(call, 'read', `${call.tool} ${pattern}${paths ? ` in ${paths[0]}` : ''}`, { tool: call.tool, query: pattern, ...(paths ? { paths } : {}) });
    }
    case 'WebSearch': {
      const q = str(i.query);
      return q ? step(call, 'read', `Search the web for ${q}`, { tool: call.tool, query: q }) : undefined;
    }
    case 'WebFetch': {
      const url = str(i.url);
      return url ? step(call, 'network', `Fetch ${url}`, { method: 'GET', url }, str(i.prompt)) : undefined;
    }
    case 'Write': {
      const p = str(i.file_path);
      if (!p || typeof i.content !== 'string') return undefined;
      const path = displayPath(p, call.cwd);
      return step(call, 'edit_file', clip(`Write ${path}`), { path, content: i.content });
    }
    default:
      return call.tool === 'Edit' || call.tool === 'MultiEdit'
        ? custom(call, 'The HTTP hook cannot read the file, so this edit is shown as Claude Code sent it (the command hook shows a diff).')
        : undefined;
  }
}

export type { HookEvent };

/** A remembered grant's matcher (SESSIONS-API.md's GrantMatcher), as far as a host can hold it. */
export type GrantLike =
  | { kind: 'command'; argvPrefix: string[]; cwd?: string | undefined }
  | { kind: 'command'; exact: string; cwd?: string | undefined }
  | { kind: 'path'; stepKind: string; glob: string }
  | { kind: 'tool'; tool: string };

/** A word Claude Code's `Bash(prefix:*)` rule reads as the same word: no quoting, spaces or shell syntax. */
const plainWord = (w: string): boolean => /^[A-Za-z0-9_./=@%+,-]+$/.test(w);

/**
 * A `task` grant as Claude Code `updatedPermissions` for this session (permission update
 * entries, destination `session`: in memory, gone when the session ends), so Claude Code
 * stops asking for what the reviewer already allowed for the session:
 *   command exact      -> addRules allow Bash(<command>)
 *   command argvPrefix -> addRules allow Bash(<argv joined>:*)   (only plain words: a rule
 *                         is a string prefix, Greenlight's matcher is on parsed argv)
 *   path (edit_file)   -> addRules allow Edit(<glob>);  path (read) -> Read(<glob>)
 *   tool               -> addRules allow <tool>
 * Anything Claude Code cannot hold the same way (a delete, argv with quoting, a command
 * bound to a directory: Claude Code's Bash rule would allow it in every directory the
 * session's shell moves to) gives []; Greenlight's own grant still approves those calls
 * when they reach it.
 */
export function grantPermissions(grant: GrantLike): unknown[] {
  const rule = (toolName: string, ruleContent?: string) => [
    { type: 'addRules', rules: [{ toolName, ...(ruleContent !== undefined ? { ruleContent } : {}) }], behavior: 'allow', destination: 'session' },
  ];
  switch (grant.kind) {
    case 'command':
      if (grant.cwd !== undefined) return [];
      if ('exact' in grant) return grant.exact.includes(')') ? [] : rule('Bash', grant.exact);
      return grant.argvPrefix.length > 0 && grant.argvPrefix.every(plainWord) ? rule('Bash', `${grant.argvPrefix.join(' ')}:*`) : [];
    case 'path':
      if (grant.glob.includes(')')) return [];
      if (grant.stepKind === 'edit_file') return rule('Edit', grant.glob);
      if (grant.stepKind === 'read') return rule('Read', grant.glob);
      return [];
    case 'tool':
      return /^[A-Za-z0-9_-]+$/.test(grant.tool) ? rule(grant.tool) : [];
  }
}
