/**
 * `greenlight hook claude-code` as Claude Code runs it: recorded payloads (fixtures/
 * claude-code, from the hooks reference) through the real CLI process against a real
 * server. A session is one task that grows; each tool's real result lands on its step,
 * whatever order the hooks' processes end in; repeats are harmless; headless runs defer
 * and find their decision on --resume; PermissionRequest mode answers `decision`.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalForKey, approvedAfterGivingUp, hook, printed, recorded, startHook, type Payload } from './hosts-helpers.ts';
import { startWorkspace, waitForApproval, type Workspace } from './workspace.ts';

let ws: Workspace;

beforeAll(async () => {
  ws = await startWorkspace('hosts-claude');
  writeFileSync(join(ws.project, 'src', 'greet.ts'), 'export function greet(name: string) {\n  return `Hello, ${name}`;\n}\n');
});
afterAll(async () => {
  await ws?.stop();
});

/** The session's events with a fresh session id (each test its own session). */
function session(name: string, id: string): Payload[] {
  return recorded('claude-code', name, ws.project).map((p) => ({ ...p, session_id: id }));
}
const decisionOf = (out: Record<string, unknown> | undefined) => (out as { hookSpecificOutput: { permissionDecision: string; permissionDecisionReason: string } }).hookSpecificOutput;

/** Run one PreToolUse, approving it when it asks; the hook's answer. */
async function preApproved(p: Payload): Promise<Record<string, unknown> | undefined> {
  const running = startHook(ws, 'claude-code', p);
  const kind = p.tool_name === 'Read' ? 'read' : 'other';
  if (kind !== 'read') {
    const approval = await approvalForKey(ws.reviewer, String(p.tool_use_id));
    await ws.reviewer.approvals.decide.mutate({ approvalId: approval.approvalId, decision: 'approve', paramsHash: approval.paramsHash });
  }
  return printed(await running.result);
}

describe('a Claude Code session', () => {
  it("of five tool calls is one task, each step with the tool's real result (a failure as failed), closed at SessionEnd", async () => {
    const events = session('session', 'sess-five');
    const answers: string[] = [];
    for (const p of events) {
      if (p.hook_event_name === 'PreToolUse') answers.push(decisionOf(await preApproved(p)).permissionDecision);
      else expect(printed(await hook(ws, 'claude-code', p))).toBeUndefined();
    }
    expect(answers).toEqual(['allow', 'allow', 'allow', 'allow', 'allow']);
    const ids = ['toolu_01S1read', 'toolu_01S2bash', 'toolu_01S3edit', 'toolu_01S4write', 'toolu_01S5git'];
    const { items } = await ws.reviewer.tasks.list.query({ limit: 50 });
    const tasks = await Promise.all(items.map((t) => ws.reviewer.tasks.get.query({ taskId: t.id })));
    const mine = tasks.filter((t) => t.steps.some((s) => ids.includes(s.key)));
    expect(mine).toHaveLength(1);
    const task = mine[0]!;
    expect(task.steps.map((s) => [s.key, s.kind, s.status])).toEqual([
      ['toolu_01S1read', 'read', 'completed'],
      ['toolu_01S2bash', 'run_command', 'failed'],
      ['toolu_01S3edit', 'edit_file', 'completed'],
      ['toolu_01S4write', 'edit_file', 'completed'],
      ['toolu_01S5git', 'run_command', 'completed'],
    ]);
    const posts = events.filter((p) => p.hook_event_name === 'PostToolUse');
    for (const post of posts) {
      const s = task.steps.find((x) => x.key === post.tool_use_id)!;
      expect(s.result?.output).toEqual({ result: post.tool_response, durationMs: post.duration_ms });
    }
    expect(task.steps[1]!.result?.error?.message).toContain('Exit code 1');
    expect(task.status).toBe('completed_with_errors');
  });

  it('opens one task for concurrent first calls of a new session', async () => {
    const base = session('session', 'sess-concurrent')[1]!;
    const reads = ['a', 'b', 'c', 'd'].map((x) => ({ ...base, tool_use_id: `toolu_cc_${x}`, tool_input: { file_path: join(ws.project, 'src', `${x}.ts`) } }));
    const runs = await Promise.all(reads.map((p) => hook(ws, 'claude-code', p)));
    expect(runs.map((r) => decisionOf(printed(r)).permissionDecision)).toEqual(['allow', 'allow', 'allow', 'allow']);
    const { items } = await ws.reviewer.tasks.list.query({ limit: 100 });
    const tasks = await Promise.all(items.map((t) => ws.reviewer.tasks.get.query({ taskId: t.id })));
    const mine = tasks.filter((t) => t.steps.some((s) => s.key.startsWith('toolu_cc_')));
    expect(mine).toHaveLength(1);
    expect(mine[0]!.steps.map((s) => s.key).sort()).toEqual(['toolu_cc_a', 'toolu_cc_b', 'toolu_cc_c', 'toolu_cc_d']);
  });

  it('takes a PostToolUse that starts before its PreToolUse hook has answered: the result waits for the lease', async () => {
    const [, , , pre, failure] = session('session', 'sess-race');
    const post: Payload = { ...failure!, hook_event_name: 'PostToolUse', tool_response: { stdout: 'ok\n', stderr: '', interrupted: false, isImage: false } };
    delete post.error;
    const running = startHook(ws, 'claude-code', pre!);
    const approval = await approvalForKey(ws.reviewer, String(pre!.tool_use_id));
    // The result's process starts now, racing the PreToolUse hook's claim and answer.
    const posting = startHook(ws, 'claude-code', post);
    await ws.reviewer.approvals.decide.mutate({ approvalId: approval.approvalId, decision: 'approve', paramsHash: approval.paramsHash });
    expect(decisionOf(printed(await running.result)).permissionDecision).toBe('allow');
    expect(printed(await posting.result)).toBeUndefined();
    const step = await ws.reviewer.steps.get.query({ stepId: approval.stepId });
    expect(step.status).toBe('completed');
    expect(step.result?.output).toMatchObject({ result: { stdout: 'ok\n' } });
  });

  it('is unharmed by duplicated hooks: the same PreToolUse twice is one step and the same allow; the same PostToolUse twice reports once', async () => {
    const [, , , pre, failure] = session('session', 'sess-dup');
    const twice = [startHook(ws, 'claude-code', pre!), startHook(ws, 'claude-code', pre!)];
    const approval = await approvalForKey(ws.reviewer, String(pre!.tool_use_id));
    await ws.reviewer.approvals.decide.mutate({ approvalId: approval.approvalId, decision: 'approve', paramsHash: approval.paramsHash });
    const answers = await Promise.all(twice.map(async (r) => decisionOf(printed(await r.result))));
    expect(answers.map((a) => a.permissionDecision)).toEqual(['allow', 'allow']);
    const task = await ws.reviewer.tasks.get.query({ taskId: approval.taskId });
    expect(task.steps.filter((s) => s.key === pre!.tool_use_id)).toHaveLength(1);
    const results = await Promise.all([hook(ws, 'claude-code', failure!), hook(ws, 'claude-code', failure!)]);
    expect(results.map((r) => r.code)).toEqual([0, 0]);
    const step = await ws.reviewer.steps.get.query({ stepId: approval.stepId });
    expect(step.status).toBe('failed');
    expect(step.result?.error?.message).toContain('Exit code 1');
  });
});

describe('headless Claude Code (claude -p) with --defer', () => {
  it('answers defer while a reviewer has not decided, and on --resume finds the decision by tool_use_id and answers it', async () => {
    const [, , , pre] = session('session', 'sess-defer');
    const first = printed(await hook(ws, 'claude-code', pre!, { flags: ['--defer'] }));
    expect(decisionOf(first).permissionDecision).toBe('defer');
    const approval = await approvalForKey(ws.reviewer, String(pre!.tool_use_id));
    // Still undecided on a resume: defer again, same step.
    expect(decisionOf(printed(await hook(ws, 'claude-code', pre!, { flags: ['--defer'] }))).permissionDecision).toBe('defer');
    await ws.reviewer.approvals.decide.mutate({ approvalId: approval.approvalId, decision: 'approve', paramsHash: approval.paramsHash });
    const resumed = decisionOf(printed(await hook(ws, 'claude-code', pre!, { flags: ['--defer'] })));
    expect(resumed).toMatchObject({ permissionDecision: 'allow', permissionDecisionReason: 'Greenlight: approved by ana' });
    expect((await ws.reviewer.steps.get.query({ stepId: approval.stepId })).status).toBe('executing');
  });

  it('answers a rejection found on resume as deny', async () => {
    const [, , , pre] = session('session', 'sess-defer-no');
    expect(decisionOf(printed(await hook(ws, 'claude-code', pre!, { flags: ['--defer'] }))).permissionDecision).toBe('defer');
    const approval = await approvalForKey(ws.reviewer, String(pre!.tool_use_id));
    await ws.reviewer.approvals.decide.mutate({ approvalId: approval.approvalId, decision: 'reject', paramsHash: approval.paramsHash, feedback: 'not in CI' });
    expect(decisionOf(printed(await hook(ws, 'claude-code', pre!, { flags: ['--defer'] })))).toMatchObject({
      permissionDecision: 'deny',
      permissionDecisionReason: 'Greenlight: rejected by ana: not in CI',
    });
  });
});

describe('PermissionRequest mode', () => {
  it('answers decision {behavior: allow} when approved and {behavior: deny, message} when rejected; the PostToolUse (with its tool_use_id) finds the step by the call', async () => {
    const [request, post] = recorded('claude-code', 'permission-request', ws.project);
    const running = startHook(ws, 'claude-code', request!);
    const approval =
      (await ws.reviewer.approvals.list.query({ limit: 200 })).items.find((a) => a.params.command === 'npm run lint') ??
      (await waitFor(() => ws.reviewer.approvals.list.query({ limit: 200 }).then((r) => r.items.find((a) => a.params.command === 'npm run lint'))));
    await ws.reviewer.approvals.decide.mutate({ approvalId: approval.approvalId, decision: 'approve', paramsHash: approval.paramsHash });
    expect(printed(await running.result)).toEqual({ hookSpecificOutput: { hookEventName: 'PermissionRequest', decision: { behavior: 'allow' } } });
    expect(printed(await hook(ws, 'claude-code', post!))).toBeUndefined();
    expect((await ws.reviewer.steps.get.query({ stepId: approval.stepId })).result?.output).toMatchObject({ result: { stdout: '0 problems\n' } });

    const again = { ...request!, session_id: 'perm-2', tool_input: { command: 'npm run lint -- --fix' } };
    const denied = startHook(ws, 'claude-code', again);
    const second = await waitFor(() => ws.reviewer.approvals.list.query({ limit: 200 }).then((r) => r.items.find((a) => a.params.command === 'npm run lint -- --fix')));
    await ws.reviewer.approvals.decide.mutate({ approvalId: second.approvalId, decision: 'reject', paramsHash: second.paramsHash, feedback: 'no autofix' });
    expect(printed(await denied.result)).toEqual({ hookSpecificOutput: { hookEventName: 'PermissionRequest', decision: { behavior: 'deny', message: 'Greenlight: rejected by ana: no autofix' } } });
  });
});

describe('calls without an id', () => {
  it('the same command asked again later in the session (PermissionRequest has no tool_use_id) is a new step that asks, not the old one', async () => {
    const [request] = recorded('claude-code', 'permission-request', ws.project);
    const payload = { ...request!, session_id: 'perm-repeat', tool_input: { command: 'npm run lint:again' } };
    const keys: string[] = [];
    for (const round of [1, 2]) {
      const running = startHook(ws, 'claude-code', payload);
      const approval = await waitFor(() => ws.reviewer.approvals.list.query({ limit: 200 }).then((r) => r.items.find((a) => a.params.command === 'npm run lint:again' && !keys.includes(a.stepKey))));
      keys.push(approval.stepKey);
      await ws.reviewer.approvals.decide.mutate({ approvalId: approval.approvalId, decision: 'approve', paramsHash: approval.paramsHash });
      expect(printed(await running.result), `round ${round}`).toMatchObject({ hookSpecificOutput: { decision: { behavior: 'allow' } } });
      const post = { ...payload, hook_event_name: 'PostToolUse', tool_use_id: `toolu_again_${round}`, tool_response: { stdout: `round ${round}\n` } };
      expect(printed(await hook(ws, 'claude-code', post))).toBeUndefined();
      expect((await ws.reviewer.steps.get.query({ stepId: approval.stepId })).result?.output).toEqual({ result: { stdout: `round ${round}\n` } });
    }
    expect(keys[1]).toBe(`${keys[0]}.2`);
  });
});

describe('an approval is bound to the exact call (PermissionRequest: no tool_use_id, the key is turn + command)', () => {
  const allowed = { hookSpecificOutput: { hookEventName: 'PermissionRequest', decision: { behavior: 'allow' } } };
  const quick = { flags: ['--timeout', '1'] };

  it('the same command with another cwd gets its own approval, never the approved step; the approved call asked again is still allowed', async () => {
    const [request] = recorded('claude-code', 'permission-request', ws.project);
    const here = { ...request!, session_id: 'perm-bound-cwd', tool_input: { command: 'npm run deploy' } };
    const first = await approvedAfterGivingUp(ws, 'claude-code', here, (a) => a.params.command === 'npm run deploy' && a.params.cwd === ws.project, 'the first call');
    const elsewhere = { ...here, cwd: join(ws.project, 'src') };
    expect(printed(await hook(ws, 'claude-code', elsewhere, quick))).not.toEqual(allowed);
    const own = await waitForApproval(ws.reviewer, (a) => a.params.command === 'npm run deploy' && a.params.cwd === join(ws.project, 'src'), 'the call in src');
    expect(own.stepKey).toBe(`${first.stepKey}.2`);
    expect((await ws.reviewer.steps.get.query({ stepId: first.stepId })).status).toBe('approved');
    expect(printed(await hook(ws, 'claude-code', here))).toEqual(allowed);
  });

  it('an MCP tool with the same command but another host argument gets its own approval', async () => {
    const [request] = recorded('claude-code', 'permission-request', ws.project);
    const staging = { ...request!, session_id: 'perm-bound-mcp', tool_name: 'mcp__ssh__exec', tool_input: { host: 'staging', command: 'systemctl restart api' } };
    const isCall = (host: string) => (a: { params: Record<string, unknown> }) =>
      a.params.tool === 'mcp__ssh__exec' && JSON.stringify(a.params.input) === JSON.stringify({ host, command: 'systemctl restart api' });
    const first = await approvedAfterGivingUp(ws, 'claude-code', staging, isCall('staging'), 'the staging call');
    const prod = { ...staging, tool_input: { host: 'prod', command: 'systemctl restart api' } };
    expect(printed(await hook(ws, 'claude-code', prod, quick))).not.toEqual(allowed);
    const own = await waitForApproval(ws.reviewer, isCall('prod'), 'the prod call');
    expect(own.stepId).not.toBe(first.stepId);
    expect((await ws.reviewer.steps.get.query({ stepId: first.stepId })).status).toBe('approved');
  });

  it('a Write of other content to the same file gets its own approval', async () => {
    const [request] = recorded('claude-code', 'permission-request', ws.project);
    const file = join(ws.project, 'src', 'bound.ts');
    const write = (content: string) => ({ ...request!, session_id: 'perm-bound-write', tool_name: 'Write', tool_input: { file_path: file, content } });
    // A new file's Write is shown as content or as a diff adding it: either carries the line.
    const isWrite = (content: string) => (a: { params: Record<string, unknown> }) => a.params.path === 'src/bound.ts' && JSON.stringify(a.params).includes(content.trim());
    const first = await approvedAfterGivingUp(ws, 'claude-code', write('export const ok = 1;\n'), isWrite('export const ok = 1;\n'), 'the first write');
    expect(printed(await hook(ws, 'claude-code', write('export const evil = 1;\n'), quick))).not.toEqual(allowed);
    const own = await waitForApproval(ws.reviewer, isWrite('export const evil = 1;\n'), 'the other write');
    expect(own.stepId).not.toBe(first.stepId);
  });
});

async function waitFor<T>(probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const v = await probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('timed out');
}
