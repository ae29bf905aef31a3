/**
 * "For this session" through each host's hook (recorded payload shapes, the real CLI, a
 * real server): a reviewer's `task` grant approves the next identical command of the same
 * session at once and still asks for a different one; a deny rule beats the grant; the
 * agent that created the session can never give itself a grant; in Claude Code's
 * PermissionRequest mode the grant also goes back as updatedPermissions (destination
 * session), so Claude Code stops asking for it.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, GreenlightError } from '@greenlight/sdk';
import { hook, printed, recorded, startHook, type Payload } from './hosts-helpers.ts';
import { startWorkspace, waitForApproval, type Workspace } from './workspace.ts';

let ws: Workspace;

beforeAll(async () => {
  ws = await startWorkspace('hosts-grants');
});
afterAll(async () => {
  await ws?.stop();
});

type Host = 'claude-code' | 'codex' | 'cursor';

/** A shell call in the host's own payload shape (taken from its recorded fixture), for one session and call id. */
function shellCall(host: Host, session: string, id: string, command: string): Payload {
  if (host === 'claude-code') return { ...recorded('claude-code', 'session', ws.project)[3]!, session_id: session, tool_use_id: id, tool_input: { command } };
  if (host === 'codex') return { ...recorded('codex', 'session', ws.project)[0]!, session_id: session, tool_use_id: id, tool_input: { command } };
  const base = recorded('cursor', 'session', ws.project)[1]!;
  return { ...base, conversation_id: session, tool_use_id: id, tool_name: 'Shell', tool_input: { command } };
}

/** The host's answer as allow / deny (Codex's allow is silence). */
function decisionOf(host: Host, out: Record<string, unknown> | undefined): { decision: string; reason: string } {
  if (host === 'codex') {
    if (out === undefined) return { decision: 'allow', reason: '' };
    const h = out.hookSpecificOutput as { permissionDecision: string; permissionDecisionReason: string };
    return { decision: h.permissionDecision, reason: h.permissionDecisionReason };
  }
  if (host === 'cursor') return { decision: String(out!.permission), reason: String(out!.agent_message) };
  const h = out!.hookSpecificOutput as { permissionDecision: string; permissionDecisionReason: string };
  return { decision: h.permissionDecision, reason: h.permissionDecisionReason };
}

describe.each(['claude-code', 'codex', 'cursor'] as const)('%s: approve for this session', (host) => {
  const session = `grants-${host}`;
  const cmd = `echo grant-${host}`;

  it('approves the next identical command at once and still asks for a different one; a deny rule then beats the grant', async () => {
    const first = startHook(ws, host, shellCall(host, session, `${host}_g1`, cmd));
    const approval = await waitForApproval(ws.reviewer, (a) => a.params.command === cmd, cmd);
    expect(approval.suggestedGrant).toBeDefined();
    await ws.reviewer.approvals.decide.mutate({ approvalId: approval.approvalId, decision: 'approve', paramsHash: approval.paramsHash, scope: 'task' });
    expect(decisionOf(host, printed(await first.result)).decision).toBe('allow');

    // The same command again in the session: approved by the grant, no approval opened.
    const again = decisionOf(host, printed(await hook(ws, host, shellCall(host, session, `${host}_g2`, cmd))));
    expect(again.decision).toBe('allow');
    const task = await ws.reviewer.tasks.get.query({ taskId: approval.taskId });
    const second = task.steps.find((s) => s.key === `${host}_g2`)!;
    expect(second.decision).toMatchObject({ by: [expect.stringMatching(/^grant:/)] });
    if (host !== 'codex') expect(again.reason).toContain('remembered grant');

    // A different command still asks.
    const other = startHook(ws, host, shellCall(host, session, `${host}_g3`, `rm -rf build-${host}`));
    const asked = await waitForApproval(ws.reviewer, (a) => a.params.command === `rm -rf build-${host}`, 'the different command');
    expect(asked.taskId).toBe(approval.taskId);
    await ws.reviewer.approvals.decide.mutate({ approvalId: asked.approvalId, decision: 'reject', paramsHash: asked.paramsHash });
    expect(decisionOf(host, printed(await other.result)).decision).toBe('deny');

    // The same command in another directory still asks: the grant is bound to the cwd it was approved in.
    expect(approval.suggestedGrant).toEqual({ kind: 'command', exact: cmd, cwd: ws.project });
    const elsewhere = startHook(ws, host, { ...shellCall(host, session, `${host}_g5`, cmd), cwd: join(ws.project, 'src') });
    const there = await waitForApproval(ws.reviewer, (a) => a.params.command === cmd && a.params.cwd === join(ws.project, 'src'), 'the command elsewhere');
    await ws.reviewer.approvals.decide.mutate({ approvalId: there.approvalId, decision: 'reject', paramsHash: there.paramsHash });
    expect(decisionOf(host, printed(await elsewhere.result)).decision).toBe('deny');

    // A deny rule set now beats the grant for the identical command.
    const { policy } = await ws.reviewer.policy.get.query();
    const admin = createClient({ url: ws.server.url, key: ws.keys.admin });
    const rule = { name: `freeze-${host}`, match: { kind: 'run_command' as const, command: `^echo grant-${host}$` }, action: 'deny' as const, reason: 'frozen' };
    await admin.policy.set.mutate({ policy: { ...policy, rules: [rule, ...policy.rules] } });
    const denied = decisionOf(host, printed(await hook(ws, host, shellCall(host, session, `${host}_g4`, cmd))));
    expect(denied.decision).toBe('deny');
    expect(denied.reason).toContain(`freeze-${host}`);
  });
});

describe('grants and the session creator', () => {
  it('refuses a grant to the agent that created the session (it may not approve its own calls for the session)', async () => {
    const running = startHook(ws, 'claude-code', shellCall('claude-code', 'grants-self', 'self_1', 'echo self-grant'), { flags: ['--timeout', '20', '--on-error', 'deny'] });
    const approval = await waitForApproval(ws.reviewer, (a) => a.params.command === 'echo self-grant', 'self grant');
    const agent = createClient({ url: ws.server.url, key: ws.keys.agent });
    const refused = await agent.approvals.decide.mutate({ approvalId: approval.approvalId, decision: 'approve', paramsHash: approval.paramsHash, scope: 'task' }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(GreenlightError);
    expect((refused as GreenlightError).code).toBe('FORBIDDEN');
    expect((await ws.reviewer.grants.list.query({ taskId: approval.taskId })).items).toEqual([]);
    await ws.reviewer.approvals.decide.mutate({ approvalId: approval.approvalId, decision: 'reject', paramsHash: approval.paramsHash });
    expect(decisionOf('claude-code', printed(await running.result)).decision).toBe('deny');
  });

  it('Claude Code PermissionRequest: a path grant goes back as updatedPermissions (destination session); a command grant, bound to its directory, does not (a Bash rule would allow it in every directory)', async () => {
    const [request] = recorded('claude-code', 'permission-request', ws.project);
    const write = { ...request!, session_id: 'grants-perm', tool_name: 'Write', tool_input: { file_path: join(ws.project, 'src', 'granted.ts'), content: 'export const granted = 1;\n' } };
    const writing = startHook(ws, 'claude-code', write);
    const w = await waitForApproval(ws.reviewer, (a) => a.params.path === 'src/granted.ts', 'permission grant (write)');
    await ws.reviewer.approvals.decide.mutate({ approvalId: w.approvalId, decision: 'approve', paramsHash: w.paramsHash, scope: 'task' });
    const wrote = printed(await writing.result) as { hookSpecificOutput: { decision: { behavior: string; updatedPermissions?: unknown[] } } };
    expect(wrote.hookSpecificOutput.decision).toEqual({
      behavior: 'allow',
      updatedPermissions: [{ type: 'addRules', rules: [{ toolName: 'Edit', ruleContent: 'src/granted.ts' }], behavior: 'allow', destination: 'session' }],
    });

    const payload = { ...request!, session_id: 'grants-perm', tool_input: { command: 'npm run lint:grant' } };
    const running = startHook(ws, 'claude-code', payload);
    const approval = await waitForApproval(ws.reviewer, (a) => a.params.command === 'npm run lint:grant', 'permission grant');
    expect(approval.suggestedGrant).toEqual({ kind: 'command', exact: 'npm run lint:grant', cwd: ws.project });
    await ws.reviewer.approvals.decide.mutate({ approvalId: approval.approvalId, decision: 'approve', paramsHash: approval.paramsHash, scope: 'task' });
    const out = printed(await running.result) as { hookSpecificOutput: { decision: { behavior: string; updatedPermissions?: unknown[] } } };
    expect(out.hookSpecificOutput.decision).toEqual({ behavior: 'allow' });
  });
});
