/** The bench-only routes (apps/api/src/bench.ts) do not exist unless GREENLIGHT_BENCH=1 is bound, and the object refuses too. */
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { BASE, team, workerFetch } from './harness.ts';

describe('bench routes', () => {
  it('are 404 without GREENLIGHT_BENCH, with or without a key, at both mounts', async () => {
    const t = await team();
    const variants: Record<string, string>[] = [{}, { authorization: `Bearer ${t.keys.admin}` }];
    for (const path of ['/bench/ping', '/bench/write', '/bench/seed', '/bench/ticket', '/bench-via-assets/ping']) {
      for (const headers of variants) {
        const res = await workerFetch(`${BASE}${path}`, { method: 'POST', headers, body: '{"tasks":1}' });
        expect(res.status, path).toBe(404);
      }
    }
    for (const path of ['/bench/explain', '/bench/stats']) {
      expect((await workerFetch(`${BASE}${path}`, { headers: { authorization: `Bearer ${t.keys.admin}` } })).status, path).toBe(404);
    }
  });

  it('the object refuses bench operations without GREENLIGHT_BENCH', async () => {
    const t = await team();
    const stub = env.WORKSPACE.get(env.WORKSPACE.idFromName(t.id));
    expect(await stub.bench({ op: 'seed', tasks: 1, shape: 'inbox' })).toEqual({ op: 'refused', reason: 'bench operations need GREENLIGHT_BENCH=1' });
    expect((await stub.bench({ op: 'stats' })).op).toBe('refused');
    expect(await stub.ping()).toBe('pong');
  });
});
