/**
 * Calls over the live socket (docs/socket-rpc.md): the agent's path through the same
 * pipeline as HTTP, with the socket's key; bad messages get typed errors, never a crash.
 */
import { evictDurableObject, runInDurableObject } from 'cloudflare:test';
import { SOCKET_CALL_BYTES, SOCKET_IN_FLIGHT, SOCKET_OPS, type LiveResult } from '@greenlight/core';
import { appRouter } from '../src/router.ts';
import { schemasOf } from '../src/workspace/socket-calls.ts';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { stubOf } from './deadlines.ts';
import { team, threeStepPlan } from './harness.ts';
import { openCallSocket } from './socket.ts';

const valueOf = (r: LiveResult): unknown => {
  if (!r.ok) throw new Error(`expected a value, got ${r.error.code}: ${r.error.message}`);
  return r.value;
};

describe('socket calls', () => {
  it('carries an agent cycle: plan, decide, claim, heartbeat, complete, as the keys that opened the sockets', async () => {
    const t = await team();
    const agent = await openCallSocket(t.agent);
    const reviewer = await openCallSocket(t.approver);
    const task = valueOf(await agent.call('tasks.plan', { title: 'one step', steps: [{ key: 'x', kind: 'run_command', title: 'x', params: { command: 'true' } }] })) as {
      id: string;
      steps: { id: string; status: string }[];
    };
    expect(task.steps[0]!.status).toBe('awaiting_approval');
    const inbox = valueOf(await reviewer.call('approvals.list', { taskId: task.id })) as { items: { approvalId: string; paramsHash: string }[] };
    const a = inbox.items[0]!;
    valueOf(await reviewer.call('approvals.decide', { approvalId: a.approvalId, decision: 'approve', paramsHash: a.paramsHash }));
    const claimed = valueOf(await agent.call('steps.claim', { taskId: task.id })) as { steps: { stepId: string; leaseId: string }[] };
    const step = claimed.steps[0]!;
    valueOf(await agent.call('steps.heartbeat', { stepId: step.stepId, leaseId: step.leaseId }));
    const report = valueOf(await agent.call('steps.complete', { stepId: step.stepId, leaseId: step.leaseId, output: { ok: true } })) as { taskStatus: string };
    expect(report.taskStatus).toBe('completed');
    // The audit log names who did what: the sockets' keys, as over HTTP.
    const log = await t.admin.events.list.query({ taskId: task.id, limit: 50 });
    const actors = Object.fromEntries(log.items.map((e) => [e.type, e.actor]));
    expect(actors['task.planned']).toBe('agent-1');
    expect(actors['step.completed']).toBe('agent-1');
    expect(log.items.some((e) => e.actor === 'alice')).toBe(true);
    agent.ws.close();
    reviewer.ws.close();
  });

  it('checks the role of the key behind the socket: a viewer cannot plan, an agent cannot decide', async () => {
    const t = await team();
    const viewer = await openCallSocket(t.viewer);
    const r = await viewer.call('tasks.plan', threeStepPlan());
    expect(r.ok === false && r.error.code).toBe('FORBIDDEN');
    const agent = await openCallSocket(t.agent);
    const d = await agent.call('approvals.decide', { approvalId: 'nope', decision: 'approve', paramsHash: 'a'.repeat(64) });
    expect(d.ok === false && d.error.code).toBe('FORBIDDEN');
    viewer.ws.close();
    agent.ws.close();
  });

  it('replays a repeated idempotency key, across the socket and HTTP, and applies the call once', async () => {
    const t = await team();
    const agent = await openCallSocket(t.agent);
    const input = { ...threeStepPlan(), idempotencyKey: 'once-only' };
    const first = valueOf(await agent.call('tasks.plan', input)) as { id: string };
    const again = valueOf(await agent.call('tasks.plan', input)) as { id: string };
    const overHttp = await t.agent.tasks.plan.mutate(input);
    expect(again.id).toBe(first.id);
    expect(overHttp.id).toBe(first.id);
    const planned = (await t.admin.events.list.query({ limit: 200 })).items.filter((e) => e.type === 'task.planned');
    expect(planned).toHaveLength(1);
    agent.ws.close();
  });

  it('a keyed call whose socket closes before its answer, resent over HTTP at once with its key, is applied once', async () => {
    const t = await team();
    for (let i = 0; i < 5; i++) {
      const agent = await openCallSocket(t.agent);
      const input = { ...threeStepPlan(), title: `dropped ${i}`, idempotencyKey: `drop-${i}` };
      // Sent, then the socket closed from this side before any answer; the resend races the socket call.
      agent.ws.send(JSON.stringify({ type: 'call', id: 'lost', op: 'tasks.plan', input }));
      agent.ws.close(4003, 'test: drop mid-call');
      const resent = await t.agent.tasks.plan.mutate(input);
      expect(resent.title).toBe(`dropped ${i}`);
    }
    const planned = (await t.admin.events.list.query({ limit: 200 })).items.filter((e) => e.type === 'task.planned');
    expect(planned).toHaveLength(5);
    const titles = (await t.admin.tasks.list.query({ limit: 50 })).items.map((x) => x.title);
    for (let i = 0; i < 5; i++) expect(titles.filter((x) => x === `dropped ${i}`)).toHaveLength(1);
  });

  it('the same keyed call over the socket and over HTTP at the same moment is applied once, and both get its answer', async () => {
    const t = await team();
    const agent = await openCallSocket(t.agent);
    const input = { ...threeStepPlan(), idempotencyKey: 'both-ways' };
    const [viaSocket, viaHttp] = await Promise.all([agent.call('tasks.plan', input), t.agent.tasks.plan.mutate(input)]);
    expect((valueOf(viaSocket) as { id: string }).id).toBe(viaHttp.id);
    expect((await t.admin.events.list.query({ limit: 200 })).items.filter((e) => e.type === 'task.planned')).toHaveLength(1);
    agent.ws.close();
  });

  it('fails the calls of a revoked key UNAUTHORIZED and closes its socket with a reason', async () => {
    const t = await team();
    const agent = await openCallSocket(t.agent);
    const keys = await t.admin.keys.list.query();
    const agentKey = keys.items.find((k) => k.principal === 'agent-1')!;
    await t.admin.keys.revoke.mutate({ id: agentKey.id });
    const closed = await agent.closed;
    expect(closed.code).toBe(4001);
    expect(closed.reason).toBe('key revoked');
  });

  it('answers UNAUTHORIZED, then closes, when the key was revoked under a socket that missed the close', async () => {
    const t = await team();
    const agent = await openCallSocket(t.agent);
    const keys = await t.admin.keys.list.query();
    const agentKey = keys.items.find((k) => k.principal === 'agent-1')!;
    // Revoke in storage only, as if the close had been lost: the next call must still be refused.
    await runInDurableObject(stubOf(t.id), (_o, state) => {
      state.storage.sql.exec(`UPDATE keys SET revoked_at = ? WHERE id = ?`, Date.now(), agentKey.id);
    });
    await evictDurableObject(stubOf(t.id));
    const r = await agent.call('tasks.list', {});
    expect(r.ok === false && r.error).toMatchObject({ code: 'UNAUTHORIZED', message: 'unknown or revoked key' });
    expect((await agent.closed).code).toBe(4001);
  });

  it('still answers calls after its object is evicted (hibernation): the key comes from the attachment', async () => {
    const t = await team();
    const agent = await openCallSocket(t.agent);
    const task = valueOf(await agent.call('tasks.plan', threeStepPlan())) as { id: string };
    await evictDurableObject(stubOf(t.id));
    const got = valueOf(await agent.call('tasks.get', { taskId: task.id })) as { id: string };
    expect(got.id).toBe(task.id);
    await evictDurableObject(stubOf(t.id));
    const cancelled = valueOf(await agent.call('tasks.cancel', { taskId: task.id, reason: 'after eviction' })) as { status: string };
    expect(cancelled.status).toBe('cancelled');
    expect(agent.ws.readyState).toBe(WebSocket.OPEN);
    agent.ws.close();
  });

  it('a call socket (events=none) gets no events; an event socket still gets both events and results', async () => {
    const t = await team();
    const quiet = await openCallSocket(t.agent);
    const loud = await openCallSocket(t.viewer, {});
    await t.agent.plan(threeStepPlan());
    await loud.next((m) => m.type === 'event' && m.event.type === 'task.planned');
    const r = await loud.call('tasks.list', {});
    expect(r.ok).toBe(true);
    expect(valueOf(await quiet.call('tasks.list', {}))).toMatchObject({ items: [expect.anything()] });
    expect(quiet.received.filter((m) => m.type === 'event')).toEqual([]);
    quiet.ws.close();
    loud.ws.close();
  });

  it('a call socket with events=live catches up on nothing, then is pushed each new event with its results', async () => {
    const t = await team();
    const before = await t.agent.plan(threeStepPlan());
    const live = await openCallSocket(t.agent, { events: 'live', after: '0' });
    await live.next((m) => m.type === 'ready');
    const after = await t.agent.plan(threeStepPlan());
    await live.next((m) => m.type === 'event' && m.event.type === 'task.planned');
    expect(valueOf(await live.call('tasks.get', { taskId: before.id }))).toMatchObject({ id: before.id });
    const events = live.received.flatMap((m) => (m.type === 'event' ? [m.event] : []));
    expect(events.every((e) => e.taskId === after.id)).toBe(true);
    live.ws.close();
  });
});

describe('socket calls: the op table', () => {
  it('every op is a workspace procedure of the router, with its zod schemas, of the kind SOCKET_OPS says', () => {
    for (const [op, kind] of Object.entries(SOCKET_OPS)) {
      const proc: unknown = appRouter._def.procedures[op as keyof typeof appRouter._def.procedures];
      const def = (typeof proc === 'function' ? Reflect.get(proc, '_def') : undefined) as { type: string; meta?: { credential?: string } } | undefined;
      expect(def, op).toBeDefined();
      expect(def!.type, op).toBe(kind === 'read' ? 'query' : 'mutation');
      expect(def!.meta?.credential, op).toBe('workspace');
      const { input } = schemasOf(op as keyof typeof SOCKET_OPS);
      // A keyed op can be resent safely only if its input takes an idempotency key; a `once` op has none to take.
      const takesKey = input instanceof z.ZodObject && 'idempotencyKey' in input.shape;
      if (kind !== 'read') expect(takesKey, op).toBe(kind === 'keyed');
    }
  });
});

describe('socket calls: bad messages', () => {
  it('answers each bad message with a typed error and keeps the socket open', async () => {
    const t = await team();
    const s = await openCallSocket(t.agent);
    const errors = () => s.received.filter((m) => m.type === 'error');
    s.ws.send('not json');
    await s.next((m) => m.type === 'error' && m.message.startsWith('not JSON'));
    s.ws.send(new Uint8Array([1, 2, 3]));
    await s.next((m) => m.type === 'error' && m.message.startsWith('binary'));
    s.ws.send(JSON.stringify({ type: 'subscribe' }));
    await s.next((m) => m.type === 'error' && m.message.startsWith('not a call'));
    expect(errors().every((m) => m.type === 'error' && m.code === 'BAD_MESSAGE')).toBe(true);

    for (const op of ['constructor', '__proto__', 'toString']) {
      const r = await s.call(op, {});
      expect(r.ok === false && r.error).toEqual({ code: 'NOT_FOUND', message: `No procedure found on path "${op}"` });
    }
    // Deep nesting is a client's mistake like any other, never a crash.
    const deep = await s.call('tasks.plan', JSON.parse('['.repeat(50_000) + ']'.repeat(50_000)));
    expect(deep.ok === false && deep.error.code).toBe('BAD_REQUEST');
    const unknown = await s.call('tasks.nope', {});
    expect(unknown.ok === false && unknown.error).toEqual({ code: 'NOT_FOUND', message: 'No procedure found on path "tasks.nope"' });
    const httpOnly = await s.call('keys.create', { principal: 'x', role: 'agent' });
    expect(httpOnly.ok === false && httpOnly.error).toMatchObject({ code: 'NOT_FOUND', reason: 'http_only' });
    const wrong = await s.call('tasks.plan', { title: 7, steps: 'no' });
    expect(wrong.ok === false && wrong.error.code).toBe('BAD_REQUEST');
    expect(wrong.ok === false && wrong.error.issues?.map((i) => i.path.join('.'))).toEqual(['title', 'steps']);
    // A call whose own fields are wrong, but whose id can be read, is answered on that id.
    s.ws.send(JSON.stringify({ type: 'call', id: 'bad-op', op: 42 }));
    const badOp = await s.next((m) => m.type === 'result' && m.id === 'bad-op');
    expect(badOp.type === 'result' && !badOp.ok && badOp.error.code).toBe('BAD_REQUEST');
    const lone = await s.call('tasks.get', { taskId: 'a\ud800' });
    expect(lone.ok === false && lone.error.message).toBe('invalid input: a string is not well-formed UTF-16 (lone surrogate)');

    // Over the size bound: refused on its id, before it is parsed.
    const big = JSON.stringify({ type: 'call', id: 'big', op: 'tasks.plan', input: { title: 'x'.repeat(SOCKET_CALL_BYTES) } });
    s.ws.send(big);
    const tooBig = await s.next((m) => m.type === 'result' && m.id === 'big');
    expect(tooBig.type === 'result' && !tooBig.ok && tooBig.error.code).toBe('PAYLOAD_TOO_LARGE');

    // Still open, still answering.
    expect(s.ws.readyState).toBe(WebSocket.OPEN);
    expect((await s.call('tasks.list', {})).ok).toBe(true);
    s.ws.close();
  });

  it(`bounds the calls in flight on one socket at ${SOCKET_IN_FLIGHT}: the rest are refused at once, every call answered once`, async () => {
    const t = await team();
    const s = await openCallSocket(t.agent);
    const n = SOCKET_IN_FLIGHT + 20;
    const results = await Promise.all(Array.from({ length: n }, () => s.call('tasks.list', {})));
    const refused = results.filter((r) => !r.ok);
    for (const r of refused) expect(r.ok === false && r.error).toMatchObject({ code: 'TOO_MANY_REQUESTS', reason: 'in_flight' });
    expect(results.filter((r) => r.ok).length).toBeGreaterThanOrEqual(SOCKET_IN_FLIGHT);
    expect(s.received.filter((m) => m.type === 'result')).toHaveLength(n);
    s.ws.close();
  });
});
