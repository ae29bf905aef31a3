/**
 * `greenlight mcp proxy` end to end: the SDK's MCP Client drives the real gateway
 * process, which fronts a real MCP server (mcp-fixture-server.ts, stdio) and records
 * every call in a live `wrangler dev`. The fixture logs each call that reaches it, so
 * "never forwarded" is checked where it happens.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createClient, GreenlightError, type Approval, type GreenlightClient, type Step } from '@greenlight/sdk';
import { ROOT_DIR } from '../../scripts/server.ts';
import { createWorkspace, startTestServer, type TestServer } from '../support/live-server.ts';

const BIN = join(ROOT_DIR, 'packages', 'cli', 'bin', 'greenlight.js');
const FIXTURE = join(ROOT_DIR, 'tests', 'e2e', 'mcp-fixture-server.ts');

let server: TestServer;
let keys: { admin: string; agent: string; reviewer: string };
let reviewer: GreenlightClient;
let dir: string;
const open: { client: Client; transport: StdioClientTransport }[] = [];

type Gateway = {
  client: Client;
  transport: StdioClientTransport;
  calls: () => { tool: string; args: Record<string, unknown> }[];
  stderr: () => string;
  exited: Promise<number | null>;
  /** The gateway's session task, once its first call opened it (from its log line). */
  taskId: () => Promise<string>;
};

/**
 * Start `greenlight mcp proxy --name notes -- node mcp-fixture-server.ts <log>` (or, with
 * `url`, in front of that streamable-HTTP server) and connect the SDK's Client to it.
 */
async function gateway(name = 'notes', url?: string, greenlightUrl?: string): Promise<Gateway> {
  const log = join(dir, `calls-${Math.random().toString(36).slice(2)}.jsonl`);
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [BIN, 'mcp', 'proxy', '--name', name, ...(url ? ['--url', url] : ['--', process.execPath, FIXTURE, log])],
    env: { ...(process.env as Record<string, string>), GREENLIGHT_URL: greenlightUrl ?? server.url, GREENLIGHT_KEY: keys.agent, NO_COLOR: '1' },
    stderr: 'pipe',
    cwd: ROOT_DIR,
  });
  let stderr = '';
  transport.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const client = new Client({ name: 'gateway-test', version: '1.0.0' });
  await client.connect(transport);
  const pid = transport.pid!;
  const exited = new Promise<number | null>((resolve) => {
    const check = setInterval(() => {
      try {
        process.kill(pid, 0);
      } catch {
        clearInterval(check);
        resolve(null);
      }
    }, 50);
  });
  open.push({ client, transport });
  const calls = () =>
    existsSync(log)
      ? readFileSync(log, 'utf8')
          .trim()
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as { tool: string; args: Record<string, unknown> })
      : [];
  const taskId = () => until('the session task', async () => /session task (\S+):/.exec(stderr)?.[1]);
  return { client, transport, calls, stderr: () => stderr, exited, taskId };
}

/** The open approval of the gateway's call of `tool` with `input`, once the gateway has asked. */
async function approvalFor(tool: string, input: Record<string, unknown>, serverName = 'notes'): Promise<Approval> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const found = (await reviewer.approvals.list.query({ limit: 200 })).items.find((a) => a.params.tool === `mcp__${serverName}__${tool}` && JSON.stringify(a.params.input) === JSON.stringify(input));
    if (found) return found;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no approval for ${tool} ${JSON.stringify(input)}`);
}

const text = (r: unknown): string => ((r as { content: { text?: string }[] }).content ?? []).map((c) => c.text ?? '').join('\n');
const decide = (a: Approval, decision: 'approve' | 'reject' | 'request_changes' | 'modify', extra: Record<string, unknown> = {}) =>
  reviewer.approvals.decide.mutate({ approvalId: a.approvalId, decision, paramsHash: a.paramsHash, ...extra });
const step = (stepId: string): Promise<Step> => reviewer.steps.get.query({ stepId });

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const v = await probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'greenlight-mcp-'));
  server = await startTestServer();
  keys = await createWorkspace(server, 'mcp-proxy', { agent: 'agent', reviewer: 'approver' });
  reviewer = createClient({ url: server.url, key: keys.reviewer });
  const admin = createClient({ url: server.url, key: keys.admin });
  await admin.policy.set.mutate({
    policy: {
      rules: [
        { name: 'notes-reads', match: { server: 'notes', annotations: { readOnlyHint: true } }, action: 'allow', trustAnnotations: true },
        { name: 'slow-yes', match: { server: 'slow-yes' }, action: 'ask', timeoutSeconds: 1, defaultOnTimeout: 'approve' },
        { name: 'slow-no', match: { server: 'slow-no' }, action: 'ask', timeoutSeconds: 1, defaultOnTimeout: 'reject' },
        { name: 'no-deletes', match: { server: 'guarded', annotations: { destructiveHint: true } }, action: 'deny', reason: 'deletes go through the backup tool' },
      ],
    },
  });
});

afterEach(async () => {
  await Promise.allSettled(open.splice(0).map((g) => g.client.close()));
});

afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('greenlight mcp proxy', () => {
  it('lists the upstream tools unchanged, and passes resources, prompts and the server identity through', async () => {
    const g = await gateway();
    const direct = new Client({ name: 'direct', version: '1' });
    const directTransport = new StdioClientTransport({ command: process.execPath, args: [FIXTURE, join(dir, 'direct.jsonl')], stderr: 'pipe' });
    await direct.connect(directTransport);
    try {
      expect(await g.client.listTools()).toEqual(await direct.listTools());
      expect(g.client.getServerVersion()).toEqual({ name: 'notes-fixture', version: '1.2.3' });
      expect(g.client.getInstructions()).toBe('A notes store for tests.');
      expect(await g.client.readResource({ uri: 'note://hello' })).toEqual({ contents: [{ uri: 'note://hello', text: 'hello world' }] });
      expect(await g.client.getPrompt({ name: 'summarize', arguments: { name: 'x' } })).toEqual(await direct.getPrompt({ name: 'summarize', arguments: { name: 'x' } }));
    } finally {
      await direct.close();
    }
    // Only tool calls become steps: nothing was planned for the listing, the resource or the prompt.
    expect((await reviewer.tasks.list.query({})).items.filter((t) => t.title.includes('summarize'))).toEqual([]);
  });

  it('a read-only tool of a server a rule trusts runs at once, and its result is the step output', async () => {
    const g = await gateway();
    const result = await g.client.callTool({ name: 'read_note', arguments: { name: 'hello' } });
    expect(text(result)).toBe('hello world');
    expect(g.calls()).toEqual([expect.objectContaining({ tool: 'read_note', args: { name: 'hello' } })]);
    const task = await reviewer.tasks.get.query({ taskId: await g.taskId() });
    const s = task.steps[0]!;
    expect(s).toMatchObject({ kind: 'custom', status: 'completed', params: { tool: 'mcp__notes__read_note', input: { name: 'hello' }, annotations: { readOnlyHint: true, openWorldHint: false } } });
    expect(s.decision).toMatchObject({ decision: 'policy', rule: 'notes-reads' });
    expect(s.result?.output).toEqual(result);
  });

  it('one gateway process is one session task: every call is appended to it, and it is closed when the client goes', async () => {
    const g = await gateway();
    await g.client.callTool({ name: 'read_note', arguments: { name: 'hello' } });
    const pending = g.client.callTool({ name: 'write_note', arguments: { name: 's', text: 'session' } });
    const a = await approvalFor('write_note', { name: 's', text: 'session' });
    const taskId = await g.taskId();
    expect(a.taskId).toBe(taskId);
    await decide(a, 'approve');
    await pending;
    await g.client.callTool({ name: 'read_note', arguments: { name: 's' } });
    const open = await reviewer.tasks.get.query({ taskId });
    expect(open).toMatchObject({ status: 'active', open: true, title: 'MCP notes session' });
    expect(open.steps.map((s) => [s.params.tool, s.status])).toEqual([
      ['mcp__notes__read_note', 'completed'],
      ['mcp__notes__write_note', 'completed'],
      ['mcp__notes__read_note', 'completed'],
    ]);
    await g.client.close();
    await g.exited;
    const closed = await reviewer.tasks.get.query({ taskId });
    expect(closed.status).toBe('completed');
    expect(closed.open).toBeUndefined();
    const events = (await reviewer.events.list.query({ taskId, limit: 200 })).items.map((e) => e.type);
    expect(events.filter((t) => t === 'task.appended')).toHaveLength(3);
    expect(events).toContain('task.closed');
  });

  it('a destructive tool is held until a reviewer approves through the API, then runs once; all of it is in the audit log', async () => {
    const g = await gateway();
    const pending = g.client.callTool({ name: 'delete_note', arguments: { name: 'hello' } });
    const a = await approvalFor('delete_note', { name: 'hello' });
    expect(a.params.annotations).toEqual({ destructiveHint: true });
    await new Promise((r) => setTimeout(r, 200));
    expect(g.calls()).toEqual([]);
    await decide(a, 'approve');
    expect(text(await pending)).toBe('deleted hello');
    expect(g.calls().map((c) => c.tool)).toEqual(['delete_note']);
    expect((await step(a.stepId)).status).toBe('completed');
    const events = (await reviewer.events.list.query({ taskId: a.taskId, limit: 200 })).items.map((e) => e.type);
    expect(events).toEqual(expect.arrayContaining(['task.planned', 'task.appended', 'approval.requested', 'step.approved', 'step.claimed', 'step.completed']));
  });

  it("modify: the upstream receives the reviewer's arguments, and the client gets that result (upstream progress relayed)", async () => {
    const g = await gateway();
    const progress: string[] = [];
    const pending = g.client.callTool({ name: 'write_note', arguments: { name: 'plan', text: 'rm -rf /' } }, undefined, {
      onprogress: (p) => void progress.push(p.message ?? ''),
    });
    const a = await approvalFor('write_note', { name: 'plan', text: 'rm -rf /' });
    await decide(a, 'modify', { params: { ...a.params, input: { name: 'plan', text: 'echo safe' } } });
    expect(text(await pending)).toBe('wrote plan: echo safe');
    expect(g.calls()).toEqual([expect.objectContaining({ tool: 'write_note', args: { name: 'plan', text: 'echo safe' } })]);
    expect(progress, g.stderr()).toContain('written');
    const s = await step(a.stepId);
    expect(s.status).toBe('completed');
    expect(s.history.map((h) => h.via)).toEqual(['plan', 'modify']);
  });

  it('reject and request changes come back as tool errors carrying the reason, and the upstream is never called', async () => {
    const g = await gateway();
    const rejected = g.client.callTool({ name: 'delete_note', arguments: { name: 'r1' } });
    await decide(await approvalFor('delete_note', { name: 'r1' }), 'reject', { feedback: 'keep r1, it is the only copy' });
    const r = await rejected;
    expect(r.isError).toBe(true);
    expect(text(r)).toMatch(/rejected by reviewer: keep r1, it is the only copy/);

    const changes = g.client.callTool({ name: 'delete_note', arguments: { name: 'r2' } });
    const a = await approvalFor('delete_note', { name: 'r2' });
    await decide(a, 'request_changes', { feedback: 'archive it instead' });
    const c = await changes;
    expect(c.isError).toBe(true);
    expect(text(c)).toMatch(/reviewer asked for changes: archive it instead/);
    expect(g.calls()).toEqual([]);
    // The call the model was told about can never be approved into running later.
    expect(['cancelled', 'changes_requested']).toContain((await step(a.stepId)).status);
  });

  it('concurrent calls are held and decided independently; two approved at once each run once, with their own arguments', async () => {
    const g = await gateway();
    const first = g.client.callTool({ name: 'delete_note', arguments: { name: 'c1' } });
    const second = g.client.callTool({ name: 'write_note', arguments: { name: 'c2', text: 'two' } });
    const third = g.client.callTool({ name: 'write_note', arguments: { name: 'c3', text: 'three' } });
    const [a1, a2, a3] = await Promise.all([
      approvalFor('delete_note', { name: 'c1' }),
      approvalFor('write_note', { name: 'c2', text: 'two' }),
      approvalFor('write_note', { name: 'c3', text: 'three' }),
    ]);
    expect(new Set([a1.taskId, a2.taskId, a3.taskId]).size).toBe(1);
    await reviewer.approvals.decideMany.mutate({ items: [a2, a3].map((a) => ({ approvalId: a.approvalId, decision: 'approve' as const, paramsHash: a.paramsHash })) });
    expect(text(await second)).toBe('wrote c2: two');
    expect(text(await third)).toBe('wrote c3: three');
    await decide(a1, 'reject', { feedback: 'no' });
    expect((await first).isError).toBe(true);
    expect(
      g
        .calls()
        .map((c) => c.args)
        .sort((x, y) => String(x.name).localeCompare(String(y.name))),
    ).toEqual([
      { name: 'c2', text: 'two' },
      { name: 'c3', text: 'three' },
    ]);
    for (const a of [a2, a3]) expect((await step(a.stepId)).status).toBe('completed');
  });

  it('an upstream tool error is returned as it came and the step is failed with its text', async () => {
    const g = await gateway();
    const pending = g.client.callTool({ name: 'fail_note', arguments: { name: 'f' } });
    const a = await approvalFor('fail_note', { name: 'f' });
    await decide(a, 'approve');
    const r = await pending;
    expect(r).toEqual({ content: [{ type: 'text', text: 'cannot touch f' }], isError: true });
    expect((await step(a.stepId)).result?.error).toMatchObject({ message: 'cannot touch f', code: 'tool_error' });
  });

  it('cancelling the task from the review side fails the held call', async () => {
    const g = await gateway();
    const pending = g.client.callTool({ name: 'delete_note', arguments: { name: 'k' } });
    const a = await approvalFor('delete_note', { name: 'k' });
    await reviewer.tasks.cancel.mutate({ taskId: a.taskId, reason: 'wrong session' });
    const r = await pending;
    expect(r.isError).toBe(true);
    expect(text(r)).toMatch(/cancelled by reviewer: wrong session/);
    // The session stays cancelled: a later call is refused with the reason, and not run.
    const later = await g.client.callTool({ name: 'read_note', arguments: { name: 'hello' } });
    expect(later.isError).toBe(true);
    expect(text(later)).toMatch(/was cancelled by reviewer: wrong session; restart the gateway/);
    expect(g.calls()).toEqual([]);
  });

  it('a client that disconnects while a call is held: the step is cancelled and never runs, even if approved later', async () => {
    const g = await gateway();
    void g.client.callTool({ name: 'delete_note', arguments: { name: 'gone' } }).catch(() => {});
    const a = await approvalFor('delete_note', { name: 'gone' });
    await g.client.close();
    await g.exited;
    const s = await until('the held step to be cancelled: ' + g.stderr(), async () => {
      const now = await step(a.stepId);
      return now.status === 'cancelled' ? now : undefined;
    });
    expect(s.status).toBe('cancelled');
    const late = await decide(a, 'approve').catch((e: unknown) => e);
    expect(late).toBeInstanceOf(GreenlightError);
    expect((late as GreenlightError).code).toBe('CONFLICT');
    expect(g.calls()).toEqual([]);
  });

  it('a call the client cancels while it is held is never run, and the gateway goes on serving', async () => {
    const g = await gateway();
    const abort = new AbortController();
    const cancelled = g.client.callTool({ name: 'delete_note', arguments: { name: 'abort-me' } }, undefined, { signal: abort.signal }).catch((e: unknown) => e);
    const a = await approvalFor('delete_note', { name: 'abort-me' });
    abort.abort();
    expect(await cancelled).toBeInstanceOf(Error);
    // Decided after the client gave up: whatever the reviewer does now, the upstream never sees it.
    await decide(a, 'approve').catch(() => {});
    await until('the abandoned step to end', async () => {
      const now = await step(a.stepId);
      return ['cancelled', 'failed'].includes(now.status) ? now : undefined;
    });
    expect(text(await g.client.callTool({ name: 'read_note', arguments: { name: 'hello' } }))).toBe('hello world');
    expect(g.calls().map((c) => c.tool)).toEqual(['read_note']);
  });

  it("no decision in time: the rule's default applies (approve forwards the call, reject is a tool error)", async () => {
    const yes = await gateway('slow-yes');
    const no = await gateway('slow-no');
    const [approved, rejected] = await Promise.all([
      yes.client.callTool({ name: 'delete_note', arguments: { name: 'hello' } }),
      no.client.callTool({ name: 'delete_note', arguments: { name: 'hello' } }),
    ]);
    expect(text(approved)).toBe('deleted hello');
    expect(yes.calls().map((c) => c.tool)).toEqual(['delete_note']);
    expect(rejected.isError).toBe(true);
    expect(text(rejected)).toMatch(/rejected by the approval timeout/);
    expect(no.calls()).toEqual([]);
  });

  it('a deny rule on an untrusted hint refuses at once; the session still closes cleanly', async () => {
    const g = await gateway('guarded');
    const r = await g.client.callTool({ name: 'delete_note', arguments: { name: 'hello' } });
    expect(r.isError).toBe(true);
    expect(text(r)).toMatch(/rejected by policy rule no-deletes: deletes go through the backup tool/);
    // The same server's read-only tool is not destructive: no rule trusts it, so copilot asks (and nothing ran meanwhile).
    expect(g.calls()).toEqual([]);
    const taskId = await g.taskId();
    await g.client.close();
    await g.exited;
    const task = await reviewer.tasks.get.query({ taskId });
    expect(task.open).toBeUndefined();
    expect(task.status).toBe('failed');
  });

  it('fails closed: with Greenlight unreachable, a call is a tool error and the upstream is never called', async () => {
    const g = await gateway('notes', undefined, 'http://127.0.0.1:9');
    const r = await g.client.callTool({ name: 'read_note', arguments: { name: 'hello' } });
    expect(r.isError).toBe(true);
    expect(text(r)).toMatch(/Greenlight could not record this call \(NETWORK_ERROR/);
    expect(g.calls()).toEqual([]);
  });

  it('an upstream that crashes mid-call: the client gets an error, the step is failed, the gateway exits', async () => {
    const g = await gateway();
    const pending = g.client.callTool({ name: 'crash', arguments: {} }).then(
      (r) => ({ ok: true as const, r }),
      (e: unknown) => ({ ok: false as const, e }),
    );
    const a = await approvalFor('crash', {});
    await decide(a, 'approve');
    const outcome = await pending;
    expect(outcome.ok).toBe(false);
    const failed = await until('the crashed step to fail', async () => {
      const now = await step(a.stepId);
      return now.status === 'failed' ? now : undefined;
    });
    expect(failed.result?.error?.message).toMatch(/upstream MCP server failed/);
    await g.exited;
    expect(g.stderr()).toMatch(/the upstream MCP server exited/);
  });

  it('fronts a streamable-HTTP upstream with --url the same way', async () => {
    const received: unknown[] = [];
    const http = createServer((req, res) => {
      // Stateless: a fresh MCP server per request, as the SDK's own examples do.
      const mcp = new McpServer({ name: 'http-fixture', version: '0.0.1' });
      mcp.registerTool('deploy', { description: 'Deploy', inputSchema: { env: z.string() }, annotations: { destructiveHint: true } }, async ({ env }) => {
        received.push(env);
        return { content: [{ type: 'text', text: `deployed to ${env}` }] };
      });
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
      res.on('close', () => void transport.close());
      void mcp.connect(transport).then(() => transport.handleRequest(req, res));
    });
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    try {
      const g = await gateway('notes', `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`);
      expect(g.client.getServerVersion()).toEqual({ name: 'http-fixture', version: '0.0.1' });
      const pending = g.client.callTool({ name: 'deploy', arguments: { env: 'prod' } });
      const a = await approvalFor('deploy', { env: 'prod' });
      expect(received).toEqual([]);
      await decide(a, 'modify', { params: { ...a.params, input: { env: 'staging' } } });
      expect(text(await pending)).toBe('deployed to staging');
      expect(received).toEqual(['staging']);
    } finally {
      http.closeAllConnections();
      await new Promise((r) => http.close(r));
    }
  });
});
