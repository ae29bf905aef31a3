/**
 * The object's clock seam: tests move the Workspace object's `clock` instead of waiting,
 * so rate-limit refills and lease lengths are checked to the millisecond, never slept on.
 * The clock is set far ahead of the wall clock, so no real alarm fires meanwhile.
 */
import { runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { errorOf, team } from './harness.ts';
import { stubOf } from './deadlines.ts';

/** Freeze the object's clock at `start`; the returned function moves it forward by `ms`. */
async function frozenClock(workspaceId: string, start = Date.now() + 30 * 86_400_000): Promise<(ms: number) => number> {
  let now = start;
  await runInDurableObject(stubOf(workspaceId), (instance) => {
    instance.clock = () => now;
  });
  return (ms) => (now += ms);
}

describe('the object clock', () => {
  it('refills a rate-limit bucket by elapsed clock time only: one token per 1/rate seconds, none without time passing', async () => {
    const t = await team();
    await t.admin.workspaces.setLimits.mutate({ limits: { perKey: { ratePerSecond: 2, burst: 3 } } });
    const advance = await frozenClock(t.id);
    for (let i = 0; i < 3; i++) await t.viewer.tasks.list.query({});
    const limited = await errorOf(t.viewer.tasks.list.query({}));
    expect(limited).toMatchObject({ code: 'TOO_MANY_REQUESTS', reason: 'rate_limited' });
    advance(499);
    expect((await errorOf(t.viewer.tasks.list.query({}))).code).toBe('TOO_MANY_REQUESTS');
    advance(1);
    await t.viewer.tasks.list.query({});
    expect((await errorOf(t.viewer.tasks.list.query({}))).code).toBe('TOO_MANY_REQUESTS');
    advance(10_000);
    // Refill stops at the burst.
    for (let i = 0; i < 3; i++) await t.viewer.tasks.list.query({});
    expect((await errorOf(t.viewer.tasks.list.query({}))).code).toBe('TOO_MANY_REQUESTS');
  });

  it('a lease lasts exactly leaseSeconds on the clock: a heartbeat a millisecond before renews it, a completion at its end is refused', async () => {
    const t = await team();
    const advance = await frozenClock(t.id);
    const task = await t.agent.tasks.plan.mutate({ title: 'read', steps: [{ key: 'r', kind: 'read', title: 'read', params: { tool: 'read_file', paths: ['a.txt'] } }] });
    const step = (await t.agent.steps.claim.mutate({ taskId: task.id, leaseSeconds: 5 })).steps[0]!;
    const lease = { stepId: step.stepId, leaseId: step.leaseId };
    advance(4_999);
    const beat = await t.agent.steps.heartbeat.mutate({ ...lease, leaseSeconds: 5 });
    expect(beat.cancelled).toBe(false);
    advance(5_000);
    const late = await errorOf(t.agent.steps.complete.mutate({ ...lease, output: 'late' }));
    expect(late.code).toBe('CONFLICT');
    // A read step is retry-safe: the expired lease sent it back to approved, for the next claim.
    expect((await t.viewer.tasks.get.query({ taskId: task.id })).steps[0]!.status).toBe('approved');
  });
});
