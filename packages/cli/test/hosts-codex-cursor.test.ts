/**
 * `greenlight hook codex` and `greenlight hook cursor` with recorded payloads (fixtures/
 * codex and fixtures/cursor, from each host's documentation) through the real CLI against
 * a real server: each answer in the host's exact shape, each tool's result on its step.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalForKey, approvedAfterGivingUp, hook, printed, recorded, startHook, type Payload } from './hosts-helpers.ts';
import { startWorkspace, waitForApproval, type Workspace } from './workspace.ts';

let ws: Workspace;

beforeAll(async () => {
  ws = await startWorkspace('hosts-cc');
  writeFileSync(join(ws.project, 'src', 'banner.ts'), "export const banner = 'hello';\n");
});
afterAll(async () => {
  await ws?.stop();
});

const codex = (id: string): Payload[] => recorded('codex', 'session', ws.project).map((p) => ({ ...p, session_id: id }));
const cursor = (id: string): Payload[] => recorded('cursor', 'session', ws.project).map((p) => ({ ...p, conversation_id: id }));

describe('greenlight hook codex', () => {
  it('PreToolUse: an approved Bash call is silence (Codex rejects a bare allow), and PostToolUse puts its output on the step', async () => {
    const [pre, post] = codex('codex-1');
    const running = startHook(ws, 'codex', pre!);
    const approval = await approvalForKey(ws.reviewer, 'call_X1cargo');
    expect(approval.params).toEqual({ command: 'cargo test --quiet', cwd: ws.project });
    await ws.reviewer.approvals.decide.mutate({ approvalId: approval.approvalId, decision: 'approve', paramsHash: approval.paramsHash });
    const run = await running.result;
    expect({ code: run.code, stdout: run.stdout }).toEqual({ code: 0, stdout: '' });
    expect(printed(await hook(ws, 'codex', post!))).toBeUndefined();
    const step = await ws.reviewer.steps.get.query({ stepId: approval.stepId });
    expect(step.status).toBe('completed');
    expect(step.result?.output).toEqual({ result: 'running 4 tests\n....\ntest result: ok. 4 passed; 0 failed\n' });
  });

  it("PreToolUse: a rejection is permissionDecision deny with the feedback; a reviewer's modify is a deny carrying the reviewer's command", async () => {
    const [pre] = codex('codex-2');
    const rejected = startHook(ws, 'codex', pre!);
    const a1 = await approvalForKey(ws.reviewer, 'call_X1cargo');
    await ws.reviewer.approvals.decide.mutate({ approvalId: a1.approvalId, decision: 'reject', paramsHash: a1.paramsHash, feedback: 'run the whole suite' });
    expect(printed(await rejected.result)).toEqual({
      hookSpecificOutput: { hookEventName: 'PreToolUse', permissionDecision: 'deny', permissionDecisionReason: 'Greenlight: rejected by ana: run the whole suite' },
    });

    const other = { ...pre!, session_id: 'codex-3', tool_use_id: 'call_X9mod' };
    const modified = startHook(ws, 'codex', other);
    const a2 = await approvalForKey(ws.reviewer, 'call_X9mod');
    await ws.reviewer.approvals.decide.mutate({ approvalId: a2.approvalId, decision: 'modify', paramsHash: a2.paramsHash, params: { command: 'cargo test --quiet --locked', cwd: ws.project } });
    const out = printed(await modified.result) as { hookSpecificOutput: Record<string, string> };
    expect(out.hookSpecificOutput.permissionDecision).toBe('deny');
    expect(out.hookSpecificOutput.permissionDecisionReason).toContain('cargo test --quiet --locked');
    expect(Object.keys(out.hookSpecificOutput).sort()).toEqual(['hookEventName', 'permissionDecision', 'permissionDecisionReason']);
  });

  it('PermissionRequest: decision {behavior: allow} when approved; apply_patch adding a file is an edit_file step', async () => {
    const [, , patch, request] = codex('codex-4');
    const running = startHook(ws, 'codex', request!);
    const approval = await waitForApproval(ws.reviewer, (a) => a.params.command === 'curl -sS https://example.com/health', 'codex permission');
    await ws.reviewer.approvals.decide.mutate({ approvalId: approval.approvalId, decision: 'approve', paramsHash: approval.paramsHash });
    expect(printed(await running.result)).toEqual({ hookSpecificOutput: { hookEventName: 'PermissionRequest', decision: { behavior: 'allow' } } });

    const patching = startHook(ws, 'codex', patch!);
    const edit = await approvalForKey(ws.reviewer, 'call_X2patch');
    expect({ kind: edit.kind, params: edit.params }).toEqual({ kind: 'edit_file', params: { path: 'src/notes.md', content: '# Notes\n- ship it\n' } });
    await ws.reviewer.approvals.decide.mutate({ approvalId: edit.approvalId, decision: 'reject', paramsHash: edit.paramsHash });
    expect(printed(await patching.result)).toMatchObject({ hookSpecificOutput: { permissionDecision: 'deny' } });
  });

  it('gives a deny, never an ask, when Greenlight cannot be reached (Codex would run the tool on an ask)', async () => {
    const [pre] = codex('codex-5');
    const out = printed(await hook(ws, 'codex', pre!, { env: { GREENLIGHT_URL: 'http://127.0.0.1:9' } })) as { hookSpecificOutput: Record<string, string> };
    expect(out.hookSpecificOutput.permissionDecision).toBe('deny');
    expect(out.hookSpecificOutput.permissionDecisionReason).toContain('Greenlight could not decide');
  });
});

describe('greenlight hook cursor', () => {
  it('beforeShellExecution: {permission: allow, user_message, agent_message} once approved; stop is {}', async () => {
    const [shell, , , , , stop] = cursor('cursor-1');
    const running = startHook(ws, 'cursor', shell!);
    const approval = await waitForApproval(ws.reviewer, (a) => a.params.command === 'npm run build', 'cursor shell');
    await ws.reviewer.approvals.decide.mutate({ approvalId: approval.approvalId, decision: 'approve', paramsHash: approval.paramsHash });
    expect(printed(await running.result)).toEqual({ permission: 'allow', user_message: 'Greenlight: approved by ana', agent_message: 'Greenlight: approved by ana' });
    expect(printed(await hook(ws, 'cursor', stop!))).toEqual({});
  });

  it('preToolUse Write: a diff against the file on disk; postToolUse puts the real output on the step; afterFileEdit adds nothing twice', async () => {
    const [, write, post, edited] = cursor('cursor-2');
    const running = startHook(ws, 'cursor', write!);
    const approval = await approvalForKey(ws.reviewer, 'tool_c1write');
    expect(approval.kind).toBe('edit_file');
    expect(String(approval.params.patch)).toContain("-export const banner = 'hello';");
    expect(String(approval.params.patch)).toContain("+export const banner = 'hi';");
    await ws.reviewer.approvals.decide.mutate({ approvalId: approval.approvalId, decision: 'approve', paramsHash: approval.paramsHash });
    expect(printed(await running.result)).toMatchObject({ permission: 'allow' });
    expect(printed(await hook(ws, 'cursor', post!))).toEqual({});
    expect(printed(await hook(ws, 'cursor', edited!))).toEqual({});
    const step = await ws.reviewer.steps.get.query({ stepId: approval.stepId });
    expect(step.status).toBe('completed');
    expect(step.result?.output).toEqual({ result: '{"success":true}', durationMs: 12 });
  });

  it("beforeMCPExecution: a rejection is permission deny; a reviewer's modify of a shell command is a deny carrying the reviewer's version", async () => {
    const [shell, , , , mcp] = cursor('cursor-3');
    const running = startHook(ws, 'cursor', mcp!);
    const approval = await waitForApproval(ws.reviewer, (a) => a.params.tool === 'create_issue', 'cursor mcp');
    expect(approval.params).toEqual({ tool: 'create_issue', input: { title: 'Banner', body: 'added' } });
    await ws.reviewer.approvals.decide.mutate({ approvalId: approval.approvalId, decision: 'reject', paramsHash: approval.paramsHash, feedback: 'not now' });
    expect(printed(await running.result)).toMatchObject({ permission: 'deny', agent_message: 'Greenlight: rejected by ana: not now' });

    const other = { ...shell!, conversation_id: 'cursor-4', command: 'npm run build -- --watch' };
    const modifying = startHook(ws, 'cursor', other);
    const a2 = await waitForApproval(ws.reviewer, (a) => a.params.command === 'npm run build -- --watch', 'cursor modify');
    await ws.reviewer.approvals.decide.mutate({ approvalId: a2.approvalId, decision: 'modify', paramsHash: a2.paramsHash, params: { command: 'npm run build', cwd: ws.project } });
    const out = printed(await modifying.result) as Record<string, string>;
    expect(out.permission).toBe('deny');
    expect(out.agent_message).toContain('run this command instead:\nnpm run build');
  });
});

describe('an approval is bound to the exact call (calls without an id: the key is turn + command)', () => {
  const quick = { flags: ['--timeout', '1'] };
  const allows = (out: Record<string, unknown> | undefined): boolean => JSON.stringify(out ?? {}).includes('"allow"');

  it('Codex PermissionRequest: the same command with another cwd gets its own approval, never the approved step', async () => {
    const [, , , request] = codex('codex-bound');
    const here = { ...request!, tool_input: { command: 'make release' } };
    const first = await approvedAfterGivingUp(ws, 'codex', here, (a) => a.params.command === 'make release' && a.params.cwd === ws.project, 'the first call');
    const elsewhere = { ...here, cwd: join(ws.project, 'src') };
    expect(allows(printed(await hook(ws, 'codex', elsewhere, quick)))).toBe(false);
    const own = await waitForApproval(ws.reviewer, (a) => a.params.command === 'make release' && a.params.cwd === join(ws.project, 'src'), 'the call in src');
    expect(own.stepKey).toBe(`${first.stepKey}.2`);
    expect(printed(await hook(ws, 'codex', here))).toEqual({ hookSpecificOutput: { hookEventName: 'PermissionRequest', decision: { behavior: 'allow' } } });
  });

  it('Cursor beforeShellExecution: the same command with another cwd gets its own approval, never the approved step', async () => {
    const [shell] = cursor('cursor-bound-shell');
    const here = { ...shell!, command: 'npm publish' };
    const first = await approvedAfterGivingUp(ws, 'cursor', here, (a) => a.params.command === 'npm publish' && a.params.cwd === ws.project, 'the first call');
    const elsewhere = { ...here, cwd: join(ws.project, 'src') };
    expect(allows(printed(await hook(ws, 'cursor', elsewhere, quick)))).toBe(false);
    const own = await waitForApproval(ws.reviewer, (a) => a.params.command === 'npm publish' && a.params.cwd === join(ws.project, 'src'), 'the call in src');
    expect(own.stepKey).toBe(`${first.stepKey}.2`);
    expect(printed(await hook(ws, 'cursor', here))).toMatchObject({ permission: 'allow' });
  });

  it('Cursor beforeMCPExecution: the same tool and command with another host argument gets its own approval', async () => {
    const [, , , , mcp] = cursor('cursor-bound-mcp');
    const call = (host: string) => ({ ...mcp!, tool_name: 'exec', tool_input: JSON.stringify({ host, command: 'systemctl restart api' }) });
    const isCall = (host: string) => (a: { params: Record<string, unknown> }) =>
      a.params.tool === 'exec' && JSON.stringify(a.params.input) === JSON.stringify({ host, command: 'systemctl restart api' });
    const first = await approvedAfterGivingUp(ws, 'cursor', call('staging'), isCall('staging'), 'the staging call');
    expect(allows(printed(await hook(ws, 'cursor', call('prod'), quick)))).toBe(false);
    const own = await waitForApproval(ws.reviewer, isCall('prod'), 'the prod call');
    expect(own.stepId).not.toBe(first.stepId);
    expect(printed(await hook(ws, 'cursor', call('staging')))).toMatchObject({ permission: 'allow' });
  });

  it("Cursor beforeShellExecution: the agent coming back with a reviewer's modified command is that approved step, a plain allow", async () => {
    const [shell] = cursor('cursor-bound-modify');
    const asked = { ...shell!, command: 'rm -rf build' };
    const running = startHook(ws, 'cursor', asked);
    const a = await waitForApproval(ws.reviewer, (x) => x.params.command === 'rm -rf build', 'the call to modify');
    // The reviewer keeps the command and moves it into build's parent only: same key (turn + command), other params.
    await ws.reviewer.approvals.decide.mutate({ approvalId: a.approvalId, decision: 'modify', paramsHash: a.paramsHash, params: { command: 'rm -rf build', cwd: join(ws.project, 'src') } });
    const out = printed(await running.result) as Record<string, string>;
    expect(out.permission).toBe('deny');
    expect(out.agent_message).toContain('run this command instead:\nrm -rf build');
    expect(printed(await hook(ws, 'cursor', { ...asked, cwd: join(ws.project, 'src') }))).toMatchObject({ permission: 'allow' });
    expect((await ws.reviewer.steps.get.query({ stepId: a.stepId })).status).toBe('executing');
  });
});
