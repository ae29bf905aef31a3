/**
 * run() against a real `wrangler dev`: parallel groups of a DAG run together and in
 * order, a cancel from a reviewer aborts the running handler, usage sums up, a stale
 * lease is refused, and the built-in Node handlers carry out an approved edit and command.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, GreenlightError, HandlerError, type GreenlightClient, type StepHandler } from '@greenlight/sdk';
import { commandHandler, fileHandlers, sha256File } from '@greenlight/sdk/node';
import { createPatch } from 'diff';
import { createWorkspace, startTestServer, type TestServer } from '../support/live-server.ts';

let server: TestServer;
let workspaces = 0;

beforeAll(async () => {
  server = await startTestServer();
});

afterAll(() => server?.stop());

/** A fresh workspace (so usage starts at zero), with an agent and a reviewer. */
async function workspace(): Promise<{ agent: GreenlightClient; reviewer: GreenlightClient }> {
  const keys = await createWorkspace(server, `run-${++workspaces}`, { agent: 'agent', reviewer: 'approver' });
  return {
    agent: createClient({ url: server.url, key: keys.agent }),
    reviewer: createClient({ url: server.url, key: keys.reviewer }),
  };
}

/** The reviewer approves every open approval of the task in one decideMany. */
async function approveAll(reviewer: GreenlightClient, taskId: string): Promise<void> {
  const { items } = await reviewer.approvals.list.query({ taskId, limit: 200 });
  expect(items.length).toBeGreaterThan(0);
  await reviewer.approvals.decideMany.mutate({ items: items.map((a) => ({ approvalId: a.approvalId, decision: 'approve' as const, paramsHash: a.paramsHash })) });
}

const custom = (key: string, dependsOn: string[] = []) => ({ key, kind: 'custom' as const, title: `Step ${key}`, params: { tool: 'work', input: { key } }, dependsOn });
const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('run() against wrangler dev', () => {
  it('runs a DAG of three parallel groups: each group overlaps, and no group starts before the one before it ended', async () => {
    const { agent, reviewer } = await workspace();
    const task = await agent.plan({
      title: 'three waves',
      steps: [custom('A1'), custom('A2'), custom('B1', ['A1', 'A2']), custom('B2', ['A1', 'A2']), custom('C1', ['B1', 'B2']), custom('C2', ['B1', 'B2'])],
    });
    await approveAll(reviewer, task.id);

    const spans = new Map<string, { start: number; end: number }>();
    const work: StepHandler = async (step) => {
      const start = performance.now();
      await delay(150);
      spans.set(step.key, { start, end: performance.now() });
      return { output: { key: step.key } };
    };
    const done = await agent.run(task.id, { custom: work }, { concurrency: 4 });

    expect(done.status).toBe('completed');
    expect(done.steps.map((s) => [s.key, s.status, s.attempt])).toEqual(['A1', 'A2', 'B1', 'B2', 'C1', 'C2'].map((k) => [k, 'completed', 1]));
    expect(done.steps.find((s) => s.key === 'B2')?.result?.output).toEqual({ key: 'B2' });
    const span = (k: string) => spans.get(k)!;
    const overlap = (a: string, b: string) => span(a).start < span(b).end && span(b).start < span(a).end;
    expect(overlap('A1', 'A2')).toBe(true);
    expect(overlap('B1', 'B2')).toBe(true);
    expect(overlap('C1', 'C2')).toBe(true);
    const ended = (...ks: string[]) => Math.max(...ks.map((k) => span(k).end));
    const started = (...ks: string[]) => Math.min(...ks.map((k) => span(k).start));
    expect(started('B1', 'B2')).toBeGreaterThanOrEqual(ended('A1', 'A2'));
    expect(started('C1', 'C2')).toBeGreaterThanOrEqual(ended('B1', 'B2'));
  });

  it("aborts the running handler's signal when a reviewer cancels the task, and returns the cancelled task", async () => {
    const { agent, reviewer } = await workspace();
    const task = await agent.plan({ title: 'long job', steps: [custom('long')] });
    await approveAll(reviewer, task.id);

    let started!: () => void;
    const running = new Promise<void>((r) => (started = r));
    let signal: AbortSignal | undefined;
    let abortedAt = 0;
    const waitForCancel: StepHandler = async (_step, ctx) => {
      signal = ctx.signal;
      started();
      await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve(), { once: true }));
      abortedAt = performance.now();
      throw ctx.signal.reason;
    };
    // A 6 s lease: heartbeats every 2 s, so a cancel reaches the handler well before the lease could run out.
    const result = agent.run(task.id, { custom: waitForCancel }, { leaseSeconds: 6 });
    await running;
    const cancelledAt = performance.now();
    await reviewer.tasks.cancel.mutate({ taskId: task.id, reason: 'not needed any more' });
    const done = await result;

    expect(signal?.aborted).toBe(true);
    expect(abortedAt - cancelledAt).toBeLessThan(6_000);
    expect(done.status).toBe('cancelled');
    expect(done.cancel).toMatchObject({ by: 'reviewer', reason: 'not needed any more' });
    expect(done.steps[0]!.status).toBe('cancelled');
  });

  it('sums the usage of completes (and of a failure) into the task and the workspace', async () => {
    const { agent, reviewer } = await workspace();
    const task = await agent.plan({
      title: 'costs',
      steps: [custom('u1'), custom('u2'), custom('u3', ['u1']), { ...custom('bad'), kind: 'execute_code' as const, params: { language: 'sh', code: 'false' } }],
    });
    await approveAll(reviewer, task.id);
    const costs: Record<string, { inputTokens: number; outputTokens: number; costUsd: number }> = {
      u1: { inputTokens: 100, outputTokens: 10, costUsd: 0.01 },
      u2: { inputTokens: 200, outputTokens: 20, costUsd: 0.02 },
      u3: { inputTokens: 300, outputTokens: 30, costUsd: 0.03 },
    };
    const done = await agent.run(task.id, {
      custom: async (step) => ({ usage: costs[step.key]! }),
      execute_code: async () => {
        throw new HandlerError('the model gave up', { code: 'model_error', usage: { inputTokens: 4, outputTokens: 5, costUsd: 0.005 } });
      },
    });

    expect(done.status).toBe('completed_with_errors');
    expect(done.steps.find((s) => s.key === 'bad')?.result?.error).toMatchObject({ message: 'the model gave up', code: 'model_error', retryable: false });
    const want = { inputTokens: 604, outputTokens: 65, costUsd: 0.065 };
    expect(done.usage).toEqual(want);
    expect((await agent.workspaces.get.query()).usage).toEqual(want);
  });

  it('a stale leaseId is CONFLICT; the live one completes', async () => {
    const { agent, reviewer } = await workspace();
    const task = await agent.plan({ title: 'stale', steps: [custom('s')] });
    await approveAll(reviewer, task.id);
    const [step] = (await agent.steps.claim.mutate({ taskId: task.id })).steps;

    const err = await agent.steps.complete.mutate({ stepId: step!.stepId, leaseId: `${step!.leaseId}-old` }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GreenlightError);
    expect(err).toMatchObject({ code: 'CONFLICT', reason: 'lost_lease' });
    expect((await agent.steps.complete.mutate({ stepId: step!.stepId, leaseId: step!.leaseId })).taskStatus).toBe('completed');
  });

  it('fails a step whose kind has no handler, and one whose handler throws, with their codes', async () => {
    const { agent, reviewer } = await workspace();
    const task = await agent.plan({
      title: 'failures',
      steps: [custom('throws'), { key: 'unhandled', kind: 'network', title: 'Call the API', params: { method: 'GET', url: 'https://example.com/' } }],
    });
    await approveAll(reviewer, task.id);
    const done = await agent.run(task.id, {
      custom: async () => {
        throw new HandlerError('disk full', { code: 'disk_full' });
      },
    });
    expect(done.status).toBe('failed');
    const error = (key: string) => done.steps.find((s) => s.key === key)?.result?.error;
    expect(error('throws')).toEqual({ message: 'disk full', code: 'disk_full', retryable: false });
    expect(error('unhandled')).toMatchObject({ code: 'no_handler', retryable: false });
    expect(error('unhandled')?.message).toContain('network');
  });

  it('stops when its own signal aborts: the handler is aborted, the step reported, and run() rejects', async () => {
    const { agent, reviewer } = await workspace();
    const task = await agent.plan({ title: 'shutdown', steps: [custom('busy')] });
    await approveAll(reviewer, task.id);
    const ctrl = new AbortController();
    const result = agent
      .run(
        task.id,
        {
          custom: (_step, ctx) =>
            new Promise((_resolve, reject) => {
              ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true });
              // The agent shuts down while the step runs.
              ctrl.abort();
            }),
        },
        { signal: ctrl.signal },
      )
      .catch((e: unknown) => e);
    expect(await result).toMatchObject({ code: 'CLIENT_CLOSED_REQUEST' });
    const after = await agent.tasks.get.query({ taskId: task.id });
    // A custom step is not retry-safe: reported as an aborted attempt, it fails rather than run twice.
    expect(after.steps[0]).toMatchObject({ status: 'failed', result: { error: { code: 'aborted', retryable: true } } });
  });

  it('the built-in Node handlers apply an approved patch and run an approved command', async () => {
    const { agent, reviewer } = await workspace();
    const root = mkdtempSync(join(tmpdir(), 'greenlight-e2e-repo-'));
    try {
      writeFileSync(join(root, 'greeting.txt'), 'hello\n');
      const task = await agent.plan({
        title: 'Say goodbye',
        steps: [
          {
            key: 'edit',
            kind: 'edit_file',
            title: 'Change the greeting',
            params: { path: 'greeting.txt', patch: createPatch('greeting.txt', 'hello\n', 'goodbye\n') },
            baseHash: await sha256File(join(root, 'greeting.txt')),
          },
          { key: 'show', kind: 'run_command', title: 'Show it', params: { command: 'cat greeting.txt' }, dependsOn: ['edit'] },
        ],
      });
      await approveAll(reviewer, task.id);
      const done = await agent.run(task.id, { ...fileHandlers({ root }), ...commandHandler({ cwd: root, timeoutMs: 10_000 }) });
      expect(done.status).toBe('completed');
      expect(readFileSync(join(root, 'greeting.txt'), 'utf8')).toBe('goodbye\n');
      expect(done.steps[1]!.result?.output).toEqual({ exitCode: 0, stdout: 'goodbye\n', stderr: '', truncated: false });
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
