/**
 * The gateway's session ledger against a live server, step by step: claims of the shared
 * session task go to the call that waits for each step, a step whose call was given up is
 * never handed to anyone, and the session's end closes or cancels the task.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type GreenlightClient, type Step, type StepInput } from '@greenlight/sdk';
import { sessionLedger } from '../../packages/cli/src/mcp/session.ts';
import type { Ledger } from '../../packages/cli/src/mcp/ledger.ts';
import { createWorkspace, startTestServer, type TestServer } from '../support/live-server.ts';

let server: TestServer;
let agent: GreenlightClient;
let reviewer: GreenlightClient;
let n = 0;

const input = (name: string): StepInput => ({
  key: `call-${++n}`,
  kind: 'custom',
  title: name,
  params: { tool: 'mcp__s__write', input: { name } },
  dependsOn: [],
});

function ledger(): { ledger: Ledger; stop: AbortController } {
  const stop = new AbortController();
  const l = sessionLedger({ client: agent, cleanup: agent, server: 's', session: `test:${++n}`, stop: stop.signal, reviewUrl: (t) => t, log: () => {} });
  return { ledger: l, stop };
}

async function approve(...steps: Step[]): Promise<Step[]> {
  const out: Step[] = [];
  for (const s of steps) {
    const r = await reviewer.approvals.decide.mutate({ approvalId: s.approval!.id, decision: 'approve', paramsHash: s.paramsHash });
    out.push(r.step);
  }
  return out;
}

beforeAll(async () => {
  server = await startTestServer();
  const keys = await createWorkspace(server, 'mcp-ledger', { agent: 'agent', reviewer: 'approver' });
  agent = createClient({ url: server.url, key: keys.agent });
  reviewer = createClient({ url: server.url, key: keys.reviewer });
});

afterAll(() => server?.stop());

describe('the MCP gateway session ledger', () => {
  it('concurrent first calls share one session task', async () => {
    const { ledger: l } = ledger();
    const steps = await Promise.all([l.propose(input('a')), l.propose(input('b')), l.propose(input('c'))]);
    expect(new Set(steps.map((s) => s.taskId)).size).toBe(1);
    expect((await reviewer.tasks.get.query({ taskId: steps[0]!.taskId })).steps).toHaveLength(3);
  });

  it("each call's claim takes only its own step, whichever order the calls claim in", async () => {
    const { ledger: l } = ledger();
    const a = await l.propose(input('a'));
    const b = await l.propose(input('b'));
    const [da, db] = await approve(a, b);
    // b claims first: it must get b, and a's step must still be there for a.
    const cb = await l.claim(db!, 60);
    const ca = await l.claim(da!, 60);
    expect(cb?.stepId).toBe(b.id);
    expect(ca?.stepId).toBe(a.id);
    expect(cb?.params.input).toEqual({ name: 'b' });
    expect((await reviewer.steps.get.query({ stepId: a.id })).status).toBe('executing');
  });

  it('a step whose call was given up is failed when approved later, never handed out', async () => {
    const { ledger: l } = ledger();
    const gone = await l.propose(input('gone'));
    await l.abandon(gone, 'the client went away');
    await approve(gone);
    const failed = await waitFor(async () => {
      const s = await reviewer.steps.get.query({ stepId: gone.id });
      return s.status === 'failed' ? s : undefined;
    });
    expect(failed.result?.error).toMatchObject({ code: 'abandoned' });
    const next = await l.propose(input('next'));
    const [dn] = await approve(next);
    expect((await l.claim(dn!, 60))?.stepId).toBe(next.id);
  });

  it('the end of a session closes its task, or cancels it when a call was still held', async () => {
    const quiet = ledger();
    const done = await quiet.ledger.propose(input('done'));
    const [dd] = await approve(done);
    const claimed = await quiet.ledger.claim(dd!, 60);
    await agent.steps.complete.mutate({ stepId: claimed!.stepId, leaseId: claimed!.leaseId, output: {} });
    await quiet.ledger.close('bye');
    expect(await reviewer.tasks.get.query({ taskId: done.taskId })).toMatchObject({ status: 'completed', closed: { reason: 'closed' } });

    const busy = ledger();
    const held = await busy.ledger.propose(input('held'));
    busy.stop.abort();
    await busy.ledger.close('the client went away');
    expect((await reviewer.steps.get.query({ stepId: held.id })).status).toBe('cancelled');
    expect((await reviewer.tasks.get.query({ taskId: held.taskId })).status).toBe('cancelled');
  });
});

async function waitFor<T>(probe: () => Promise<T | undefined>, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const v = await probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('timed out');
}
