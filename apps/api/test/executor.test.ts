/**
 * The executor protocol under contention and time: many claimers never share a step,
 * a stale lease changes nothing, a read step's attempts count up to maxAttempts across
 * lease expiries, and a step's output is bounded.
 */
import { runDurableObjectAlarm } from 'cloudflare:test';
import { LIMITS } from '@greenlight/core';
import { describe, expect, it } from 'vitest';
import { expireLease, stubOf } from './deadlines.ts';
import { allEvents, errorOf, team, type Team } from './harness.ts';

/** Make the lease overdue, then let the alarm run. */
async function expireLeaseByAlarm(workspaceId: string, stepId: string): Promise<void> {
  await expireLease(workspaceId, stepId);
  expect(await runDurableObjectAlarm(stubOf(workspaceId))).toBe(true);
}

/** A task of `n` independent read steps: the default policy approves them all at once. */
const readSteps = (t: Team, n: number) =>
  t.agent.tasks.plan.mutate({
    title: `${n} independent reads`,
    steps: Array.from({ length: n }, (_, i) => ({ key: `r${i}`, kind: 'read' as const, title: `Read ${i}`, params: { tool: 'read_file', paths: [`src/${i}.ts`] } })),
  });

describe('claim under contention', () => {
  it('50 concurrent claimers on 20 approved steps: each step is handed out exactly once', async () => {
    const t = await team();
    const task = await readSteps(t, 20);
    expect(task.steps.every((s) => s.status === 'approved')).toBe(true);

    const claimers = Array.from({ length: 50 }, (_, i) => (i % 2 === 0 ? t.agent : t.agent2));
    const answers = await Promise.all(claimers.map((c) => c.steps.claim.mutate({ taskId: task.id, max: 1, leaseSeconds: 60 })));

    const claimed = answers.flatMap((a) => a.steps);
    expect(answers.every((a) => a.steps.length <= 1)).toBe(true);
    expect(claimed).toHaveLength(20);
    expect(new Set(claimed.map((s) => s.stepId)).size).toBe(20);
    expect(new Set(claimed.map((s) => s.leaseId)).size).toBe(20);
    expect(new Set(claimed.map((s) => s.stepId))).toEqual(new Set(task.steps.map((s) => s.id)));
    expect(claimed.every((s) => s.attempt === 1)).toBe(true);

    // The store agrees: every step executing once, under the lease its claimer got.
    const after = await t.viewer.tasks.get.query({ taskId: task.id });
    const leaseOf = new Map(claimed.map((s) => [s.stepId, s.leaseId]));
    for (const s of after.steps) {
      expect(s.status).toBe('executing');
      expect(s.lease?.leaseId).toBe(leaseOf.get(s.id));
    }
    const claims = (await allEvents(t.viewer, task.id)).filter((e) => e.type === 'step.claimed');
    expect(claims).toHaveLength(20);
    expect(new Set(claims.map((e) => e.actor))).toEqual(new Set(['agent-1', 'agent-2']));
    expect((await t.agent.steps.claim.mutate({ taskId: task.id, max: 50 })).steps).toEqual([]);
  });
});

describe('stale lease', () => {
  it('complete, fail and heartbeat with a lease that is not the live one (or not theirs) are CONFLICT and change nothing', async () => {
    const t = await team();
    const task = await readSteps(t, 1);
    const step = (await t.agent.steps.claim.mutate({ taskId: task.id })).steps[0]!;
    const before = await t.viewer.tasks.get.query({ taskId: task.id });
    const eventsBefore = await allEvents(t.viewer);
    const usageBefore = (await t.viewer.workspaces.get.query()).usage;
    const stale = { stepId: step.stepId, leaseId: `${step.leaseId}x` };

    const complete = await errorOf(t.agent.steps.complete.mutate({ ...stale, output: { done: true }, usage: { inputTokens: 5 } }));
    const failed = await errorOf(t.agent.steps.fail.mutate({ ...stale, error: { message: 'nope' }, usage: { outputTokens: 5 } }));
    const beat = await errorOf(t.agent.steps.heartbeat.mutate(stale));
    // The right lease id from another executor is no better: a lease is bound to its holder.
    const other = await errorOf(t.agent2.steps.complete.mutate({ stepId: step.stepId, leaseId: step.leaseId }));
    for (const e of [complete, failed, beat, other]) expect(e).toMatchObject({ code: 'CONFLICT', reason: 'lost_lease' });

    expect(await t.viewer.tasks.get.query({ taskId: task.id })).toEqual(before);
    expect(await allEvents(t.viewer)).toEqual(eventsBefore);
    expect((await t.viewer.workspaces.get.query()).usage).toEqual(usageBefore);

    // The live lease still works.
    const done = await t.agent.steps.complete.mutate({ stepId: step.stepId, leaseId: step.leaseId });
    expect(done.stepStatus).toBe('completed');
    // And once used, it is stale too.
    expect(await errorOf(t.agent.steps.complete.mutate({ stepId: step.stepId, leaseId: step.leaseId }))).toMatchObject({ code: 'CONFLICT', reason: 'lost_lease' });
  });
});

describe('attempts across lease expiry', () => {
  it('a read step is claimed again with attempt 2, then 3, each with a new lease, and fails after maxAttempts', async () => {
    const t = await team();
    const task = await readSteps(t, 1);
    const leases: string[] = [];
    for (const attempt of [1, 2, 3]) {
      const step = (await t.agent.steps.claim.mutate({ taskId: task.id, leaseSeconds: 5 })).steps[0]!;
      expect(step.attempt).toBe(attempt);
      expect(leases).not.toContain(step.leaseId);
      leases.push(step.leaseId);
      await expireLeaseByAlarm(t.id, step.stepId);
      const stored = (await t.viewer.tasks.get.query({ taskId: task.id })).steps[0]!;
      expect(stored.attempt).toBe(attempt);
      expect(stored.status).toBe(attempt < 3 ? 'approved' : 'failed');
    }

    const final = await t.viewer.tasks.get.query({ taskId: task.id });
    expect(final.steps[0]!.result?.error).toMatchObject({ code: 'lease_expired', retryable: false });
    expect(final.status).toBe('failed');
    expect((await t.agent.steps.claim.mutate({ taskId: task.id })).steps).toEqual([]);
    // Every earlier lease is dead.
    for (const leaseId of leases) {
      expect((await errorOf(t.agent.steps.complete.mutate({ stepId: task.steps[0]!.id, leaseId }))).code).toBe('CONFLICT');
    }
    // The audit log tells the same story: each claim and each expiry, with its attempt.
    const attempts = (await allEvents(t.viewer, task.id))
      .filter((e) => e.stepId === task.steps[0]!.id)
      .flatMap((e) => (e.type === 'step.claimed' || e.type === 'step.approved' || e.type === 'step.failed' ? (e.data.attempt !== undefined ? [[e.type, e.data.attempt]] : []) : []));
    expect(attempts).toEqual([
      ['step.claimed', 1],
      ['step.approved', 1],
      ['step.claimed', 2],
      ['step.approved', 2],
      ['step.claimed', 3],
      ['step.failed', 3],
    ]);
  });

  it("the policy's maxAttempts bounds an idempotent step, and a retryable fail counts as an attempt", async () => {
    const t = await team();
    await t.admin.policy.set.mutate({ policy: { maxAttempts: 2, rules: [{ match: { kind: 'custom' }, action: 'allow' }] } });
    const task = await t.agent.tasks.plan.mutate({
      title: 'idempotent sync',
      steps: [{ key: 'sync', kind: 'custom', title: 'Sync the index', params: { tool: 'sync', input: {} }, idempotent: true }],
    });
    const first = (await t.agent.steps.claim.mutate({ taskId: task.id })).steps[0]!;
    expect(first).toMatchObject({ attempt: 1, idempotent: true });
    const retried = await t.agent.steps.fail.mutate({ stepId: first.stepId, leaseId: first.leaseId, error: { message: 'flaky', retryable: true } });
    expect(retried.stepStatus).toBe('approved');

    const second = (await t.agent.steps.claim.mutate({ taskId: task.id, leaseSeconds: 5 })).steps[0]!;
    expect(second.attempt).toBe(2);
    await expireLeaseByAlarm(t.id, second.stepId);
    const after = await t.viewer.tasks.get.query({ taskId: task.id });
    expect(after.steps[0]).toMatchObject({ status: 'failed', attempt: 2, result: { error: { code: 'lease_expired' } } });
  });
});

describe('step output', () => {
  it(`an output over ${LIMITS.outputBytes / 1024} KiB of JSON is BAD_REQUEST naming the limit, and the step stays executing`, async () => {
    const t = await team();
    const task = await readSteps(t, 1);
    const step = (await t.agent.steps.claim.mutate({ taskId: task.id })).steps[0]!;
    const tooBig = { text: 'x'.repeat(LIMITS.outputBytes) };

    const err = await errorOf(t.agent.steps.complete.mutate({ stepId: step.stepId, leaseId: step.leaseId, output: tooBig }));
    expect(err.code).toBe('BAD_REQUEST');
    expect(err.message).toContain(`${LIMITS.outputBytes / 1024} KiB`);
    expect((await t.viewer.tasks.get.query({ taskId: task.id })).steps[0]!.status).toBe('executing');

    const fits = { text: 'x'.repeat(LIMITS.outputBytes - 100) };
    const done = await t.agent.steps.complete.mutate({ stepId: step.stepId, leaseId: step.leaseId, output: fits });
    expect(done.stepStatus).toBe('completed');
    expect((await t.viewer.tasks.get.query({ taskId: task.id })).steps[0]!.result?.output).toEqual(fits);
  });
});
