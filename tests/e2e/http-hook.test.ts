/**
 * Claude Code's HTTP hook, `POST /hooks/claude-code`, against a real `wrangler dev`:
 * no key or a refused key is a 401; with an agent key the endpoint answers as the
 * command hook (`greenlight hook claude-code`) does for the same recorded payload; an
 * allowed call's PostToolUse puts the tool's real result on the step; what the endpoint
 * cannot decide is a 200 with the fallback decision, since Claude Code would treat an
 * error status as non-blocking.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type Approval, type GreenlightClient } from '@greenlight/sdk';
import { spawnCli } from '../../packages/cli/test/process.ts';
import { createWorkspace, startTestServer, type TestServer } from '../support/live-server.ts';

let server: TestServer;
let keys: { admin: string; agent: string; reviewer: string };
let reviewer: GreenlightClient;
const project = mkdtempSync(join(tmpdir(), 'greenlight-http-hook-'));

beforeAll(async () => {
  server = await startTestServer();
  keys = await createWorkspace(server, 'http-hook', { agent: 'agent', reviewer: 'approver' });
  reviewer = createClient({ url: server.url, key: keys.reviewer });
});
afterAll(() => server?.stop());

/** A PreToolUse as the hooks reference shows it (code.claude.com/docs/en/hooks, 2026-08). */
const pre = (session: string, id: string, tool: string, input: Record<string, unknown>) => ({
  session_id: session,
  transcript_path: `/home/dev/.claude/projects/p/${session}.jsonl`,
  cwd: project,
  permission_mode: 'default',
  hook_event_name: 'PreToolUse',
  tool_name: tool,
  tool_input: input,
  tool_use_id: id,
});

async function post(body: unknown, key?: string, query = ''): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${server.url}/hooks/claude-code${query}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text === '' ? undefined : (JSON.parse(text) as unknown) };
}

async function commandHook(body: unknown): Promise<unknown> {
  const run = await spawnCli(['hook', 'claude-code'], {
    cwd: project,
    stdin: JSON.stringify(body),
    env: { GREENLIGHT_URL: server.url, GREENLIGHT_KEY: keys.agent, XDG_CONFIG_HOME: join(project, 'xdg') },
  }).result;
  expect(run.code).toBe(0);
  return run.stdout.trim() === '' ? undefined : (JSON.parse(run.stdout) as unknown);
}

async function approvalFor(command: string): Promise<Approval> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const found = (await reviewer.approvals.list.query({ limit: 200 })).items.find((a) => a.params.command === command);
    if (found) return found;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no approval for ${command}`);
}

describe('POST /hooks/claude-code', () => {
  it('refuses a request without a key, or with a key it does not know, with 401', async () => {
    const body = pre('s-auth', 'toolu_auth', 'Bash', { command: 'echo auth' });
    expect((await post(body)).status).toBe(401);
    expect((await post(body, 'gl_http-hook_' + 'x'.repeat(43))).status).toBe(401);
    expect((await reviewer.approvals.list.query({ limit: 200 })).items.filter((a) => a.params.command === 'echo auth')).toEqual([]);
  });

  it('answers a Read exactly as the command hook does (allowed by the policy at once)', async () => {
    const http = await post(pre('s-read-http', 'toolu_r1', 'Read', { file_path: join(project, 'README.md') }), keys.agent);
    const cmd = await commandHook(pre('s-read-cmd', 'toolu_r1', 'Read', { file_path: join(project, 'README.md') }));
    expect(http.status).toBe(200);
    expect(http.json).toEqual(cmd);
    expect(http.json).toMatchObject({ hookSpecificOutput: { hookEventName: 'PreToolUse', permissionDecision: 'allow' } });
  });

  it('waits for the reviewer: a rejection is the same deny as the command hook gives', async () => {
    const httpCall = post(pre('s-rej-http', 'toolu_j1', 'Bash', { command: 'echo rejected-http' }), keys.agent);
    const a1 = await approvalFor('echo rejected-http');
    await reviewer.approvals.decide.mutate({ approvalId: a1.approvalId, decision: 'reject', paramsHash: a1.paramsHash, feedback: 'no' });
    const cmdCall = commandHook(pre('s-rej-cmd', 'toolu_j1', 'Bash', { command: 'echo rejected-cmd' }));
    const a2 = await approvalFor('echo rejected-cmd');
    await reviewer.approvals.decide.mutate({ approvalId: a2.approvalId, decision: 'reject', paramsHash: a2.paramsHash, feedback: 'no' });
    const http = await httpCall;
    expect(http.status).toBe(200);
    expect(http.json).toEqual(await cmdCall);
    expect(http.json).toEqual({ hookSpecificOutput: { hookEventName: 'PreToolUse', permissionDecision: 'deny', permissionDecisionReason: 'Greenlight: rejected by reviewer: no' } });
  });

  it('claims an approved call before answering allow; its PostToolUse puts the real result on the step', async () => {
    const body = pre('s-ok', 'toolu_ok', 'Bash', { command: 'echo approved-http' });
    const calling = post(body, keys.agent);
    const approval = await approvalFor('echo approved-http');
    await reviewer.approvals.decide.mutate({ approvalId: approval.approvalId, decision: 'approve', paramsHash: approval.paramsHash });
    expect(await calling).toEqual({
      status: 200,
      json: { hookSpecificOutput: { hookEventName: 'PreToolUse', permissionDecision: 'allow', permissionDecisionReason: 'Greenlight: approved by reviewer' } },
    });
    expect((await reviewer.steps.get.query({ stepId: approval.stepId })).status).toBe('executing');
    const result = await post({ ...body, hook_event_name: 'PostToolUse', tool_response: { stdout: 'approved-http\n', stderr: '' } }, keys.agent);
    expect(result).toEqual({ status: 200, json: undefined });
    const step = await reviewer.steps.get.query({ stepId: approval.stepId });
    expect(step.status).toBe('completed');
    expect(step.result?.output).toEqual({ result: { stdout: 'approved-http\n', stderr: '' } });
  });

  it('answers PermissionRequest with decision {behavior: deny, message}', async () => {
    const body = { ...pre('s-perm', 'unused', 'Bash', { command: 'echo perm-http' }), hook_event_name: 'PermissionRequest' } as Record<string, unknown>;
    delete body.tool_use_id;
    const calling = post(body, keys.agent);
    const approval = await approvalFor('echo perm-http');
    await reviewer.approvals.decide.mutate({ approvalId: approval.approvalId, decision: 'reject', paramsHash: approval.paramsHash, feedback: 'not today' });
    expect(await calling).toEqual({
      status: 200,
      json: { hookSpecificOutput: { hookEventName: 'PermissionRequest', decision: { behavior: 'deny', message: 'Greenlight: rejected by reviewer: not today' } } },
    });
  });

  it('binds an approval to the exact call: a PermissionRequest with the same command in another cwd gets its own step, and its PostToolUse never reports on the approved one', async () => {
    const request = (cwd: string) => {
      const body = { ...pre('s-bound', 'unused', 'Bash', { command: 'echo bound-http' }), hook_event_name: 'PermissionRequest', cwd } as Record<string, unknown>;
      delete body.tool_use_id;
      return body;
    };
    const sub = join(project, 'sub');
    const allowed = { status: 200, json: { hookSpecificOutput: { hookEventName: 'PermissionRequest', decision: { behavior: 'allow' } } } };
    // Asked, given up on (1 s), approved afterwards: the step waits approved and unclaimed.
    expect(await post(request(project), keys.agent, '?timeout=1')).not.toEqual(allowed);
    const first = await approvalFor('echo bound-http');
    await reviewer.approvals.decide.mutate({ approvalId: first.approvalId, decision: 'approve', paramsHash: first.paramsHash });
    // The same command elsewhere: same key (turn + command), other params: its own step, undecided.
    expect(await post(request(sub), keys.agent, '?timeout=1')).not.toEqual(allowed);
    const own = (await reviewer.approvals.list.query({ limit: 200 })).items.find((a) => a.params.command === 'echo bound-http' && a.params.cwd === sub);
    expect(own?.stepKey).toBe(`${first.stepKey}.2`);
    expect((await reviewer.steps.get.query({ stepId: first.stepId })).status).toBe('approved');
    // The approved call itself: allowed and claimed.
    expect(await post(request(project), keys.agent)).toEqual(allowed);
    expect((await reviewer.steps.get.query({ stepId: first.stepId })).status).toBe('executing');
    // The other call's result is not the approved step's.
    const result = (cwd: string, stdout: string) => ({ ...request(cwd), hook_event_name: 'PostToolUse', tool_use_id: `toolu_${stdout}`, tool_response: { stdout } });
    expect(await post(result(sub, 'elsewhere'), keys.agent)).toEqual({ status: 200, json: undefined });
    expect((await reviewer.steps.get.query({ stepId: first.stepId })).status).toBe('executing');
    await post(result(project, 'here'), keys.agent);
    expect((await reviewer.steps.get.query({ stepId: first.stepId })).result?.output).toEqual({ result: { stdout: 'here' } });
  });

  it('gives the fallback as a 200 decision (not an error status) for a payload it cannot read or a decision not made in time', async () => {
    expect(await post('not json', keys.agent)).toMatchObject({ status: 200, json: { hookSpecificOutput: { permissionDecision: 'ask' } } });
    const late = await post(pre('s-late', 'toolu_late', 'Bash', { command: 'echo late' }), keys.agent, '?timeout=1&on_error=deny');
    expect(late).toMatchObject({ status: 200, json: { hookSpecificOutput: { permissionDecision: 'deny', permissionDecisionReason: expect.stringContaining('Greenlight could not decide') } } });
  });
});
