/**
 * waitForDecision against a real `wrangler dev`: a wait is bound to the step revision
 * (the approval) open when it starts, so the decision of an earlier round, before a
 * revise or before a dependency changed, never answers it; a revise during the wait
 * is CONFLICT `superseded`; votes voided on the same revision keep it waiting; and an
 * already-aborted signal ends it at once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, GreenlightError, type GreenlightClient, type TaskView } from '@greenlight/sdk';
import { createWorkspace, startTestServer, type TestServer } from '../support/live-server.ts';
import { startNoWebSocketProxy } from '../support/no-websocket-proxy.ts';

let server: TestServer;
let agent: GreenlightClient;
let reviewer: GreenlightClient;
let agentKey: string;

beforeAll(async () => {
  server = await startTestServer();
  const keys = await createWorkspace(server, 'waits', { agent: 'agent', reviewer: 'approver' });
  agentKey = keys.agent;
  agent = createClient({ url: server.url, key: keys.agent });
  reviewer = createClient({ url: server.url, key: keys.reviewer });
});

afterAll(() => server?.stop());

const command = (key: string, dependsOn: string[] = []) => ({ key, kind: 'run_command' as const, title: key, params: { command: `echo ${key}` }, dependsOn });

const stepOf = (task: TaskView, key: string) => task.steps.find((s) => s.key === key)!;
const openApproval = (task: TaskView, key: string) => {
  const step = stepOf(task, key);
  expect(step.status).toBe('awaiting_approval');
  return { approvalId: step.approval!.id, paramsHash: step.paramsHash };
};

async function decide(by: GreenlightClient, task: TaskView, key: string, decision: 'approve' | 'request_changes', feedback?: string) {
  await by.approvals.decide.mutate({ ...openApproval(task, key), decision, ...(feedback ? { feedback } : {}) });
}

/** The error `p` rejects with. */
const rejection = (p: Promise<unknown>) =>
  p.then(
    () => new Error('resolved, expected a rejection'),
    (e: unknown) => e as GreenlightError,
  );

/** Settle within `ms`, or fail: an aborted wait that hangs is the fault. */
function within<T>(ms: number, p: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`still waiting after ${ms} ms`)), ms)));
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

describe('waitForDecision is bound to the current revision', () => {
  it('after request_changes and a revise, waits for the new revision: the old round does not answer it', async () => {
    let task = await agent.plan({ title: 'revise round', steps: [command('x')] });
    const x = stepOf(task, 'x');
    const first = x.approval!.id;
    await decide(reviewer, task, 'x', 'request_changes', 'say hello instead');
    expect((await agent.waitForDecision(x.id)).status).toBe('changes_requested');

    task = await agent.tasks.revise.mutate({ taskId: task.id, stepId: x.id, params: { command: 'echo hello' } });
    const second = stepOf(task, 'x').approval!.id;
    // Nobody has decided revision 2: the wait must not end with the old round's answer.
    expect(await rejection(agent.waitForDecision(x.id, { timeoutMs: 1_000 }))).toMatchObject({ code: 'TIMEOUT' });

    const waiting = agent.waitForDecision(x.id, { timeoutMs: 20_000 });
    await decide(reviewer, task, 'x', 'approve');
    const outcome = await waiting;
    expect(outcome).toMatchObject({ status: 'approved', revision: 2, approvalId: second });
    expect(outcome.step).toMatchObject({ status: 'approved', revision: 2, params: { command: 'echo hello' } });

    // Once decided, a wait answers at once from the step; an earlier approval can be asked about by its id.
    expect(await agent.waitForDecision(x.id)).toMatchObject({ status: 'approved', revision: 2, approvalId: second });
    expect(await agent.waitForDecision(x.id, { approvalId: first })).toMatchObject({ status: 'changes_requested', revision: 1, approvalId: first });
  });

  it('a dependent asked again after its dependency was revised waits for its new approval', async () => {
    let task = await agent.plan({ title: 'dependency revised', steps: [command('a'), command('b', ['a'])] });
    const b = stepOf(task, 'b');
    const before = b.approval!.id;
    await decide(reviewer, task, 'b', 'approve');
    task = await agent.tasks.revise.mutate({ taskId: task.id, stepId: stepOf(task, 'a').id, params: { command: 'echo a2' } });
    const again = openApproval(task, 'b').approvalId;
    expect(again).not.toBe(before);

    // b's approval of the old plan is void: no decision yet on the one it has now.
    expect(await rejection(agent.waitForDecision(b.id, { timeoutMs: 1_000 }))).toMatchObject({ code: 'TIMEOUT' });
    const waiting = agent.waitForDecision(b.id, { timeoutMs: 20_000 });
    await decide(reviewer, task, 'b', 'approve');
    expect(await waiting).toMatchObject({ status: 'approved', approvalId: again, revision: 1 });
  });

  it('a revise while waiting ends the wait with CONFLICT superseded', async () => {
    const task = await agent.plan({ title: 'revised while waiting', steps: [command('x')] });
    const x = stepOf(task, 'x');
    const waiting = rejection(agent.waitForDecision(x.id, { approvalId: x.approval!.id, timeoutMs: 20_000 }));
    await agent.tasks.revise.mutate({ taskId: task.id, stepId: x.id, params: { command: 'echo other' } });
    expect(await waiting).toMatchObject({ code: 'CONFLICT', reason: 'superseded' });
  });

  it('votes voided on the same revision keep the wait going until that revision is decided', async () => {
    const keys = await createWorkspace(server, 'waits-two', { agent: 'agent', alice: 'approver', bob: 'approver' });
    await createClient({ url: server.url, key: keys.admin }).policy.set.mutate({ policy: { requiredApprovals: 2 } });
    const me = createClient({ url: server.url, key: keys.agent });
    const alice = createClient({ url: server.url, key: keys.alice });
    const bob = createClient({ url: server.url, key: keys.bob });
    let task = await me.plan({ title: 'two of two', steps: [command('a'), command('b', ['a'])] });
    const b = stepOf(task, 'b');
    await decide(alice, task, 'b', 'approve'); // 1 of 2
    const waiting = me.waitForDecision(b.id, { approvalId: b.approval!.id, timeoutMs: 20_000 });
    task = await me.tasks.revise.mutate({ taskId: task.id, stepId: stepOf(task, 'a').id, params: { command: 'echo a2' } });
    const again = openApproval(task, 'b').approvalId;
    await decide(alice, task, 'b', 'approve');
    await decide(bob, task, 'b', 'approve');
    expect(await waiting).toMatchObject({ status: 'approved', approvalId: again, revision: 1 });
  });

  it("an approvalId that is not one of the step's is NOT_FOUND", async () => {
    const task = await agent.plan({ title: 'wrong approval', steps: [command('x'), command('y')] });
    const err = await rejection(agent.waitForDecision(stepOf(task, 'x').id, { approvalId: stepOf(task, 'y').approval!.id, timeoutMs: 20_000 }));
    expect(err).toMatchObject({ code: 'NOT_FOUND' });
  });

  it('an already-aborted signal ends the wait at once (CLIENT_CLOSED_REQUEST), though nobody has decided', async () => {
    const task = await agent.plan({ title: 'aborted', steps: [command('x')] });
    const err = await within(2_000, rejection(agent.waitForDecision(stepOf(task, 'x').id, { signal: AbortSignal.abort() })));
    expect(err).toMatchObject({ code: 'CLIENT_CLOSED_REQUEST', reason: 'aborted' });
    const ctrl = new AbortController();
    const waiting = rejection(agent.waitForDecision(stepOf(task, 'x').id, { signal: ctrl.signal }));
    ctrl.abort();
    expect(await within(2_000, waiting)).toMatchObject({ code: 'CLIENT_CLOSED_REQUEST' });
  });
});

describe('a network where the live socket never opens', () => {
  // A proxy or firewall without WebSockets: every socket was retried silently forever, so a
  // wait never saw its decision (and without a timeout never ended).
  it.each(['refuse', 'swallow'] as const)(
    'waitForDecision still sees the decision over HTTP (proxy: %s upgrades)',
    async (mode) => {
      const proxy = await startNoWebSocketProxy(server.url, mode);
      try {
        const viaProxy = createClient({ url: proxy.url, key: agentKey });
        const task = await agent.plan({ title: `no sockets (${mode})`, steps: [command('x')] });
        const x = stepOf(task, 'x');
        const waiting = viaProxy.waitForDecision(x.id);
        // Decide only once the wait has tried its first socket: then nothing but the stream can tell it.
        await within(
          10_000,
          (async () => {
            while (proxy.upgrades() === 0) await new Promise((r) => setTimeout(r, 20));
          })(),
        );
        await decide(reviewer, task, 'x', 'approve');
        const outcome = await within(45_000, waiting);
        expect(outcome).toMatchObject({ status: 'approved', approvalId: x.approval!.id, revision: 1 });
        expect(proxy.upgrades()).toBeGreaterThanOrEqual(1);
      } finally {
        await proxy.close();
      }
    },
    60_000,
  );
});
