/**
 * `greenlight mcp proxy` end to end, decisions: the SDK's MCP Client drives the real
 * gateway process, which fronts a real MCP server (mcp-fixture-server.ts, stdio) and
 * records every call in a live `wrangler dev`: pass-through, policy, one session task,
 * a held call approved, modified, rejected, concurrent calls, an upstream tool error.
 * The fixture logs each call that reaches it, so "never forwarded" is checked where it happens.
 */
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { describe, expect, it } from 'vitest';
import { MCP_FIXTURE, resultText } from '../support/mcp-gateway.ts';
import { mcpProxyFile } from './mcp-proxy-setup.ts';

const f = mcpProxyFile('mcp-proxy');
const { gateway, approvalFor, decide, step } = f;

describe('greenlight mcp proxy', () => {
  it('lists the upstream tools unchanged, and passes resources, prompts and the server identity through', async () => {
    const g = await gateway();
    const direct = new Client({ name: 'direct', version: '1' });
    const directTransport = new StdioClientTransport({ command: process.execPath, args: [MCP_FIXTURE, join(f.dir, 'direct.jsonl')], stderr: 'pipe' });
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
    expect((await f.reviewer.tasks.list.query({})).items.filter((t) => t.title.includes('summarize'))).toEqual([]);
  });

  it('a read-only tool of a server a rule trusts runs at once, and its result is the step output', async () => {
    const g = await gateway();
    const result = await g.client.callTool({ name: 'read_note', arguments: { name: 'hello' } });
    expect(resultText(result)).toBe('hello world');
    expect(g.calls()).toEqual([expect.objectContaining({ tool: 'read_note', args: { name: 'hello' } })]);
    const task = await f.reviewer.tasks.get.query({ taskId: await g.taskId() });
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
    const open = await f.reviewer.tasks.get.query({ taskId });
    expect(open).toMatchObject({ status: 'active', open: true, title: 'MCP notes session' });
    expect(open.steps.map((s) => [s.params.tool, s.status])).toEqual([
      ['mcp__notes__read_note', 'completed'],
      ['mcp__notes__write_note', 'completed'],
      ['mcp__notes__read_note', 'completed'],
    ]);
    await g.client.close();
    await g.exited;
    const closed = await f.reviewer.tasks.get.query({ taskId });
    expect(closed.status).toBe('completed');
    expect(closed.open).toBeUndefined();
    const events = (await f.reviewer.events.list.query({ taskId, limit: 200 })).items.map((e) => e.type);
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
    expect(resultText(await pending)).toBe('deleted hello');
    expect(g.calls().map((c) => c.tool)).toEqual(['delete_note']);
    expect((await step(a.stepId)).status).toBe('completed');
    const events = (await f.reviewer.events.list.query({ taskId: a.taskId, limit: 200 })).items.map((e) => e.type);
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
    expect(resultText(await pending)).toBe('wrote plan: echo safe');
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
    expect(resultText(r)).toMatch(/rejected by reviewer: keep r1, it is the only copy/);

    const changes = g.client.callTool({ name: 'delete_note', arguments: { name: 'r2' } });
    const a = await approvalFor('delete_note', { name: 'r2' });
    await decide(a, 'request_changes', { feedback: 'archive it instead' });
    const c = await changes;
    expect(c.isError).toBe(true);
    expect(resultText(c)).toMatch(/reviewer asked for changes: archive it instead/);
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
    await f.reviewer.approvals.decideMany.mutate({ items: [a2, a3].map((a) => ({ approvalId: a.approvalId, decision: 'approve' as const, paramsHash: a.paramsHash })) });
    expect(resultText(await second)).toBe('wrote c2: two');
    expect(resultText(await third)).toBe('wrote c3: three');
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
});
