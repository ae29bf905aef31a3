/**
 * The bench surface is not in production: the Worker (index.ts) has no /bench route and
 * the Workspace class no bench method; BenchWorkspace, which the bench's own entry binds,
 * still refuses unless GREENLIGHT_BENCH=1 is bound.
 */
import { env } from 'cloudflare:workers';
import { runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { BASE, team, workerFetch } from './harness.ts';
import { Workspace } from '../src/workspace/object.ts';
import { BenchWorkspace, runBench } from '../src/workspace/bench.ts';

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

  it('the production object has no bench method; the bench object refuses without GREENLIGHT_BENCH', async () => {
    for (const name of ['ping', 'bench']) {
      expect(name in Workspace.prototype, name).toBe(false);
      expect(name in BenchWorkspace.prototype, name).toBe(true);
    }
    const t = await team();
    await runInDurableObject(env.WORKSPACE.get(env.WORKSPACE.idFromName(t.id)), async (_instance, state) => {
      expect(await runBench(state.storage, env, { op: 'seed', tasks: 1, shape: 'inbox' })).toEqual({ op: 'refused', reason: 'bench operations need GREENLIGHT_BENCH=1' });
      expect((await runBench(state.storage, env, { op: 'stats' })).op).toBe('refused');
    });
  });
});
