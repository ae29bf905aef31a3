/**
 * `greenlight mcp proxy` end to end, when things go wrong: the task cancelled from the
 * review side, a client that disconnects or cancels while a call is held, no decision in
 * time, a deny on an untrusted hint, Greenlight unreachable, an upstream crash, and a
 * streamable-HTTP upstream behind --url.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { GreenlightError } from '@greenlight/sdk';
import { resultText, until } from '../support/mcp-gateway.ts';
import { mcpProxyFile } from './mcp-proxy-setup.ts';

const f = mcpProxyFile('mcp-proxy-failures');
const { gateway, approvalFor, decide, step } = f;

describe('greenlight mcp proxy when things go wrong', () => {
  it('cancelling the task from the review side fails the held call', async () => {
    const g = await gateway();
    const pending = g.client.callTool({ name: 'delete_note', arguments: { name: 'k' } });
    const a = await approvalFor('delete_note', { name: 'k' });
    await f.reviewer.tasks.cancel.mutate({ taskId: a.taskId, reason: 'wrong session' });
    const r = await pending;
    expect(r.isError).toBe(true);
    expect(resultText(r)).toMatch(/cancelled by reviewer: wrong session/);
    // The session stays cancelled: a later call is refused with the reason, and not run.
    const later = await g.client.callTool({ name: 'read_note', arguments: { name: 'hello' } });
    expect(later.isError).toBe(true);
    expect(resultText(later)).toMatch(/was cancelled by reviewer: wrong session; restart the gateway/);
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
    expect(resultText(await g.client.callTool({ name: 'read_note', arguments: { name: 'hello' } }))).toBe('hello world');
    expect(g.calls().map((c) => c.tool)).toEqual(['read_note']);
  });

  it("no decision in time: the rule's default applies (approve forwards the call, reject is a tool error)", async () => {
    const yes = await gateway('slow-yes');
    const no = await gateway('slow-no');
    const [approved, rejected] = await Promise.all([
      yes.client.callTool({ name: 'delete_note', arguments: { name: 'hello' } }),
      no.client.callTool({ name: 'delete_note', arguments: { name: 'hello' } }),
    ]);
    expect(resultText(approved)).toBe('deleted hello');
    expect(yes.calls().map((c) => c.tool)).toEqual(['delete_note']);
    expect(rejected.isError).toBe(true);
    expect(resultText(rejected)).toMatch(/rejected by the approval timeout/);
    expect(no.calls()).toEqual([]);
  });

  it('a deny rule on an untrusted hint refuses at once; the session still closes cleanly', async () => {
    const g = await gateway('guarded');
    const r = await g.client.callTool({ name: 'delete_note', arguments: { name: 'hello' } });
    expect(r.isError).toBe(true);
    expect(resultText(r)).toMatch(/rejected by policy rule no-deletes: deletes go through the backup tool/);
    // The same server's read-only tool is not destructive: no rule trusts it, so copilot asks (and nothing ran meanwhile).
    expect(g.calls()).toEqual([]);
    const taskId = await g.taskId();
    await g.client.close();
    await g.exited;
    const task = await f.reviewer.tasks.get.query({ taskId });
    expect(task.open).toBeUndefined();
    expect(task.status).toBe('failed');
  });

  it('fails closed: with Greenlight unreachable, a call is a tool error and the upstream is never called', async () => {
    const g = await gateway('notes', undefined, 'http://127.0.0.1:9');
    const r = await g.client.callTool({ name: 'read_note', arguments: { name: 'hello' } });
    expect(r.isError).toBe(true);
    expect(resultText(r)).toMatch(/Greenlight could not record this call \(NETWORK_ERROR/);
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
      expect(resultText(await pending)).toBe('deployed to staging');
      expect(received).toEqual(['staging']);
    } finally {
      http.closeAllConnections();
      await new Promise((r) => http.close(r));
    }
  });
});
