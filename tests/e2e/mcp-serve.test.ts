/**
 * `greenlight mcp serve` end to end: the SDK's MCP Client drives the real process
 * against a live `wrangler dev`; a reviewer decides through the API.
 */
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type Approval, type GreenlightClient } from '@greenlight/sdk';
import { ROOT_DIR } from '../../scripts/server.ts';
import { createWorkspace, startTestServer, type TestServer } from '../support/live-server.ts';

const BIN = join(ROOT_DIR, 'packages', 'cli', 'bin', 'greenlight.js');

let server: TestServer;
let reviewer: GreenlightClient;
let mcp: Client;

type Answer = {
  status: string;
  approval_id?: string;
  task_id: string;
  step_id: string;
  review_url: string;
  feedback?: string;
  answer?: string;
  approved_params?: Record<string, unknown>;
  decided_by?: string[];
};

async function tool(name: string, args: Record<string, unknown>): Promise<Answer> {
  const r = await mcp.callTool({ name, arguments: args });
  if (r.isError) throw new Error(JSON.stringify(r.content));
  return r.structuredContent as Answer;
}

async function openApproval(approvalId: string): Promise<Approval> {
  const found = (await reviewer.approvals.list.query({ limit: 200 })).items.find((a) => a.approvalId === approvalId);
  if (!found) throw new Error(`approval ${approvalId} is not open`);
  return found;
}

/** The approval a waiting request_approval / ask_human opened, found by its title. */
async function approvalTitled(title: string): Promise<Approval> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const found = (await reviewer.approvals.list.query({ limit: 200 })).items.find((a) => a.title === title);
    if (found) return found;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no approval titled ${title}`);
}

beforeAll(async () => {
  server = await startTestServer();
  const keys = await createWorkspace(server, 'mcp-serve', { agent: 'agent', reviewer: 'approver' });
  reviewer = createClient({ url: server.url, key: keys.reviewer });
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [BIN, 'mcp', 'serve', '--wait-max', '30'],
    env: { ...(process.env as Record<string, string>), GREENLIGHT_URL: server.url, GREENLIGHT_KEY: keys.agent },
    stderr: 'pipe',
    cwd: ROOT_DIR,
  });
  mcp = new Client({ name: 'serve-test', version: '1.0.0' });
  await mcp.connect(transport);
});

afterAll(async () => {
  await mcp?.close();
  await server?.stop();
});

describe('greenlight mcp serve (advisory)', () => {
  it('offers request_approval, check_approval and ask_human', async () => {
    expect((await mcp.listTools()).tools.map((t) => t.name).sort()).toEqual(['ask_human', 'check_approval', 'request_approval']);
  });

  it('request_approval answers at once with the approval id and the review URL; check_approval sees the approval', async () => {
    const asked = await tool('request_approval', { title: 'Deploy to staging', kind: 'run_command', params: { command: './deploy.sh staging' } });
    expect(asked.status).toBe('pending');
    expect(asked.review_url).toBe(`${server.url}/#/tasks/${asked.task_id}`);
    const a = await openApproval(asked.approval_id!);
    expect(a.params).toEqual({ command: './deploy.sh staging' });
    expect((await tool('check_approval', { approval_id: asked.approval_id })).status).toBe('pending');
    await reviewer.approvals.decide.mutate({ approvalId: a.approvalId, decision: 'approve', paramsHash: a.paramsHash });
    const checked = await tool('check_approval', { approval_id: asked.approval_id });
    expect(checked).toMatchObject({ status: 'approved', decided_by: ['reviewer'] });
    // Handed over: the agent does it itself, so the task is finished.
    expect((await reviewer.tasks.get.query({ taskId: asked.task_id })).status).toBe('completed');
  });

  it('request_approval with wait_seconds waits for the reviewer: a reject comes back with its feedback', async () => {
    const waiting = tool('request_approval', { title: 'Drop the users table', kind: 'execute_code', params: { language: 'sql', code: 'DROP TABLE users' }, wait_seconds: 20 });
    const a = await approvalTitled('Drop the users table');
    await reviewer.approvals.decide.mutate({ approvalId: a.approvalId, decision: 'reject', paramsHash: a.paramsHash, feedback: 'never in production' });
    expect(await waiting).toMatchObject({ status: 'rejected', feedback: 'never in production' });
  });

  it('a modify is returned as approved_params, the version the agent must do', async () => {
    const waiting = tool('request_approval', { title: 'Send the newsletter', params: { tool: 'send_mail', input: { to: 'all' } }, wait_seconds: 20 });
    const a = await approvalTitled('Send the newsletter');
    await reviewer.approvals.decide.mutate({ approvalId: a.approvalId, decision: 'modify', paramsHash: a.paramsHash, params: { tool: 'send_mail', input: { to: 'beta-testers' } } });
    expect(await waiting).toMatchObject({ status: 'approved', approved_params: { tool: 'send_mail', input: { to: 'beta-testers' } } });
  });

  it('the policy decides at once where it can: a read is approved with no approval to wait for', async () => {
    const r = await tool('request_approval', { title: 'Read the README', kind: 'read', params: { tool: 'read_file', paths: ['README.md'] } });
    expect(r.status).toBe('approved');
    expect(r.approval_id).toBeUndefined();
  });

  it('ask_human is a question a person answers on the review page', async () => {
    const waiting = tool('ask_human', { question: 'Which colour for the button?', placeholder: 'a colour', wait_seconds: 20 });
    const a = await approvalTitled('Which colour for the button?');
    expect(a.kind).toBe('clarify');
    await reviewer.approvals.decide.mutate({ approvalId: a.approvalId, decision: 'answer', paramsHash: a.paramsHash, answer: 'green' });
    const answered = await waiting;
    expect(answered).toMatchObject({ status: 'answered', answer: 'green' });
    expect((await tool('check_approval', { approval_id: answered.approval_id })).answer).toBe('green');
  });

  it('a request that does not fit its kind is a tool error naming the field; an unknown approval is NOT_FOUND', async () => {
    const bad = await mcp.callTool({ name: 'request_approval', arguments: { title: 'x', kind: 'run_command', params: { cmd: 'ls' } } });
    expect(bad.isError).toBe(true);
    expect(JSON.stringify(bad.content)).toMatch(/BAD_REQUEST/);
    const missing = await mcp.callTool({ name: 'check_approval', arguments: { approval_id: 'no-such-approval' } });
    expect(missing.isError).toBe(true);
    expect(JSON.stringify(missing.content)).toMatch(/NOT_FOUND/);
    const tooLong = await mcp.callTool({ name: 'check_approval', arguments: { approval_id: 'x', wait_seconds: 31 } });
    expect(tooLong.isError).toBe(true);
  });
});
