/**
 * A long session's steps a page at a time, in workerd: `steps.list` (plan order or newest
 * first, a status filter that always reaches the waiting steps) and `tasks.get {steps:
 * {newest}}` (the newest steps and every waiting one, with the total), so the page and
 * the CLI read a page, not the whole session. `tasks.get` without it still answers every
 * step (older callers).
 */
import { describe, expect, it } from 'vitest';
import type { Step } from '@greenlight/core';
import { BASE, errorOf, team, workerFetch, type Team } from './harness.ts';

const ask = (key: string) => ({ key, kind: 'run_command' as const, title: key, params: { command: `make ${key}` } });
const read = (key: string) => ({ key, kind: 'read' as const, title: key, params: { tool: 'Read', paths: [`src/${key}.ts`] } });

/** An open session: three commands waiting for a decision first, then `reads` reads the policy allows. */
async function longSession(t: Team, reads: number) {
  const task = await t.agent.tasks.plan.mutate({ title: 'long session', steps: [ask('w0'), ask('w1'), ask('w2')], open: true });
  for (let i = 0; i < reads; i += 100) {
    const n = Math.min(100, reads - i);
    await t.agent.tasks.append.mutate({ taskId: task.id, steps: Array.from({ length: n }, (_, j) => read(`r${i + j}`)) });
  }
  return task.id;
}

const keys = (steps: Step[]) => steps.map((s) => s.key);

describe('a long session read a page at a time', { timeout: 30_000 }, () => {
  it('steps.list pages through every step in plan order, or newest first from a cursor; status reaches the oldest waiting steps at once', async () => {
    const t = await team();
    const taskId = await longSession(t, 127);
    const all = keys((await t.viewer.tasks.get.query({ taskId })).steps);
    expect(all).toHaveLength(130);

    const pages: string[][] = [];
    let cursor: string | undefined;
    do {
      const page = await t.viewer.steps.list.query({ taskId, limit: 50, ...(cursor ? { cursor } : {}) });
      pages.push(keys(page.items));
      cursor = page.nextCursor;
    } while (cursor);
    expect(pages.map((p) => p.length)).toEqual([50, 50, 30]);
    expect(pages.flat()).toEqual(all);

    const newest = await t.viewer.steps.list.query({ taskId, limit: 10, order: 'desc' });
    expect(keys(newest.items)).toEqual(all.slice(-10).reverse());
    const older = await t.viewer.steps.list.query({ taskId, limit: 10, order: 'desc', cursor: newest.nextCursor });
    expect(keys(older.items)).toEqual(all.slice(-20, -10).reverse());

    const waiting = await t.viewer.steps.list.query({ taskId, status: 'awaiting_approval', limit: 2 });
    expect(keys(waiting.items)).toEqual(['w0', 'w1']);
    const rest = await t.viewer.steps.list.query({ taskId, status: 'awaiting_approval', limit: 2, cursor: waiting.nextCursor });
    expect(keys(rest.items)).toEqual(['w2']);
    expect(rest.nextCursor).toBeUndefined();
  });

  it('tasks.get {steps: {newest}} answers the newest steps and every waiting one, in plan order, with the total', async () => {
    const t = await team();
    const taskId = await longSession(t, 60);
    const view = await t.viewer.tasks.get.query({ taskId, steps: { newest: 20 } });
    expect(view.stepsTotal).toBe(63);
    expect(keys(view.steps)).toEqual(['w0', 'w1', 'w2', ...Array.from({ length: 20 }, (_, i) => `r${40 + i}`)]);
    // Older callers: the whole task, no total.
    const whole = await t.viewer.tasks.get.query({ taskId });
    expect(whole.steps).toHaveLength(63);
    expect(whole.stepsTotal).toBeUndefined();
    // A window as large as the task is the task.
    expect(keys((await t.viewer.tasks.get.query({ taskId, steps: { newest: 200 } })).steps)).toEqual(keys(whole.steps));
  });

  it('refuses a bad page (limit, cursor, status) with BAD_REQUEST and an unknown task with NOT_FOUND', async () => {
    const t = await team();
    const taskId = await longSession(t, 1);
    for (const input of [
      { taskId, limit: 0 },
      { taskId, limit: 201 },
      { taskId, cursor: 'abc' },
      { taskId, cursor: '-1' },
      { taskId, status: 'waiting' },
      { taskId, order: 'sideways' },
    ]) {
      // Sent as a client of any language would (plain GET ?input=), since the typed client refuses to build these.
      const res = await workerFetch(`${BASE}/trpc/steps.list?input=${encodeURIComponent(JSON.stringify(input))}`, { headers: { authorization: `Bearer ${t.keys.viewer}` } });
      const body = (await res.json()) as { error?: { data?: { code?: string; issues?: unknown[] } } };
      expect(res.status, JSON.stringify(input)).toBe(400);
      expect(body.error?.data?.code, JSON.stringify(input)).toBe('BAD_REQUEST');
      expect(body.error?.data?.issues?.length, JSON.stringify(input)).toBeGreaterThan(0);
    }
    expect((await errorOf(t.viewer.tasks.get.query({ taskId, steps: { newest: 0 } }))).code).toBe('BAD_REQUEST');
    expect((await errorOf(t.viewer.steps.list.query({ taskId: 'tsk_nope' }))).code).toBe('NOT_FOUND');
    expect((await errorOf(t.viewer.tasks.get.query({ taskId: 'tsk_nope', steps: { newest: 5 } }))).code).toBe('NOT_FOUND');
  });
});
