/**
 * waitForDecision over the held call socket (docs/socket-rpc.md) against a real
 * `wrangler dev`: with connect(), a wait makes no HTTP request and opens no second socket;
 * it still sees a decision made before it started, ignores an earlier round, rejects a
 * revise as CONFLICT `superseded`, times out and aborts as documented, and when the
 * socket drops mid-wait it resolves once, with the right outcome, on its own stream.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type GreenlightClient, type GreenlightError, type TaskView } from '@greenlight/sdk';
import { createWorkspace, startTestServer, type TestServer } from '../support/live-server.ts';

let server: TestServer;
let keys: { agent: string; reviewer: string };
let reviewer: GreenlightClient;

beforeAll(async () => {
  server = await startTestServer();
  keys = await createWorkspace(server, 'sockwait', { agent: 'agent', reviewer: 'approver' });
  reviewer = createClient({ url: server.url, key: keys.reviewer, transport: 'http' });
});

afterAll(() => server?.stop());

type Held = { agent: GreenlightClient; paths: string[]; sockets: WebSocket[]; sent: string[] };

/** A connected agent whose HTTP requests (by path), WebSocket constructions and socket messages sent are counted. */
async function heldAgent(): Promise<Held> {
  const paths: string[] = [];
  const sockets: WebSocket[] = [];
  const sent: string[] = [];
  class Counted extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols);
      sockets.push(this);
    }
    override send(data: Parameters<WebSocket['send']>[0]): void {
      if (typeof data === 'string') sent.push(data);
      super.send(data);
    }
  }
  const fetchCounted: typeof fetch = (input, init) => {
    paths.push(new URL(input instanceof Request ? input.url : String(input)).pathname.replace('/trpc/', ''));
    return fetch(input, init);
  };
  const agent = createClient({ url: server.url, key: keys.agent, fetch: fetchCounted, WebSocket: Counted });
  expect(await agent.connect()).toBe(true);
  expect(paths).toEqual(['events.ticket']);
  expect(sockets).toHaveLength(1);
  return { agent, paths, sockets, sent };
}

const oneStep = (title: string) => ({ title, steps: [{ key: 'x', kind: 'run_command' as const, title: 'x', params: { command: 'true' } }] });
const open = (task: TaskView) => {
  const step = task.steps[0]!;
  return { step, approvalId: step.approval!.id, paramsHash: step.paramsHash };
};

const rejection = (p: Promise<unknown>) =>
  p.then(
    () => new Error('resolved, expected a rejection'),
    (e: unknown) => e as GreenlightError,
  );

/** Resolves once the agent has sent an `op` call and its answer has come back (the wait is then listening live). */
async function answered(h: Held, op: string): Promise<void> {
  for (let i = 0; i < 500 && !h.sent.some((m) => m.includes(`"op":"${op}"`)); i++) await new Promise((r) => setTimeout(r, 5));
  // The socket answers in order: a steps.list sent now comes back after the earlier call's answer.
  await h.agent.steps.list.query({ taskId: 'none-such' }).catch(() => undefined);
}

describe('waitForDecision over the held call socket', () => {
  it('is answered over the socket: no HTTP request, no second socket', async () => {
    const h = await heldAgent();
    try {
      const task = await h.agent.plan(oneStep('held wait'));
      const { step, approvalId, paramsHash } = open(task);
      const waiting = ((h.sent.length = 0), h.agent).waitForDecision(step.id, { timeoutMs: 20_000 });
      await answered(h, 'events.list');
      await reviewer.approvals.decide.mutate({ approvalId, decision: 'approve', paramsHash });
      expect(await waiting).toMatchObject({ status: 'approved', approvalId, revision: 1 });
      expect(h.paths).toEqual(['events.ticket']);
      expect(h.sockets).toHaveLength(1);
    } finally {
      h.agent.disconnect();
    }
  });

  it('sees a decision made before the wait started, over the socket', async () => {
    const h = await heldAgent();
    try {
      const task = await h.agent.plan(oneStep('decided before'));
      const { step, approvalId, paramsHash } = open(task);
      await reviewer.approvals.decide.mutate({ approvalId, decision: 'approve', paramsHash });
      expect(await ((h.sent.length = 0), h.agent).waitForDecision(step.id, { approvalId, timeoutMs: 20_000 })).toMatchObject({ status: 'approved', approvalId });
      expect(h.paths).toEqual(['events.ticket']);
      expect(h.sockets).toHaveLength(1);
    } finally {
      h.agent.disconnect();
    }
  });

  it("an earlier round's decision does not answer; a revise mid-wait is CONFLICT superseded", async () => {
    const h = await heldAgent();
    try {
      let task = await h.agent.plan(oneStep('rounds'));
      const first = open(task);
      await reviewer.approvals.decide.mutate({ approvalId: first.approvalId, decision: 'request_changes', paramsHash: first.paramsHash, feedback: 'again' });
      task = await h.agent.tasks.revise.mutate({ taskId: task.id, stepId: first.step.id, params: { command: 'echo again' } });
      const second = open(task);
      expect(second.approvalId).not.toBe(first.approvalId);
      // Bound to the second round: the first round's changes_requested is history.
      const waiting = ((h.sent.length = 0), h.agent).waitForDecision(first.step.id, { timeoutMs: 20_000 });
      await answered(h, 'events.list');
      await reviewer.approvals.decide.mutate({ approvalId: second.approvalId, decision: 'approve', paramsHash: second.paramsHash });
      expect(await waiting).toMatchObject({ status: 'approved', approvalId: second.approvalId, revision: 2 });
      // The first round, named: its own decision.
      expect(await ((h.sent.length = 0), h.agent).waitForDecision(first.step.id, { approvalId: first.approvalId })).toMatchObject({ status: 'changes_requested', revision: 1 });

      const t2 = await h.agent.plan(oneStep('superseded'));
      const o2 = open(t2);
      const superseded = rejection(((h.sent.length = 0), h.agent).waitForDecision(o2.step.id, { timeoutMs: 20_000 }));
      await answered(h, 'events.list');
      await h.agent.tasks.revise.mutate({ taskId: t2.id, stepId: o2.step.id, params: { command: 'echo other' } });
      expect(await superseded).toMatchObject({ code: 'CONFLICT', reason: 'superseded' });
      expect(h.paths).toEqual(['events.ticket']);
      expect(h.sockets).toHaveLength(1);
    } finally {
      h.agent.disconnect();
    }
  });

  it('times out (TIMEOUT) and aborts (CLIENT_CLOSED_REQUEST) over the socket, which stays open for the next call', async () => {
    const h = await heldAgent();
    try {
      const task = await h.agent.plan(oneStep('no decision'));
      const { step } = open(task);
      expect(await rejection(((h.sent.length = 0), h.agent).waitForDecision(step.id, { timeoutMs: 200 }))).toMatchObject({ code: 'TIMEOUT' });
      const ctrl = new AbortController();
      const aborted = rejection(((h.sent.length = 0), h.agent).waitForDecision(step.id, { signal: ctrl.signal }));
      await answered(h, 'events.list');
      ctrl.abort();
      expect(await aborted).toMatchObject({ code: 'CLIENT_CLOSED_REQUEST' });
      expect((await h.agent.steps.get.query({ stepId: step.id })).status).toBe('awaiting_approval');
      expect(h.paths).toEqual(['events.ticket']);
      expect(h.sockets).toHaveLength(1);
    } finally {
      h.agent.disconnect();
    }
  });

  for (const when of ['before', 'after'] as const) {
    it(`the socket drops mid-wait (${when} the decision): it resolves once, approved, on its own stream`, async () => {
      const h = await heldAgent();
      try {
        const task = await h.agent.plan(oneStep(`drop ${when}`));
        const { step, approvalId, paramsHash } = open(task);
        let settled = 0;
        const waiting = ((h.sent.length = 0), h.agent).waitForDecision(step.id, { timeoutMs: 20_000 }).finally(() => settled++);
        await answered(h, 'events.list');
        if (when === 'before') h.sockets[0]!.close(4003, 'test: drop mid-wait');
        await reviewer.approvals.decide.mutate({ approvalId, decision: 'approve', paramsHash });
        if (when === 'after') h.sockets[0]!.close(4003, 'test: drop mid-wait');
        expect(await waiting).toMatchObject({ status: 'approved', approvalId, revision: 1 });
        expect(settled).toBe(1);
        // Dropped before the decision: the wait went on over a stream of its own (a new ticket).
        if (when === 'before') expect(h.paths.filter((p) => p === 'events.ticket').length).toBeGreaterThanOrEqual(2);
      } finally {
        h.agent.disconnect();
      }
    });
  }

  it('without a held socket, a wait takes its own socket as before', async () => {
    const paths: string[] = [];
    const agent = createClient({
      url: server.url,
      key: keys.agent,
      fetch: (input, init) => (paths.push(new URL(String(input instanceof Request ? input.url : input)).pathname.replace('/trpc/', '')), fetch(input, init)),
    });
    const task = await agent.plan(oneStep('unheld'));
    const { step, approvalId, paramsHash } = open(task);
    await reviewer.approvals.decide.mutate({ approvalId, decision: 'approve', paramsHash });
    // Named, so the wait reads the log (a decided step without a name answers from the step alone).
    expect(await agent.waitForDecision(step.id, { approvalId, timeoutMs: 20_000 })).toMatchObject({ status: 'approved' });
    expect(paths).toContain('events.ticket');
  });
});
