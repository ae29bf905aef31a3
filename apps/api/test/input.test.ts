/** Bad input is a clear 4xx that changes nothing; idempotency keys replay the first answer. */
import { describe, expect, it } from 'vitest';
import { allEvents, BASE, errorOf, openApproval, patch, team, threeStepPlan, workerFetch, type PlanArgs, type Team } from './harness.ts';

type Err = Awaited<ReturnType<typeof errorOf>>;

/** Input the types would refuse, sent on purpose: a JSON round trip, typed as whatever the call wants. */
function malformed<T>(value: unknown): T {
  const parsed: T = JSON.parse(JSON.stringify(value));
  return parsed;
}

/** A BAD_REQUEST carrying zod-shaped issues, each with a path. */
function expectBadInput(err: Err, label: string): void {
  expect(err.code, label).not.toBe('INTERNAL_SERVER_ERROR');
  expect(err.code, label).toBe('BAD_REQUEST');
  expect(err.issues.length, label).toBeGreaterThan(0);
  for (const issue of err.issues) {
    expect(issue, label).toMatchObject({ path: expect.any(Array), message: expect.any(String) });
  }
}

const read = (key: string, dependsOn: string[] = []) => ({
  key,
  kind: 'read' as const,
  title: `Read ${key}`,
  params: { tool: 'read_file', paths: [`${key}.ts`] },
  dependsOn,
});

/** The state a rejected call must leave untouched. */
const snapshot = async (t: Team) => ({
  events: await allEvents(t.viewer),
  tasks: (await t.viewer.tasks.list.query({ limit: 200 })).items,
});

describe('bad plans', () => {
  it('are BAD_REQUEST with issues and create nothing', async () => {
    const t = await team();
    const before = await snapshot(t);

    const cases: [string, PlanArgs, (err: Err) => void][] = [
      [
        'duplicate keys',
        { title: 'dup', steps: [read('a'), read('a')] },
        (err) => {
          expect(err.message).toContain('duplicate');
          expect(err.issues).toContainEqual(expect.objectContaining({ path: ['steps', 1, 'key'] }));
        },
      ],
      [
        'unknown dependency',
        { title: 'dep', steps: [read('a'), read('b', ['nope'])] },
        (err) => {
          expect(err.message).toContain('nope');
          expect(err.issues).toContainEqual(expect.objectContaining({ path: ['steps', 1, 'dependsOn', 0] }));
        },
      ],
      ['self dependency', { title: 'self', steps: [read('a', ['a'])] }, (err) => expect(err.issues).toContainEqual(expect.objectContaining({ path: ['steps', 0, 'dependsOn', 0] }))],
      [
        'a cycle',
        { title: 'cycle', steps: [read('start'), read('x', ['start', 'z']), read('y', ['x']), read('z', ['y'])] },
        (err) => {
          expect(err.message).toMatch(/cycle/);
          // The message names the keys on the loop.
          for (const k of ['x', 'y', 'z']) expect(err.message).toMatch(new RegExp(`\\b${k}\\b`));
          expect(err.message).not.toMatch(/\bstart\b/);
        },
      ],
      [
        'edit_file without a path',
        { title: 'edit', steps: [{ key: 'e', kind: 'edit_file', title: 'Edit', params: { patch: patch('a.ts') } }] },
        (err) => expect(err.issues.some((i) => JSON.stringify(i).includes('"params"'))).toBe(true),
      ],
      ['params of another kind', { title: 'run', steps: [{ key: 'r', kind: 'run_command', title: 'Run', params: { path: 'a.ts' } }] }, (err) => expect(err.issues.length).toBeGreaterThan(0)],
      [
        'an unknown step kind',
        malformed({ title: 'kind', steps: [{ key: 'k', kind: 'teleport', title: 'Teleport', params: {} }] }),
        (err) => expect(err.issues).toContainEqual(expect.objectContaining({ path: ['steps', 0, 'kind'] })),
      ],
      [
        '201 steps',
        { title: 'big', steps: Array.from({ length: 201 }, (_, i) => read(`s${i}`)) },
        (err) => {
          expect(err.message).toContain('200');
          expect(err.issues).toContainEqual(expect.objectContaining({ path: ['steps'] }));
        },
      ],
      ['no steps', { title: 'empty', steps: [] }, (err) => expect(err.issues).toContainEqual(expect.objectContaining({ path: ['steps'] }))],
      ['an empty title', { title: '', steps: [read('a')] }, (err) => expect(err.issues).toContainEqual(expect.objectContaining({ path: ['title'] }))],
      ['a blank title', { title: '   ', steps: [read('a')] }, (err) => expect(err.issues).toContainEqual(expect.objectContaining({ path: ['title'] }))],
      ['a bad step key', { title: 'key', steps: [{ ...read('a'), key: 'has space' }] }, (err) => expect(err.issues).toContainEqual(expect.objectContaining({ path: ['steps', 0, 'key'] }))],
      [
        'baseHash on a command',
        { title: 'base', steps: [{ key: 'r', kind: 'run_command', title: 'Run', params: { command: 'ls' }, baseHash: 'a'.repeat(64) }] },
        (err) => expect(err.issues).toContainEqual(expect.objectContaining({ path: ['steps', 0, 'baseHash'] })),
      ],
      ['an unknown field', malformed({ title: 'extra', steps: [read('a')], priority: 'high' }), (err) => expect(err.issues.length).toBeGreaterThan(0)],
    ];
    for (const [label, input, check] of cases) {
      const err = await errorOf(t.agent.tasks.plan.mutate(input));
      expectBadInput(err, label);
      check(err);
    }
    expect(await snapshot(t)).toEqual(before);
  });

  it('a step whose params are over 256 KiB (body under 1 MiB) is BAD_REQUEST naming the limit', async () => {
    const t = await team();
    const before = await snapshot(t);
    const big = 'x'.repeat(300 * 1024);
    const err = await errorOf(t.agent.tasks.plan.mutate({ title: 'big params', steps: [{ key: 'c', kind: 'custom', title: 'Custom', params: { tool: 'upload', input: { blob: big } } }] }));
    expectBadInput(err, 'params over 256 KiB');
    expect(err.message).toContain('256 KiB');
    expect(err.issues).toContainEqual(expect.objectContaining({ path: ['steps', 0, 'params'] }));

    // The same limit holds when a step is revised.
    const task = await t.agent.tasks.plan.mutate(threeStepPlan());
    const edit = task.steps[1]!;
    const mid = await snapshot(t);
    const revise = await errorOf(t.agent.tasks.revise.mutate({ taskId: task.id, stepId: edit.id, params: { path: 'a.ts', content: big } }));
    expectBadInput(revise, 'revise over 256 KiB');
    expect(revise.message).toContain('256 KiB');
    expect(await snapshot(t)).toEqual(mid);
    expect(before.tasks).toEqual([]);
  });
});

describe('bad requests', () => {
  it('a request body over 1 MiB is HTTP 413 PAYLOAD_TOO_LARGE and stores nothing', async () => {
    const t = await team();
    const before = await snapshot(t);
    const body = JSON.stringify({
      title: 'too big',
      steps: Array.from({ length: 5 }, (_, i) => ({ key: `c${i}`, kind: 'custom', title: 'Custom', params: { tool: 'x', input: 'y'.repeat(250 * 1024) } })),
    });
    expect(body.length).toBeGreaterThan(1024 * 1024);
    const res = await workerFetch(`${BASE}/trpc/tasks.plan`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.keys.agent}`, 'content-type': 'application/json' },
      body,
    });
    expect(res.status).toBe(413);
    const json = (await res.json()) as { error: { message: string; data: { code: string; httpStatus: number } } };
    expect(json.error.data.code).toBe('PAYLOAD_TOO_LARGE');
    expect(json.error.message).toContain('1 MiB');
    expect(await snapshot(t)).toEqual(before);
  });

  it('a streamed body over 1 MiB (no Content-Length) is refused too', async () => {
    const t = await team();
    const before = await snapshot(t);
    const chunk = new TextEncoder().encode('y'.repeat(64 * 1024));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent === 0) controller.enqueue(new TextEncoder().encode('{"title":"t","steps":[{"key":"a","kind":"custom","title":"c","params":{"tool":"x","input":"'));
        if (sent >= 20) {
          controller.enqueue(new TextEncoder().encode('"}}]}'));
          controller.close();
          return;
        }
        sent++;
        controller.enqueue(chunk);
      },
    });
    const res = await workerFetch(`${BASE}/trpc/tasks.plan`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.keys.agent}`, 'content-type': 'application/json' },
      body: stream,
    });
    expect(res.status).toBe(413);
    const json = (await res.json()) as { error: { data: { code: string } } };
    expect(json.error.data.code).toBe('PAYLOAD_TOO_LARGE');
    expect(await snapshot(t)).toEqual(before);
  });

  it('a body that is not JSON, or an unknown procedure, is a 4xx, never a 500', async () => {
    const t = await team();
    const headers = { authorization: `Bearer ${t.keys.agent}`, 'content-type': 'application/json' };
    const garbage = await workerFetch(`${BASE}/trpc/tasks.plan`, { method: 'POST', headers, body: '{"title": ' });
    expect(garbage.status).toBeGreaterThanOrEqual(400);
    expect(garbage.status).toBeLessThan(500);
    const missing = await workerFetch(`${BASE}/trpc/tasks.nope`, { method: 'POST', headers, body: '{}' });
    expect(missing.status).toBe(404);
    const noBody = await workerFetch(`${BASE}/trpc/tasks.plan`, { method: 'POST', headers });
    expect(noBody.status).toBe(400);
    const asQuery = await workerFetch(`${BASE}/trpc/tasks.plan`, { headers });
    expect(asQuery.status).toBeGreaterThanOrEqual(400);
    expect(asQuery.status).toBeLessThan(500);
    expect((await allEvents(t.viewer)).filter((e) => e.type === 'task.planned')).toEqual([]);
  });

  it('decide and the executor calls reject malformed input with issues, changing nothing', async () => {
    const t = await team();
    const task = await t.agent.tasks.plan.mutate(threeStepPlan());
    const edit = await openApproval(t.approver, task.id, 'edit');
    const claimed = (await t.agent.steps.claim.mutate({ taskId: task.id })).steps[0]!;
    const before = await snapshot(t);
    const beforeTask = await t.viewer.tasks.get.query({ taskId: task.id });

    const cases: [string, () => Promise<unknown>, string][] = [
      ['short paramsHash', () => t.approver.approvals.decide.mutate({ approvalId: edit.approvalId, decision: 'approve', paramsHash: 'abc' }), 'paramsHash'],
      ['upper-case paramsHash', () => t.approver.approvals.decide.mutate({ approvalId: edit.approvalId, decision: 'approve', paramsHash: edit.paramsHash.toUpperCase() }), 'paramsHash'],
      ['unknown decision', () => t.approver.approvals.decide.mutate(malformed({ approvalId: edit.approvalId, decision: 'maybe', paramsHash: edit.paramsHash })), 'decision'],
      ['empty decideMany', () => t.approver.approvals.decideMany.mutate({ items: [] }), 'items'],
      ['empty approvalId', () => t.approver.approvals.decide.mutate({ approvalId: '', decision: 'approve', paramsHash: edit.paramsHash }), 'approvalId'],
      ['claim max 0', () => t.agent.steps.claim.mutate({ max: 0 }), 'max'],
      ['lease of 1 second', () => t.agent.steps.claim.mutate({ leaseSeconds: 1 }), 'leaseSeconds'],
      ['negative usage', () => t.agent.steps.complete.mutate({ stepId: claimed.stepId, leaseId: claimed.leaseId, usage: { inputTokens: -1 } }), 'usage'],
      ['fail without a message', () => t.agent.steps.fail.mutate(malformed({ stepId: claimed.stepId, leaseId: claimed.leaseId, error: {} })), 'error'],
      ['page of 201', () => t.viewer.events.list.query({ limit: 201 }), 'limit'],
      ['task id over 64 chars', () => t.viewer.tasks.get.query({ taskId: 'x'.repeat(65) }), 'taskId'],
    ];
    for (const [label, call, field] of cases) {
      const err = await errorOf(call());
      expectBadInput(err, label);
      expect(
        err.issues.some((i) => JSON.stringify(i).includes(`"${field}"`)),
        `${label}: an issue names ${field}`,
      ).toBe(true);
    }
    expect(await snapshot(t)).toEqual(before);
    expect(await t.viewer.tasks.get.query({ taskId: task.id })).toEqual(beforeTask);
  });
});

describe('idempotency keys', () => {
  it('tasks.plan twice with the same key gives the same task, once; other input with that key is CONFLICT', async () => {
    const t = await team();
    const input = { ...threeStepPlan(), idempotencyKey: 'plan-1' };
    const first = await t.agent.tasks.plan.mutate(input);
    const eventsAfterFirst = await allEvents(t.viewer);
    const second = await t.agent.tasks.plan.mutate(input);
    expect(second.id).toBe(first.id);
    expect(second).toEqual(first);
    expect((await t.viewer.tasks.list.query()).items.map((x) => x.id)).toEqual([first.id]);
    expect(await allEvents(t.viewer)).toEqual(eventsAfterFirst);

    const other = await errorOf(t.agent.tasks.plan.mutate({ ...input, title: 'Something else' }));
    expect(other.code).toBe('CONFLICT');
    expect((await t.viewer.tasks.list.query()).items).toHaveLength(1);
    expect(await allEvents(t.viewer)).toEqual(eventsAfterFirst);

    // The same key sent twice at once still makes one task.
    const [a, b] = await Promise.all([t.agent.tasks.plan.mutate({ ...threeStepPlan(), idempotencyKey: 'plan-2' }), t.agent.tasks.plan.mutate({ ...threeStepPlan(), idempotencyKey: 'plan-2' })]);
    expect(a.id).toBe(b.id);
    expect((await t.viewer.tasks.list.query()).items).toHaveLength(2);
  });

  it('a call refused for bad input does not use up its key', async () => {
    const t = await team();
    const bad: PlanArgs = { title: 'dup', steps: [read('a'), read('a')], idempotencyKey: 'retry-me' };
    expect((await errorOf(t.agent.tasks.plan.mutate(bad))).code).toBe('BAD_REQUEST');
    const fixed = await t.agent.tasks.plan.mutate({ ...bad, steps: [read('a'), read('b')] });
    expect(fixed.steps).toHaveLength(2);
  });

  it('approvals.decide repeated with the same key returns the same answer, no error, no new event', async () => {
    const t = await team();
    const task = await t.agent.tasks.plan.mutate(threeStepPlan());
    const edit = await openApproval(t.approver, task.id, 'edit');
    const input = { approvalId: edit.approvalId, decision: 'approve' as const, paramsHash: edit.paramsHash, idempotencyKey: 'approve-edit' };
    const first = await t.approver.approvals.decide.mutate(input);
    expect(first.stepStatus).toBe('approved');
    const events = await allEvents(t.viewer);
    const again = await t.approver.approvals.decide.mutate(input);
    expect(again).toEqual(first);
    expect(await allEvents(t.viewer)).toEqual(events);
    // Without the key, a second approve of a closed approval is a CONFLICT.
    const { idempotencyKey: _, ...bare } = input;
    expect((await errorOf(t.approver.approvals.decide.mutate(bare))).code).toBe('CONFLICT');
    // With the key but other input, also CONFLICT.
    expect((await errorOf(t.approver.approvals.decide.mutate({ ...input, decision: 'reject' }))).code).toBe('CONFLICT');
    expect(await allEvents(t.viewer)).toEqual(events);
  });

  it('tasks.cancel and steps.complete replay their first answer too', async () => {
    const t = await team();
    const task = await t.agent.tasks.plan.mutate(threeStepPlan());
    const claimed = (await t.agent.steps.claim.mutate({ taskId: task.id })).steps[0]!;
    const done = { stepId: claimed.stepId, leaseId: claimed.leaseId, output: { ok: true }, idempotencyKey: 'complete-read' };
    const c1 = await t.agent.steps.complete.mutate(done);
    expect(await t.agent.steps.complete.mutate(done)).toEqual(c1);
    const x1 = await t.agent.tasks.cancel.mutate({ taskId: task.id, idempotencyKey: 'cancel-1' });
    const events = await allEvents(t.viewer);
    expect(await t.agent.tasks.cancel.mutate({ taskId: task.id, idempotencyKey: 'cancel-1' })).toEqual(x1);
    expect(await allEvents(t.viewer)).toEqual(events);
  });
});

describe('ill-formed strings', () => {
  it('refuses a lone surrogate anywhere in the input with BAD_REQUEST, and changes nothing', async () => {
    const t = await team();
    const before = (await t.viewer.events.list.query({ limit: 200 })).items.length;
    const cases: Promise<unknown>[] = [
      t.agent.plan({ title: 'x', steps: [{ key: 'a', kind: 'custom', title: 'r', params: { tool: 't', input: '\ud800' } }] }),
      t.admin.keys.create.mutate({ principal: 'p', role: 'agent', idempotencyKey: '\ud800' }),
      t.agent.tasks.cancel.mutate({ taskId: 'nope', reason: '\udfff', idempotencyKey: 'k' }),
      t.agent.plan({ title: '\ud83d', steps: [{ key: 'a', kind: 'run_command', title: 'r', params: { command: 'ls' } }] }),
    ];
    for (const c of cases) {
      const err = await errorOf(c);
      expect(err.code).toBe('BAD_REQUEST');
      expect(err.message).toContain('well-formed');
    }
    // A well-formed pair (an emoji) is fine.
    await t.agent.plan({ title: 'ship it \ud83d\ude80', steps: [{ key: 'a', kind: 'run_command', title: 'r', params: { command: 'ls' } }] });
    expect((await t.viewer.events.list.query({ limit: 200 })).items.length).toBeGreaterThan(before);
    expect((await t.viewer.tasks.list.query({})).items.map((x) => x.title)).toEqual(['ship it \ud83d\ude80']);
  });
});
