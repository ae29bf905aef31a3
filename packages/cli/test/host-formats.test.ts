/**
 * The hosts' hook formats (core/hooks): each recorded payload (packages/cli/test/fixtures,
 * written from the hosts' documentation) reads as the right event, each tool maps to
 * its kind, and each verdict is written in the host's exact answer shape, including what
 * a host cannot take (Codex: no bare allow, no ask, no edited input; Cursor: edited input
 * only on preToolUse).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Step, StepDecision, StepStatus } from '@greenlight/core';
import { claudeCodeFormat, claudeCodeStep, codexFormat, codexStep, cursorFormat, cursorStep, grantPermissions, verdictFor, type HookEvent, type Verdict } from '@greenlight/core/hooks';

const fixture = (host: string, name: string): Record<string, unknown>[] =>
  (JSON.parse(readFileSync(new URL(`./fixtures/${host}/${name}.json`, import.meta.url), 'utf8')) as { events: Record<string, unknown>[] }).events;

const parsed = (format: typeof claudeCodeFormat, payload: unknown): HookEvent => {
  const r = format.parse(payload);
  if (!r.ok) throw new Error(r.error);
  return r.event;
};
const decideOf = (e: HookEvent) => {
  if (e.type !== 'decide') throw new Error(`not a decide event: ${e.type}`);
  return e;
};

function step(status: StepStatus, decision?: StepDecision, over: Partial<Step> = {}): Step {
  return {
    id: 's1',
    taskId: 't1',
    key: 'k',
    index: 0,
    kind: 'run_command',
    title: 'Run ls',
    params: { command: 'ls', cwd: '/project' },
    paramsHash: 'a'.repeat(64),
    revision: 1,
    dependsOn: [],
    status,
    idempotent: false,
    policy: { action: 'ask', requiredApprovals: 1, defaultOnTimeout: 'reject', risk: { level: 'low', reason: 'reads the directory', source: 'default' } },
    approvals: [],
    attempt: 0,
    history: [],
    updatedAt: 0,
    ...(decision ? { decision } : {}),
    ...over,
  };
}
const allow: Verdict = { decision: 'allow', reason: 'Greenlight: approved by ana' };
const deny: Verdict = { decision: 'deny', reason: 'Greenlight: rejected by ana: no' };
const ask: Verdict = { decision: 'ask', reason: 'Greenlight could not decide (x); asking you instead' };

describe('Claude Code', () => {
  const events = fixture('claude-code', 'session').map((p) => parsed(claudeCodeFormat, p));

  it('reads every event of a recorded session by hook_event_name', () => {
    expect(events.map((e) => e.type)).toEqual(['start', 'decide', 'result', 'decide', 'result', 'decide', 'result', 'decide', 'result', 'decide', 'result', 'end']);
    const bashFailure = events[4]!;
    expect(bashFailure).toMatchObject({ type: 'result', ok: false, error: expect.stringContaining('Exit code 1'), call: { toolUseId: 'toolu_01S2bash' } });
    expect(events[11]).toMatchObject({ type: 'end', optional: false, session: 'claude-code:9b1de3a0-7c2f-4d6b-8f41-5e0a2c7b9d13' });
    expect(parsed(claudeCodeFormat, { session_id: 's', hook_event_name: 'Stop' })).toMatchObject({ type: 'end', optional: true });
    expect(parsed(claudeCodeFormat, { session_id: 's', hook_event_name: 'Notification' })).toEqual({ type: 'ignored', event: 'Notification' });
    expect(claudeCodeFormat.parse({ hook_event_name: 'PreToolUse' }).ok).toBe(false);
  });

  it('answers PreToolUse with permissionDecision allow | deny | ask | defer', () => {
    const pre = decideOf(events[1]!);
    expect(claudeCodeFormat.answer(pre, allow)).toEqual({ hookSpecificOutput: { hookEventName: 'PreToolUse', permissionDecision: 'allow', permissionDecisionReason: allow.reason } });
    expect(claudeCodeFormat.answer(pre, { decision: 'defer', reason: 'later' })).toMatchObject({ hookSpecificOutput: { permissionDecision: 'defer' } });
    expect(claudeCodeFormat.answer(pre, { ...allow, updatedInput: { command: 'ls -la' } })).toMatchObject({ hookSpecificOutput: { updatedInput: { command: 'ls -la' } } });
    expect(claudeCodeFormat.quiet(events[2]!)).toBeUndefined();
  });

  it('answers PermissionRequest with decision {behavior}, updatedPermissions on allow, and no decision for ask', () => {
    const [request] = fixture('claude-code', 'permission-request').map((p) => parsed(claudeCodeFormat, p));
    const pr = decideOf(request!);
    expect(pr.mode).toBe('permission');
    expect(pr.call.toolUseId).toBeUndefined();
    const perms = grantPermissions({ kind: 'command', argvPrefix: ['npm', 'run', 'lint'] });
    expect(claudeCodeFormat.answer(pr, allow, { updatedPermissions: perms })).toEqual({
      hookSpecificOutput: {
        hookEventName: 'PermissionRequest',
        decision: { behavior: 'allow', updatedPermissions: [{ type: 'addRules', rules: [{ toolName: 'Bash', ruleContent: 'npm run lint:*' }], behavior: 'allow', destination: 'session' }] },
      },
    });
    expect(claudeCodeFormat.answer(pr, deny)).toEqual({ hookSpecificOutput: { hookEventName: 'PermissionRequest', decision: { behavior: 'deny', message: deny.reason } } });
    expect(claudeCodeFormat.answer(pr, ask)).toEqual({ systemMessage: ask.reason });
  });

  it('maps grants to permission rules only where Claude Code holds them the same way', () => {
    expect(grantPermissions({ kind: 'command', exact: 'git status' })).toMatchObject([{ rules: [{ toolName: 'Bash', ruleContent: 'git status' }], destination: 'session' }]);
    expect(grantPermissions({ kind: 'command', argvPrefix: ['echo', 'a b'] })).toEqual([]);
    // A command bound to a directory: Claude Code's Bash rule has none, it would allow the command everywhere.
    expect(grantPermissions({ kind: 'command', exact: 'git status', cwd: '/repo' })).toEqual([]);
    expect(grantPermissions({ kind: 'command', argvPrefix: ['npm', 'run'], cwd: '/repo' })).toEqual([]);
    expect(grantPermissions({ kind: 'path', stepKind: 'edit_file', glob: 'src/**' })).toMatchObject([{ rules: [{ toolName: 'Edit', ruleContent: 'src/**' }] }]);
    expect(grantPermissions({ kind: 'path', stepKind: 'delete_file', glob: 'src/**' })).toEqual([]);
    expect(grantPermissions({ kind: 'tool', tool: 'mcp__github__create_issue' })).toMatchObject([{ rules: [{ toolName: 'mcp__github__create_issue' }] }]);
  });

  it('maps its tools to kinds (the table without the disk)', () => {
    const kinds = events.filter((e) => e.type === 'decide').map((e) => claudeCodeStep(decideOf(e).call));
    expect(kinds.map((s) => [s.kind, s.key])).toEqual([
      ['read', 'toolu_01S1read'],
      ['run_command', 'toolu_01S2bash'],
      ['custom', 'toolu_01S3edit'],
      ['edit_file', 'toolu_01S4write'],
      ['run_command', 'toolu_01S5git'],
    ]);
    expect(kinds[0]!.params).toEqual({ tool: 'Read', paths: ['src/greet.ts'] });
    expect(kinds[3]!.params).toEqual({ path: 'src/farewell.ts', content: 'export const farewell = (name: string) => `Bye, ${name}`;\n' });
  });
});

describe('Codex', () => {
  const events = fixture('codex', 'session').map((p) => parsed(codexFormat, p));

  it('reads PreToolUse, PostToolUse, PermissionRequest and Stop', () => {
    expect(events.map((e) => [e.type, 'mode' in e ? e.mode : undefined])).toEqual([
      ['decide', 'pre'],
      ['result', undefined],
      ['decide', 'pre'],
      ['decide', 'permission'],
      ['end', undefined],
    ]);
    expect(events[1]).toMatchObject({ ok: true, output: expect.stringContaining('4 passed') });
  });

  it('never sends a bare allow or an ask to PreToolUse (Codex runs the tool on both): allow is silence, ask is a deny', () => {
    const pre = decideOf(events[0]!);
    expect(codexFormat.answer(pre, allow)).toBeUndefined();
    expect(codexFormat.answer(pre, deny)).toEqual({ hookSpecificOutput: { hookEventName: 'PreToolUse', permissionDecision: 'deny', permissionDecisionReason: deny.reason } });
    expect(codexFormat.answer(pre, ask)).toMatchObject({ hookSpecificOutput: { permissionDecision: 'deny', permissionDecisionReason: expect.stringContaining('cannot ask') } });
  });

  it("turns a reviewer's modify into a deny carrying the reviewer's version (no updatedInput)", () => {
    const pre = decideOf(events[0]!);
    const modified = verdictFor(step('approved', { decision: 'modify', by: ['ana'], at: 1 }, { params: { command: 'cargo test --quiet --locked' } }), pre.call);
    expect(modified.updatedInput).toEqual({ command: 'cargo test --quiet --locked' });
    expect(codexFormat.takesEditedInput(pre)).toBe(false);
    const out = codexFormat.answer(pre, modified) as { hookSpecificOutput: Record<string, unknown> };
    expect(out.hookSpecificOutput).toEqual({ hookEventName: 'PreToolUse', permissionDecision: 'deny', permissionDecisionReason: expect.stringContaining('cargo test --quiet --locked') });
  });

  it('answers PermissionRequest with decision {behavior} only; ask leaves Codex its own prompt', () => {
    const pr = decideOf(events[3]!);
    expect(codexFormat.answer(pr, allow)).toEqual({ hookSpecificOutput: { hookEventName: 'PermissionRequest', decision: { behavior: 'allow' } } });
    expect(codexFormat.answer(pr, deny)).toEqual({ hookSpecificOutput: { hookEventName: 'PermissionRequest', decision: { behavior: 'deny', message: deny.reason } } });
    expect(codexFormat.answer(pr, ask)).toBeUndefined();
    expect(codexFormat.quiet(events[4]!)).toEqual({});
  });

  it('maps Bash, apply_patch and MCP tools to kinds', () => {
    expect(codexStep(decideOf(events[0]!).call)).toMatchObject({ kind: 'run_command', key: 'call_X1cargo', params: { command: 'cargo test --quiet', cwd: '/project' } });
    expect(codexStep(decideOf(events[2]!).call)).toMatchObject({ kind: 'edit_file', params: { path: 'src/notes.md', content: '# Notes\n- ship it\n' } });
    const multi = codexStep({ tool: 'apply_patch', input: { command: '*** Begin Patch\n*** Update File: a.ts\n@@\n-x\n+y\n*** Update File: b.ts\n@@\n-x\n+y\n*** End Patch' }, cwd: '/project' });
    expect(multi).toMatchObject({ kind: 'custom', title: 'Apply a patch to a.ts, b.ts' });
    expect(codexStep({ tool: 'mcp__github__create_issue', input: { title: 't' } })).toMatchObject({ kind: 'custom', params: { tool: 'mcp__github__create_issue' } });
  });
});

describe('Cursor', () => {
  const events = fixture('cursor', 'session').map((p) => parsed(cursorFormat, p));

  it('reads beforeShellExecution, preToolUse, postToolUse, afterFileEdit, beforeMCPExecution and stop', () => {
    expect(events.map((e) => e.type)).toEqual(['decide', 'decide', 'result', 'edited', 'decide', 'end']);
    expect(events[4]).toMatchObject({ call: { tool: 'create_issue', input: { title: 'Banner', body: 'added' } } });
    expect(events[5]).toMatchObject({ optional: true, session: 'cursor:c0ffee00-1111-4a2b-8c3d-4e5f6a7b8c9d' });
  });

  it('answers {permission, user_message, agent_message}, and {} to everything else', () => {
    const shell = decideOf(events[0]!);
    expect(cursorFormat.answer(shell, allow)).toEqual({ permission: 'allow', user_message: allow.reason, agent_message: allow.reason });
    expect(cursorFormat.answer(shell, deny)).toMatchObject({ permission: 'deny' });
    expect(cursorFormat.answer(shell, ask)).toMatchObject({ permission: 'ask' });
    expect(cursorFormat.quiet(events[2]!)).toEqual({});
  });

  it("runs an edited input only on preToolUse (updated_input); elsewhere the modify is a deny with the reviewer's version", () => {
    const shell = decideOf(events[0]!);
    const modified = verdictFor(step('approved', { decision: 'modify', by: ['ana'], at: 1 }, { params: { command: 'npm run build -- --dry' } }), shell.call);
    expect(cursorFormat.answer(shell, modified)).toMatchObject({ permission: 'deny', agent_message: expect.stringContaining('npm run build -- --dry') });
    const write = decideOf(events[1]!);
    const custom = verdictFor(step('approved', { decision: 'modify', by: ['ana'], at: 1 }, { kind: 'custom', params: { tool: 'Write', input: { file_path: 'x', contents: 'y' } } }), write.call);
    expect(cursorFormat.answer(write, custom)).toMatchObject({ permission: 'allow', updated_input: { file_path: 'x', contents: 'y' } });
  });

  it('maps its tools to kinds', () => {
    expect(cursorStep(decideOf(events[0]!).call)).toMatchObject({ kind: 'run_command', params: { command: 'npm run build', cwd: '/project' } });
    expect(cursorStep(decideOf(events[1]!).call)).toMatchObject({ kind: 'edit_file', key: 'tool_c1write', params: { path: 'src/banner.ts', content: "export const banner = 'hi';\n" } });
    expect(cursorStep({ tool: 'Delete', input: { path: '/project/old.ts' }, cwd: '/project' })).toMatchObject({ kind: 'delete_file', params: { path: 'old.ts' } });
    expect(cursorStep(decideOf(events[4]!).call)).toMatchObject({ kind: 'custom', params: { tool: 'create_issue' } });
  });
});
