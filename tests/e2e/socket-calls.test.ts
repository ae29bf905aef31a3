/**
 * The SDK's calls over the live socket against a real `wrangler dev` (docs/socket-rpc.md):
 * an agent cycle with no per-call HTTP, a socket that drops with a call in flight (the
 * call is answered once or fails with a clear code, never applied twice, as the audit
 * log shows), the fall-back to HTTP, and errors that read the same either way.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, GreenlightError, type ClientOptions, type Event, type GreenlightClient } from '@greenlight/sdk';
import { createWorkspace, startTestServer, type TestServer } from '../support/live-server.ts';

let server: TestServer;
let keys: { admin: string; agent: string; reviewer: string };

beforeAll(async () => {
  server = await startTestServer();
  keys = await createWorkspace(server, 'sock', { agent: 'agent', reviewer: 'approver' });
});

afterAll(() => server?.stop());

/** A fetch that counts the HTTP requests a client makes, by procedure path. */
function countingFetch(): { fetch: typeof fetch; paths: string[] } {
  const paths: string[] = [];
  return {
    paths,
    fetch: (input, init) => {
      paths.push(new URL(input instanceof Request ? input.url : String(input)).pathname.replace('/trpc/', ''));
      return fetch(input, init);
    },
  };
}

const oneStep = (title: string) => ({ title, steps: [{ key: 'x', kind: 'run_command' as const, title: 'x', params: { command: 'true' } }] });

async function approveAll(reviewer: GreenlightClient, taskId: string): Promise<void> {
  for (const a of (await reviewer.approvals.list.query({ taskId })).items) await reviewer.approvals.decide.mutate({ approvalId: a.approvalId, decision: 'approve', paramsHash: a.paramsHash });
}

async function eventsOf(taskId: string): Promise<Event[]> {
  const admin = createClient({ url: server.url, key: keys.admin, transport: 'http' });
  return (await admin.events.list.query({ taskId, limit: 200 })).items;
}

/**
 * A WebSocket that drops (closes from this side) right after it sends a call of `op`: the
 * server may or may not have read it, the client cannot know; the SDK must settle it once.
 */
function droppingOn(op: string): { WebSocket: typeof WebSocket; dropped: () => number } {
  let dropped = 0;
  class Dropping extends WebSocket {
    override send(data: Parameters<WebSocket['send']>[0]): void {
      super.send(data);
      if (typeof data === 'string' && data.includes(`"op":"${op}"`)) {
        dropped++;
        this.close(4003, 'test: drop mid-call');
      }
    }
  }
  return { WebSocket: Dropping, dropped: () => dropped };
}

describe('SDK calls over the socket', () => {
  it('runs an agent cycle over one socket per client: after the ticket, no HTTP request', async () => {
    const a = countingFetch();
    const r = countingFetch();
    const agent = createClient({ url: server.url, key: keys.agent, fetch: a.fetch });
    const reviewer = createClient({ url: server.url, key: keys.reviewer, fetch: r.fetch });
    expect(await agent.connect()).toBe(true);
    expect(await reviewer.connect()).toBe(true);
    try {
      const task = await agent.plan(oneStep('over the socket'));
      await approveAll(reviewer, task.id);
      const [step] = (await agent.steps.claim.mutate({ taskId: task.id })).steps;
      expect((await agent.steps.heartbeat.mutate({ stepId: step!.stepId, leaseId: step!.leaseId })).cancelled).toBe(false);
      const report = await agent.steps.complete.mutate({ stepId: step!.stepId, leaseId: step!.leaseId, output: { ok: 1 } });
      expect(report.taskStatus).toBe('completed');
      expect(a.paths).toEqual(['events.ticket']);
      expect(r.paths).toEqual(['events.ticket']);
      // Procedures the socket does not carry still work, over HTTP.
      await agent.keys.list.query().catch(() => undefined);
      expect(a.paths).toEqual(['events.ticket', 'keys.list']);
    } finally {
      agent.disconnect();
      reviewer.disconnect();
    }
  });

  it('run() executes approved steps over its socket', async () => {
    const a = countingFetch();
    const sent: string[] = [];
    class Counting extends WebSocket {
      override send(data: Parameters<WebSocket['send']>[0]): void {
        if (typeof data === 'string' && data.startsWith('{')) sent.push((JSON.parse(data) as { op: string }).op);
        super.send(data);
      }
    }
    const agent = createClient({ url: server.url, key: keys.agent, fetch: a.fetch, WebSocket: Counting });
    const reviewer = createClient({ url: server.url, key: keys.reviewer, transport: 'http' });
    const task = await agent.plan(oneStep('run over the socket'));
    await approveAll(reviewer, task.id);
    const done = await agent.run(task.id, { run_command: async () => ({ output: { ran: true } }) });
    expect(done.status).toBe('completed');
    expect(sent).toContain('steps.complete');
    expect(a.paths).not.toContain('steps.complete');
  });

  it('a keyed call in flight when the socket drops is resent over HTTP with its key: answered once, applied once', async () => {
    for (const transport of ['auto', 'socket'] as const) {
      const drop = droppingOn('tasks.plan');
      const agent = createClient({ url: server.url, key: keys.agent, WebSocket: drop.WebSocket, transport });
      if (transport === 'auto') expect(await agent.connect()).toBe(true);
      const title = `dropped mid-plan (${transport})`;
      const task = await agent.plan(oneStep(title));
      expect(drop.dropped()).toBe(1);
      expect(task.title).toBe(title);
      const planned = (await createClient({ url: server.url, key: keys.admin, transport: 'http' }).tasks.list.query({ limit: 200 })).items.filter((t) => t.title === title);
      expect(planned.map((t) => t.id)).toEqual([task.id]);
      expect((await eventsOf(task.id)).filter((e) => e.type === 'task.planned')).toHaveLength(1);
      agent.disconnect();
    }
  });

  it('a complete in flight when the socket drops is applied once; a claim fails NETWORK_ERROR (socket_closed) and is not sent again', async () => {
    const reviewer = createClient({ url: server.url, key: keys.reviewer, transport: 'http' });
    const setup = createClient({ url: server.url, key: keys.agent, transport: 'http' });
    const task = await setup.plan(oneStep('dropped mid-complete'));
    await approveAll(reviewer, task.id);

    const dropClaim = droppingOn('steps.claim');
    const claimer = createClient({ url: server.url, key: keys.agent, WebSocket: dropClaim.WebSocket });
    expect(await claimer.connect()).toBe(true);
    const err = await claimer.steps.claim.mutate({ taskId: task.id }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GreenlightError);
    expect((err as GreenlightError).code).toBe('NETWORK_ERROR');
    expect((err as GreenlightError).reason).toBe('socket_closed');
    claimer.disconnect();
    // The claim was sent once: at most one step.claimed, never two.
    expect((await eventsOf(task.id)).filter((e) => e.type === 'step.claimed').length).toBeLessThanOrEqual(1);

    // A second task: its step claimed over HTTP, its complete dropped mid-call.
    const next = await setup.plan(oneStep('dropped mid-complete, 2'));
    await approveAll(reviewer, next.id);
    const [claimed] = (await setup.steps.claim.mutate({ taskId: next.id })).steps;
    const dropComplete = droppingOn('steps.complete');
    const agent = createClient({ url: server.url, key: keys.agent, WebSocket: dropComplete.WebSocket });
    expect(await agent.connect()).toBe(true);
    const report = await agent.steps.complete.mutate({ stepId: claimed!.stepId, leaseId: claimed!.leaseId, output: { once: true } });
    expect(dropComplete.dropped()).toBe(1);
    expect(report.stepStatus).toBe('completed');
    expect((await eventsOf(next.id)).filter((e) => e.type === 'step.completed')).toHaveLength(1);
    agent.disconnect();
  });

  it('falls back to HTTP when no socket can open, and never opens one with transport http', async () => {
    class Refused extends WebSocket {
      constructor(url: string | URL) {
        super(url.toString().replace(/\/\/[^/]+/, '//127.0.0.1:9'));
      }
    }
    const opts: ClientOptions = { url: server.url, key: keys.agent, WebSocket: Refused, transport: 'socket' };
    const a = countingFetch();
    const agent = createClient({ ...opts, fetch: a.fetch });
    const task = await agent.plan(oneStep('fallback'));
    expect((await agent.tasks.get.query({ taskId: task.id })).id).toBe(task.id);
    expect(a.paths).toContain('tasks.plan');
    expect(a.paths).toContain('tasks.get');

    const h = countingFetch();
    const plain = createClient({ url: server.url, key: keys.agent, transport: 'http', fetch: h.fetch });
    expect(await plain.connect()).toBe(false);
    await plain.tasks.get.query({ taskId: task.id });
    expect(h.paths).toEqual(['tasks.get']);
  });

  it('errors read the same over the socket as over HTTP', async () => {
    const viaSocket = createClient({ url: server.url, key: keys.agent });
    const viaHttp = createClient({ url: server.url, key: keys.agent, transport: 'http' });
    expect(await viaSocket.connect()).toBe(true);
    const shape = (e: unknown) => {
      const g = e as GreenlightError;
      return { name: g.name, code: g.code, message: g.message, issues: g.issues, reason: g.reason, httpStatus: g.httpStatus, path: g.path };
    };
    const cases: ((c: GreenlightClient) => Promise<unknown>)[] = [
      (c) => c.plan({ title: '', steps: [] }),
      (c) => c.approvals.decide.mutate({ approvalId: 'nope', decision: 'approve', paramsHash: 'a'.repeat(64) }),
      (c) => c.tasks.get.query({ taskId: '01ARZ3NDEKTSV4RRFFQ69G5FAV' }),
      (c) => c.steps.heartbeat.mutate({ stepId: '01ARZ3NDEKTSV4RRFFQ69G5FAV', leaseId: 'x' }),
    ];
    try {
      for (const run of cases) expect(shape(await run(viaSocket).catch((e: unknown) => e))).toEqual(shape(await run(viaHttp).catch((e: unknown) => e)));
    } finally {
      viaSocket.disconnect();
    }
  });
});
