/**
 * The real 500 path (issue 11, item 13): an internal error inside the workspace
 * object reaches the client as `internal error` and nothing more (no stack, no
 * message, no file names), while the detail goes to the Worker's log. The fault is
 * made the honest way: a stored row corrupted underneath the object.
 */
import { env } from 'cloudflare:workers';
import { runInDurableObject } from 'cloudflare:test';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BASE, errorOf, team, threeStepPlan, workerFetch, type Team } from './harness.ts';

const stubOf = (id: string) => env.WORKSPACE.get(env.WORKSPACE.idFromName(id));

/** Overwrite one stored row's JSON with text that is not JSON. */
async function corrupt(t: Team, table: 'tasks' | 'steps', id: string): Promise<void> {
  await runInDurableObject(stubOf(t.id), (_instance, state) => {
    const rows = state.storage.sql.exec(`UPDATE ${table} SET data = '{"half a row' WHERE id = ? RETURNING id`, id).toArray();
    if (rows.length !== 1) throw new Error(`no ${table} row ${id}`);
  });
}

const get = (t: Team, path: string, input: unknown) =>
  workerFetch(`${BASE}/trpc/${path}?input=${encodeURIComponent(JSON.stringify(input))}`, { headers: { authorization: `Bearer ${t.keys.viewer}` } });

/** What an internal detail would look like on the wire: a stack frame, a file, the parser's own words. */
const DETAIL = /stack|\.ts\b|\.js\b|at [A-Za-z.<>]+ \(|SyntaxError|JSON|Unexpected|position|half a row|sql/i;

describe('an internal error', () => {
  afterEach(() => vi.restoreAllMocks());

  it('answers 500 with `internal error` only, and logs the detail for the operator', async () => {
    const log = vi.spyOn(console, 'error').mockImplementation(() => {});
    const t = await team();
    const task = await t.agent.tasks.plan.mutate(threeStepPlan());
    await corrupt(t, 'tasks', task.id);

    const res = await get(t, 'tasks.get', { taskId: task.id });
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(text).not.toMatch(DETAIL);
    expect(JSON.parse(text)).toEqual({
      error: { code: -32603, message: 'internal error', data: { code: 'INTERNAL_SERVER_ERROR', httpStatus: 500, path: 'tasks.get' } },
    });
    // The detail is in the Worker's log, not in the answer.
    expect(log.mock.calls.flat().map(String).join('\n')).toMatch(/trpc tasks\.get:[\s\S]*(SyntaxError|JSON)/);

    // Through the SDK: the same typed error, the same single sentence.
    const err = await errorOf(t.viewer.tasks.get.query({ taskId: task.id }));
    expect(err).toMatchObject({ code: 'INTERNAL_SERVER_ERROR', message: 'internal error' });
  });

  it('stays inside the one call: a corrupt step fails its reader, the rest of the workspace answers', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const t = await team();
    const broken = await t.agent.tasks.plan.mutate(threeStepPlan());
    const fine = await t.agent.tasks.plan.mutate(threeStepPlan());
    await corrupt(t, 'steps', broken.steps[1]!.id);

    // A batch with the failing read and a good one: only the failing one is internal.
    const batch = await workerFetch(`${BASE}/trpc/tasks.get,tasks.get?batch=1&input=${encodeURIComponent(JSON.stringify({ 0: { taskId: broken.id }, 1: { taskId: fine.id } }))}`, {
      headers: { authorization: `Bearer ${t.keys.viewer}` },
    });
    const [bad, good] = (await batch.json()) as [{ error: { message: string } }, { result: { data: { id: string } } }];
    expect(JSON.stringify(bad)).not.toMatch(DETAIL);
    expect(bad.error.message).toBe('internal error');
    expect(good.result.data.id).toBe(fine.id);

    // A mutation that trips on it rolls back whole: nothing was written, the log has no gap.
    const before = (await t.viewer.events.list.query({ limit: 200 })).items.length;
    const cancel = await errorOf(t.agent.tasks.cancel.mutate({ taskId: broken.id }));
    expect(cancel).toMatchObject({ code: 'INTERNAL_SERVER_ERROR', message: 'internal error' });
    expect((await t.viewer.events.list.query({ limit: 200 })).items).toHaveLength(before);
    expect((await t.viewer.workspaces.get.query()).counts.tasks).toEqual({ active: 2 });
  });
});
