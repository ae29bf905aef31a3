/** Rate limits: token buckets per key and per workspace, counted per procedure call. */
import { describe, expect, it } from 'vitest';
import { BASE, errorOf, team, workerFetch } from './harness.ts';

describe('rate limits', () => {
  it('answers TOO_MANY_REQUESTS with Retry-After once a key has spent its burst', async () => {
    const t = await team();
    await t.admin.workspaces.setLimits.mutate({ limits: { perKey: { ratePerSecond: 1, burst: 5 } } });
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => t.viewer.tasks.list.query({})));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(5);
    const err = await errorOf(t.viewer.tasks.list.query({}));
    expect(err.code).toBe('TOO_MANY_REQUESTS');
    expect(err.reason).toBe('rate_limited');
    const raw = await workerFetch(`${BASE}/trpc/tasks.list`, { headers: { authorization: `Bearer ${t.keys.viewer}` } });
    expect(raw.status).toBe(429);
    expect(Number(raw.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // Another key of the same workspace has its own bucket.
    expect((await t.agent.tasks.list.query({})).items).toEqual([]);
    // The admin who set the limits is limited like anyone else, but its bucket is fresh.
    expect((await t.admin.workspaces.get.query()).limits.perKey).toEqual({ ratePerSecond: 1, burst: 5 });
  });

  it('counts every procedure of a batch, so a batch cannot dodge the limit', async () => {
    const t = await team();
    await t.admin.workspaces.setLimits.mutate({ limits: { perKey: { ratePerSecond: 1, burst: 3 } } });
    const paths = Array.from({ length: 6 }, () => 'tasks.list').join(',');
    const res = await workerFetch(`${BASE}/trpc/${paths}?batch=1&input=${encodeURIComponent(JSON.stringify({}))}`, {
      headers: { authorization: `Bearer ${t.keys.viewer}` },
    });
    const body = (await res.json()) as { error?: { data: { code: string } }; result?: unknown }[];
    expect(body).toHaveLength(6);
    expect(body.filter((r) => r.error?.data.code === 'TOO_MANY_REQUESTS')).toHaveLength(3);
    expect(res.headers.get('retry-after')).not.toBeNull();
  });

  it('limits the workspace as a whole, and one noisy workspace never slows another', async () => {
    const noisy = await team();
    const quiet = await team();
    await noisy.admin.workspaces.setLimits.mutate({ limits: { perWorkspace: { ratePerSecond: 1, burst: 10 } } });
    const flood = await Promise.allSettled(Array.from({ length: 30 }, (_, i) => [noisy.viewer, noisy.agent, noisy.approver][i % 3]!.tasks.list.query({})));
    const limited = flood.filter((r) => r.status === 'rejected');
    expect(limited.length).toBeGreaterThanOrEqual(19);
    // The other workspace is a different object with its own buckets: every call goes through.
    const calm = await Promise.all(Array.from({ length: 30 }, () => quiet.viewer.tasks.list.query({})));
    expect(calm).toHaveLength(30);
  });

  it('refuses bad limits and lets only admins set them', async () => {
    const t = await team();
    expect((await errorOf(t.admin.workspaces.setLimits.mutate({ limits: { perKey: { ratePerSecond: -1, burst: 0 } } }))).code).toBe('BAD_REQUEST');
    expect((await errorOf(t.approver.workspaces.setLimits.mutate({ limits: {} }))).code).toBe('FORBIDDEN');
  });

  it('records when a key was last used', async () => {
    const t = await team();
    await t.viewer.tasks.list.query({});
    const keys = (await t.admin.keys.list.query()).items;
    expect(keys.find((k) => k.principal === 'victor')!.lastUsedAt).toBeTypeOf('number');
    expect(keys.find((k) => k.principal === 'bob')!.lastUsedAt).toBeUndefined();
  });
});
