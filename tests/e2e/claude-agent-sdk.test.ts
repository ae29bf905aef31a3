/**
 * greenlightCanUseTool (the Claude Agent SDK's canUseTool) against a real `wrangler dev`,
 * called exactly as the SDK calls it: (toolName, input, {signal, toolUseID, suggestions}).
 * An approved call is allowed with the input to run (the reviewer's modify when there
 * is one), a rejected one denied with the reviewer's words, an unreachable server denied
 * (never allowed by accident), and the PostToolUse hook callback puts the tool's real
 * result on the step.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type Approval, type GreenlightClient } from '@greenlight/sdk';
import { greenlightCanUseTool } from '@greenlight/sdk/claude-agent-sdk';
import { createWorkspace, startTestServer, type TestServer } from '../support/live-server.ts';

let server: TestServer;
let agent: GreenlightClient;
let reviewer: GreenlightClient;

beforeAll(async () => {
  server = await startTestServer();
  const keys = await createWorkspace(server, 'agent-sdk', { agent: 'agent', reviewer: 'approver' });
  agent = createClient({ url: server.url, key: keys.agent });
  reviewer = createClient({ url: server.url, key: keys.reviewer });
});
afterAll(() => server?.stop());

async function approvalFor(command: string): Promise<Approval> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const found = (await reviewer.approvals.list.query({ limit: 200 })).items.find((a) => a.params.command === command);
    if (found) return found;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no approval for ${command}`);
}

const opts = (toolUseID: string) => ({ signal: new AbortController().signal, toolUseID, suggestions: [] });

describe('greenlightCanUseTool', () => {
  it('allows an approved Bash call, then its PostToolUse hook completes the step with the real result', async () => {
    const gl = greenlightCanUseTool(agent, { session: 'run-1', cwd: '/work/app' });
    const input = { command: 'npm test', description: 'Run tests' };
    const asking = gl.canUseTool('Bash', input, opts('toolu_sdk1'));
    const approval = await approvalFor('npm test');
    expect(approval.params).toEqual({ command: 'npm test', cwd: '/work/app' });
    await reviewer.approvals.decide.mutate({ approvalId: approval.approvalId, decision: 'approve', paramsHash: approval.paramsHash });
    expect(await asking).toEqual({ behavior: 'allow', updatedInput: input, toolUseID: 'toolu_sdk1' });
    const [post] = gl.hooks.PostToolUse[0]!.hooks;
    await post!({ hook_event_name: 'PostToolUse', tool_name: 'Bash', tool_input: input, tool_response: { stdout: 'ok', stderr: '' }, tool_use_id: 'toolu_sdk1' }, 'toolu_sdk1', {
      signal: new AbortController().signal,
    });
    const step = await reviewer.steps.get.query({ stepId: approval.stepId });
    expect(step.status).toBe('completed');
    expect(step.result?.output).toEqual({ result: { stdout: 'ok', stderr: '' } });
  });

  it("gives the reviewer's modify as updatedInput, and a rejection as deny with the feedback", async () => {
    const gl = greenlightCanUseTool(agent, { session: 'run-2' });
    const modifying = gl.canUseTool('Bash', { command: 'rm -rf build', description: 'clean' }, opts('toolu_sdk2'));
    const a1 = await approvalFor('rm -rf build');
    await reviewer.approvals.decide.mutate({ approvalId: a1.approvalId, decision: 'modify', paramsHash: a1.paramsHash, params: { command: 'rm -rf build/tmp' } });
    expect(await modifying).toMatchObject({ behavior: 'allow', updatedInput: { command: 'rm -rf build/tmp', description: 'clean' } });

    const rejecting = gl.canUseTool('Bash', { command: 'git push --force' }, opts('toolu_sdk3'));
    const a2 = await approvalFor('git push --force');
    await reviewer.approvals.decide.mutate({ approvalId: a2.approvalId, decision: 'reject', paramsHash: a2.paramsHash, feedback: 'never force-push' });
    expect(await rejecting).toEqual({ behavior: 'deny', message: 'Greenlight: rejected by reviewer: never force-push', toolUseID: 'toolu_sdk3' });
    // One run, one task: both calls are steps of it; close ends it.
    const task = await reviewer.tasks.get.query({ taskId: a1.taskId });
    expect(a2.taskId).toBe(a1.taskId);
    expect(task.steps.map((s) => s.key)).toEqual(['toolu_sdk2', 'toolu_sdk3']);
    await gl.close();
    expect((await reviewer.tasks.get.query({ taskId: a1.taskId })).open).toBeUndefined();
  });

  it('approves the next identical call of the run at once after "approve for this session"', async () => {
    const gl = greenlightCanUseTool(agent, { session: 'run-grant' });
    const first = gl.canUseTool('Bash', { command: 'npm run lint' }, opts('toolu_sdk6'));
    const a = await approvalFor('npm run lint');
    await reviewer.approvals.decide.mutate({ approvalId: a.approvalId, decision: 'approve', paramsHash: a.paramsHash, scope: 'task' });
    expect(await first).toMatchObject({ behavior: 'allow' });
    expect(await gl.canUseTool('Bash', { command: 'npm run lint' }, opts('toolu_sdk7'))).toMatchObject({ behavior: 'allow', toolUseID: 'toolu_sdk7' });
    const step = (await reviewer.tasks.get.query({ taskId: a.taskId })).steps.find((s) => s.key === 'toolu_sdk7')!;
    expect(step.decision?.by[0]).toMatch(/^grant:/);
  });

  it('denies the same toolUseID asked again with other input, even with onError allow: an approval is bound to the input it was given for', async () => {
    const gl = greenlightCanUseTool(agent, { session: 'run-bound', cwd: '/work/app', onError: 'allow' });
    const asking = gl.canUseTool('Bash', { command: 'deploy.sh staging' }, opts('toolu_bound'));
    const approval = await approvalFor('deploy.sh staging');
    await reviewer.approvals.decide.mutate({ approvalId: approval.approvalId, decision: 'approve', paramsHash: approval.paramsHash });
    expect(await asking).toMatchObject({ behavior: 'allow' });
    const again = await gl.canUseTool('Bash', { command: 'deploy.sh prod' }, opts('toolu_bound'));
    expect(again).toMatchObject({ behavior: 'deny', toolUseID: 'toolu_bound' });
    expect((await reviewer.approvals.list.query({ limit: 200 })).items.filter((a) => a.params.command === 'deploy.sh prod')).toEqual([]);
  });

  it('denies when Greenlight cannot be reached (it never fails open unless told to)', async () => {
    const unreachable = createClient({ url: 'http://127.0.0.1:9', key: 'gl_agent-sdk_' + 'x'.repeat(43) });
    const denied = await greenlightCanUseTool(unreachable, { session: 'run-3' }).canUseTool('Bash', { command: 'ls' }, opts('toolu_sdk4'));
    expect(denied).toMatchObject({ behavior: 'deny', message: expect.stringContaining('Greenlight could not decide') });
    const allowed = await greenlightCanUseTool(unreachable, { session: 'run-3', onError: 'allow' }).canUseTool('Bash', { command: 'ls' }, opts('toolu_sdk5'));
    expect(allowed).toMatchObject({ behavior: 'allow' });
  });
});
