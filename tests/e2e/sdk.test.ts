/**
 * The SDK against a real `wrangler dev` that this test starts and stops: the README's
 * quick start runs unchanged, and typed errors come back over real HTTP.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, GreenlightError } from '@greenlight/sdk';
import { ROOT_DIR } from '../../scripts/server.ts';
import { createWorkspace, startTestServer, type TestServer } from '../support/live-server.ts';

let server: TestServer;
let keys: { admin: string; agent: string; reviewer: string };

beforeAll(async () => {
  server = await startTestServer();
  keys = await createWorkspace(server, 'e2e', { agent: 'agent', reviewer: 'approver' });
});

afterAll(() => server?.stop());

describe('SDK against wrangler dev', () => {
  it('runs the README quick start: plan, approve, claim, complete', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['examples/quickstart.ts'], {
      cwd: ROOT_DIR,
      env: { ...process.env, GREENLIGHT_URL: server.url, AGENT_KEY: keys.agent, APPROVER_KEY: keys.reviewer },
    });
    expect(stdout.trim()).toBe('completed');
  });

  it('reports failures as GreenlightError with the tRPC code', async () => {
    const agent = createClient({ url: server.url, key: keys.agent });
    const err = await agent.approvals.decide.mutate({ approvalId: 'nope', decision: 'approve', paramsHash: 'a'.repeat(64) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GreenlightError);
    expect((err as GreenlightError).code).toBe('FORBIDDEN');

    const bad = await agent.plan({ title: '', steps: [] }).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(GreenlightError);
    expect((bad as GreenlightError).code).toBe('BAD_REQUEST');
    expect((bad as GreenlightError).issues.length).toBeGreaterThan(0);

    const nobody = createClient({ url: server.url, key: 'gl_e2e_' + 'x'.repeat(43) });
    expect(((await nobody.tasks.list.query({}).catch((e: unknown) => e)) as GreenlightError).code).toBe('UNAUTHORIZED');

    const offline = createClient({ url: 'http://127.0.0.1:9', key: keys.agent });
    expect(((await offline.tasks.list.query({}).catch((e: unknown) => e)) as GreenlightError).code).toBe('NETWORK_ERROR');
  });

  it('waitForDecision resolves from live events when a reviewer decides, and at once when already decided', async () => {
    const agent = createClient({ url: server.url, key: keys.agent });
    const reviewer = createClient({ url: server.url, key: keys.reviewer });
    const task = await agent.plan({ title: 'wait', steps: [{ key: 'x', kind: 'run_command', title: 'x', params: { command: 'true' } }] });
    const step = task.steps[0]!;
    const waiting = agent.waitForDecision(step.id, { timeoutMs: 20_000 });
    const [approval] = (await reviewer.approvals.list.query({ taskId: task.id })).items;
    await reviewer.approvals.decide.mutate({ approvalId: approval!.approvalId, decision: 'approve', paramsHash: approval!.paramsHash });
    const outcome = await waiting;
    expect(outcome.status).toBe('approved');
    expect(outcome.step.decision?.by).toEqual(['reviewer']);
    expect((await agent.waitForDecision(step.id)).status).toBe('approved');
  });

  it('waitForDecision times out with a typed error, and watch() resumes after a seq', async () => {
    const agent = createClient({ url: server.url, key: keys.agent });
    const task = await agent.plan({ title: 'nobody answers', steps: [{ key: 'x', kind: 'run_command', title: 'x', params: { command: 'true' } }] });
    const err = await agent.waitForDecision(task.steps[0]!.id, { timeoutMs: 300 }).catch((e: unknown) => e);
    expect((err as GreenlightError).code).toBe('TIMEOUT');

    const ctrl = new AbortController();
    const seen: number[] = [];
    for await (const e of agent.watch({ taskId: task.id, signal: ctrl.signal })) {
      seen.push(e.seq);
      if (e.type === 'approval.requested') ctrl.abort();
    }
    expect(seen.length).toBe(2);
    const after = seen[0]!;
    const ctrl2 = new AbortController();
    for await (const e of agent.watch({ taskId: task.id, after, signal: ctrl2.signal })) {
      expect(e.seq).toBe(seen[1]);
      ctrl2.abort();
    }
  });

  it('keeps state across a server restart (SQLite on disk)', async () => {
    const agent = createClient({ url: server.url, key: keys.agent });
    const task = await agent.plan({ title: 'survive a restart', steps: [{ key: 'x', kind: 'run_command', title: 'x', params: { command: 'true' } }] });
    await server.restart();
    const again = createClient({ url: server.url, key: keys.agent });
    const reloaded = await again.tasks.get.query({ taskId: task.id });
    expect(reloaded.steps[0]!.status).toBe('awaiting_approval');
    expect(reloaded.steps[0]!.paramsHash).toBe(task.steps[0]!.paramsHash);
  });

  it('fires an approval deadline that fell due while the server was down, on restart', async () => {
    const { admin: adminKey, agent: agentKey } = await createWorkspace(server, 'e2e-deadline', { agent: 'agent' });
    await createClient({ url: server.url, key: adminKey }).policy.set.mutate({ policy: { timeoutSeconds: 2 } });
    const agent = createClient({ url: server.url, key: agentKey });
    const task = await agent.plan({ title: 'expires while down', steps: [{ key: 'x', kind: 'run_command', title: 'x', params: { command: 'true' } }] });
    // The deadline passes while nothing runs.
    await server.restart({ whileDown: () => new Promise((r) => setTimeout(r, 2_500)) });
    // Watch the log only (it never loads the task), so what we see is the alarm's work.
    const again = createClient({ url: server.url, key: agentKey });
    const ctrl = new AbortController();
    const timer = setTimeout(() => ctrl.abort(), 10_000);
    let expired: { actor: string; data: Record<string, unknown> } | undefined;
    for await (const e of again.watch({ taskId: task.id, signal: ctrl.signal })) {
      if (e.type === 'approval.expired') {
        expired = e;
        ctrl.abort();
      }
    }
    clearTimeout(timer);
    expect(expired).toMatchObject({ actor: 'system', data: { to: 'rejected', defaultOnTimeout: 'reject' } });
  });
});
