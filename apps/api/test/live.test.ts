/** Live events: hibernating WebSockets on the workspace object, opened with single-use tickets. */
import { env } from 'cloudflare:workers';
import { evictDurableObject } from 'cloudflare:test';
import { LiveMessage, verifyChain, type Event } from '@greenlight/core';
import { describe, expect, it } from 'vitest';
import { BASE, team, threeStepPlan, workerFetch, type Team } from './harness.ts';

type Socket = { ws: WebSocket; messages: LiveMessage[]; next: (pred: (m: LiveMessage) => boolean) => Promise<LiveMessage>; closed: Promise<CloseEvent> };

async function open(t: Team, query: Record<string, string> = {}, who: keyof Team['keys'] = 'viewer'): Promise<Socket> {
  const client = { viewer: t.viewer, agent: t.agent, approver: t.approver, admin: t.admin, agent2: t.agent2, approver2: t.approver2 }[who];
  const { path } = await client.events.ticket.mutate();
  const url = new URL(path, BASE);
  for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
  const res = await workerFetch(url.toString(), { headers: { upgrade: 'websocket' } });
  expect(res.status).toBe(101);
  const ws = (res as Response & { webSocket: WebSocket }).webSocket;
  ws.accept();
  const messages: LiveMessage[] = [];
  const waiters: { pred: (m: LiveMessage) => boolean; resolve: (m: LiveMessage) => void }[] = [];
  ws.addEventListener('message', (e) => {
    if (typeof e.data !== 'string' || e.data === 'pong') return;
    const msg = LiveMessage.parse(JSON.parse(e.data));
    messages.push(msg);
    // oxlint-disable-next-line unicorn/no-useless-spread -- the copy is needed: the loop splices `waiters`.
    for (const w of [...waiters])
      if (w.pred(msg)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(msg);
      }
  });
  const closed = new Promise<CloseEvent>((r) => ws.addEventListener('close', r));
  const next = (pred: (m: LiveMessage) => boolean) => {
    const seen = messages.find(pred);
    return seen ? Promise.resolve(seen) : new Promise<LiveMessage>((resolve) => waiters.push({ pred, resolve }));
  };
  return { ws, messages, next, closed };
}

const events = (s: Socket): Event[] => s.messages.flatMap((m) => (m.type === 'event' ? [m.event] : []));

describe('live events socket', () => {
  it('refuses a missing, forged or reused ticket', async () => {
    const t = await team();
    expect((await workerFetch(`${BASE}/ws`, { headers: { upgrade: 'websocket' } })).status).toBe(401);
    expect((await workerFetch(`${BASE}/ws?ticket=glt_${t.id}_${'x'.repeat(43)}`, { headers: { upgrade: 'websocket' } })).status).toBe(401);
    const { path } = await t.viewer.events.ticket.mutate();
    expect((await workerFetch(`${BASE}${path}`, { headers: { upgrade: 'websocket' } })).status).toBe(101);
    expect((await workerFetch(`${BASE}${path}`, { headers: { upgrade: 'websocket' } })).status).toBe(401);
    // The key itself is never accepted in place of a ticket.
    expect((await workerFetch(`${BASE}/ws?ticket=${t.keys.viewer}`, { headers: { upgrade: 'websocket' } })).status).toBe(401);
  });

  it('catches up from `after`, then streams new events live, with no gap and no duplicate', async () => {
    const t = await team();
    const task = await t.agent.plan(threeStepPlan());
    const sock = await open(t, { after: '0' });
    const ready = await sock.next((m) => m.type === 'ready');
    const backlog = events(sock);
    expect(backlog.length).toBeGreaterThan(0);
    expect(ready.type === 'ready' && ready.lastSeq).toBe(backlog.at(-1)!.seq);

    const [edit] = (await t.approver.approvals.list.query({ taskId: task.id })).items;
    await t.approver.approvals.decide.mutate({ approvalId: edit!.approvalId, decision: 'approve', paramsHash: edit!.paramsHash });
    await sock.next((m) => m.type === 'event' && m.event.type === 'step.approved' && m.event.stepId === edit!.stepId);
    const seqs = events(sock).map((e) => e.seq);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
    // Backlog and live events carry their chain hashes: the stream is the audit chain.
    expect(verifyChain(events(sock))).toMatchObject({ ok: true, count: seqs.length });
    sock.ws.close();
  });

  it('resumes after eviction from the last seq seen, with no gap', async () => {
    const t = await team();
    await t.agent.plan(threeStepPlan());
    const first = await open(t);
    await first.next((m) => m.type === 'ready');
    const lastSeen = events(first).at(-1)!.seq;
    first.ws.close();

    await evictDurableObject(env.WORKSPACE.get(env.WORKSPACE.idFromName(t.id)));
    await t.agent.plan(threeStepPlan()); // events the first socket never saw

    const second = await open(t, { after: String(lastSeen) });
    await second.next((m) => m.type === 'ready');
    const resumed = events(second).map((e) => e.seq);
    expect(resumed[0]).toBe(lastSeen + 1);
    expect(resumed).toEqual(Array.from({ length: resumed.length }, (_, i) => lastSeen + 1 + i));
    second.ws.close();
  });

  it('filters to one task when asked', async () => {
    const t = await team();
    const a = await t.agent.plan(threeStepPlan());
    await t.agent.plan(threeStepPlan());
    const sock = await open(t, { taskId: a.id });
    await sock.next((m) => m.type === 'ready');
    expect(events(sock).length).toBeGreaterThan(0);
    expect(events(sock).every((e) => e.taskId === a.id)).toBe(true);
    sock.ws.close();
  });

  it('answers ping with pong, and a bad message with an error it then ignores', async () => {
    const t = await team();
    const sock = await open(t);
    await sock.next((m) => m.type === 'ready');
    const pong = new Promise<string>((r) => sock.ws.addEventListener('message', (e) => e.data === 'pong' && r(e.data)));
    sock.ws.send('ping');
    expect(await pong).toBe('pong');
    sock.ws.send('{"type":"subscribe","taskId":"someone-elses"}');
    const err = await sock.next((m) => m.type === 'error');
    expect(err.type === 'error' && err.code).toBe('BAD_MESSAGE');
    // Still open and still live.
    await t.agent.plan(threeStepPlan());
    await sock.next((m) => m.type === 'event' && m.event.type === 'task.planned');
    sock.ws.close();
  });

  it('closes the sockets of a key when it is revoked', async () => {
    const t = await team();
    const keys = await t.admin.keys.list.query();
    const viewerKey = keys.items.find((k) => k.principal === 'victor')!;
    const sock = await open(t);
    await sock.next((m) => m.type === 'ready');
    await t.admin.keys.revoke.mutate({ id: viewerKey.id });
    const closed = await sock.closed;
    expect(closed.code).toBe(4001);
  });

  it('tells a client too far behind to page events.list', async () => {
    const t = await team();
    const big = { title: 'many', steps: Array.from({ length: 200 }, (_, i) => ({ key: `s${i}`, kind: 'run_command' as const, title: `s${i}`, params: { command: `echo ${i}` } })) };
    for (let i = 0; i < 5; i++) await t.agent.plan(big);
    const sock = await open(t, { after: '0' });
    const behind = await sock.next((m) => m.type === 'behind');
    expect(behind.type === 'behind' && behind.lastSeq).toBeGreaterThan(1000);
    expect((await sock.closed).code).toBe(4000);
  });
});
