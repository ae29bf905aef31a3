/**
 * Tasks that grow, in workerd (issue 13 item 1; docs/sessions.md): an open task takes
 * appended steps from its creator, each judged as it arrives; concurrent first calls of
 * a session make one task; closing ends it, by a call or by the alarm when idle.
 */
import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { stubOf } from './deadlines.ts';
import { allEvents, errorOf, openApproval, team } from './harness.ts';

const cmd = (key: string, command: string, dependsOn: string[] = []) => ({ key, kind: 'run_command' as const, title: key, params: { command }, dependsOn });
const read = (key: string) => ({ key, kind: 'read' as const, title: key, params: { tool: 'read_file', paths: [`src/${key}.ts`] } });

// Each test is a dozen or more round trips through the Worker: a loaded machine needs more than the default 5 s.
describe('tasks that grow', { timeout: 20_000 }, () => {
  it('a session of several appends is one task, active while open, each step judged as it arrives', async () => {
    const t = await team();
    const opened = await t.agent.tasks.plan.mutate({ title: 'a session', steps: [], open: true, session: 'sess-many' });
    expect(opened).toMatchObject({ status: 'active', open: true, session: 'sess-many', steps: [] });
    const first = await t.agent.tasks.append.mutate({ taskId: opened.id, steps: [read('look')] });
    // A read is allowed by the policy; every step so far is finished, the open task stays active.
    expect(first.steps.map((s) => [s.key, s.status])).toEqual([['look', 'approved']]);
    const second = await t.agent.tasks.append.mutate({ taskId: opened.id, steps: [cmd('build', 'make build'), cmd('test', 'make test', ['build'])] });
    expect(second.steps.map((s) => [s.key, s.status, s.index])).toEqual([
      ['build', 'awaiting_approval', 1],
      ['test', 'awaiting_approval', 2],
    ]);
    expect(second.task.steps).toHaveLength(3);
    // A host finds its step by its own id (the key): steps.get {taskId, key}.
    expect((await t.viewer.steps.get.query({ taskId: opened.id, key: 'test' })).id).toBe(second.steps[1]!.id);
    expect((await errorOf(t.viewer.steps.get.query({ taskId: opened.id, key: 'nope' }))).code).toBe('NOT_FOUND');
    const claimed = await t.agent.steps.claim.mutate({ taskId: opened.id, max: 5 });
    await t.agent.steps.complete.mutate({ stepId: claimed.steps[0]!.stepId, leaseId: claimed.steps[0]!.leaseId });
    const build = await openApproval(t.approver, opened.id, 'build');
    await t.approver.approvals.decide.mutate({ approvalId: build.approvalId, decision: 'reject', paramsHash: build.paramsHash });
    // Every step is terminal (test blocked by build), and still the task is active: it is open.
    const now = await t.viewer.tasks.get.query({ taskId: opened.id });
    expect(now.steps.map((s) => s.status)).toEqual(['completed', 'rejected', 'blocked']);
    expect(now.status).toBe('active');
    const closed = await t.agent.tasks.close.mutate({ taskId: opened.id });
    expect(closed).toMatchObject({ status: 'completed_with_errors', closed: { by: 'agent-1', reason: 'closed' } });
    expect(closed.open).toBeUndefined();
    const types = (await allEvents(t.viewer, opened.id)).map((e) => e.type);
    expect(types.filter((x) => x === 'task.appended')).toHaveLength(2);
    expect(types.slice(-2)).toEqual(['task.closed', 'task.finished']);
    // Closing again changes nothing and answers the task.
    expect((await t.agent.tasks.close.mutate({ taskId: opened.id })).status).toBe('completed_with_errors');
  });

  it('concurrent first plans of one session make one task; the others find it (existing: true) and append their steps', async () => {
    const t = await team();
    const calls = Array.from({ length: 8 }, (_, i) => t.agent.tasks.plan.mutate({ title: 'race', steps: [cmd(`c${i}`, `echo ${i}`)], open: true, session: 'sess-race' }));
    const answers = await Promise.all(calls);
    const ids = new Set(answers.map((a) => a.id));
    expect(ids.size).toBe(1);
    expect(answers.filter((a) => a.existing === true)).toHaveLength(7);
    const task = await t.viewer.tasks.get.query({ taskId: [...ids][0]! });
    expect(task.steps.map((s) => s.key).sort()).toEqual(Array.from({ length: 8 }, (_, i) => `c${i}`).sort());
    const listed = await t.viewer.tasks.list.query({ limit: 50 });
    expect(listed.items.filter((x) => x.title === 'race')).toHaveLength(1);
    // Another agent's session of the same name is its own task.
    const other = await t.agent2.tasks.plan.mutate({ title: 'race', steps: [], open: true, session: 'sess-race' });
    expect(other.id).not.toBe(task.id);
    expect(other.existing).toBeUndefined();
  });

  it('a closed session gets a new task on the next plan', async () => {
    const t = await team();
    const a = await t.agent.tasks.plan.mutate({ title: 's', steps: [], open: true, session: 'sess-again' });
    await t.agent.tasks.close.mutate({ taskId: a.id });
    const b = await t.agent.tasks.plan.mutate({ title: 's', steps: [], open: true, session: 'sess-again' });
    expect(b.id).not.toBe(a.id);
    expect(b.existing).toBeUndefined();
  });

  it('refuses an append to a closed task, to a task that was never open, and by another principal', async () => {
    const t = await team();
    const open = await t.agent.tasks.plan.mutate({ title: 's', steps: [], open: true });
    const byOther = await errorOf(t.agent2.tasks.append.mutate({ taskId: open.id, steps: [read('x')] }));
    expect(byOther.code).toBe('FORBIDDEN');
    const byApprover = await errorOf(t.approver.tasks.append.mutate({ taskId: open.id, steps: [read('x')] }));
    expect(byApprover.code).toBe('FORBIDDEN');
    await t.agent.tasks.close.mutate({ taskId: open.id });
    const closed = await errorOf(t.agent.tasks.append.mutate({ taskId: open.id, steps: [read('x')] }));
    expect(closed).toMatchObject({ code: 'CONFLICT', reason: 'not_open' });
    const plain = await t.agent.tasks.plan.mutate({ title: 'plain', steps: [read('a')] });
    expect(await errorOf(t.agent.tasks.append.mutate({ taskId: plain.id, steps: [read('b')] }))).toMatchObject({ code: 'CONFLICT', reason: 'not_open' });
    expect((await errorOf(t.agent.tasks.append.mutate({ taskId: 'no-such-task', steps: [read('b')] }))).code).toBe('NOT_FOUND');
    // Another agent may not close it either; an approver may (they may cancel any task).
    const again = await t.agent.tasks.plan.mutate({ title: 's2', steps: [], open: true });
    expect((await errorOf(t.agent2.tasks.close.mutate({ taskId: again.id }))).code).toBe('FORBIDDEN');
    expect((await t.approver.tasks.close.mutate({ taskId: again.id })).closed?.by).toBe('alice');
  });

  it('validates an append whole: a duplicate key (here or in the task), an unknown or later dependency, and changes nothing', async () => {
    const t = await team();
    const open = await t.agent.tasks.plan.mutate({ title: 's', steps: [read('a')], open: true });
    const before = await allEvents(t.viewer, open.id);
    const dupTask = await errorOf(t.agent.tasks.append.mutate({ taskId: open.id, steps: [read('a')] }));
    expect(dupTask).toMatchObject({ code: 'BAD_REQUEST', reason: 'duplicate_key' });
    expect(dupTask.issues).toEqual([expect.objectContaining({ path: ['steps', 0, 'key'] })]);
    const dupHere = await errorOf(t.agent.tasks.append.mutate({ taskId: open.id, steps: [read('b'), read('b')] }));
    expect(dupHere).toMatchObject({ code: 'BAD_REQUEST', reason: 'duplicate_key' });
    const unknown = await errorOf(t.agent.tasks.append.mutate({ taskId: open.id, steps: [cmd('c', 'make', ['nope'])] }));
    expect(unknown.code).toBe('BAD_REQUEST');
    const later = await errorOf(t.agent.tasks.append.mutate({ taskId: open.id, steps: [cmd('c', 'make', ['d']), cmd('d', 'make d')] }));
    expect(later.message).toMatch(/comes after it/);
    expect(await allEvents(t.viewer, open.id)).toEqual(before);
    // dependsOn an earlier step of the task, and an earlier one of the same append: accepted.
    const ok = await t.agent.tasks.append.mutate({ taskId: open.id, steps: [cmd('c', 'make c', ['a']), cmd('d', 'make d', ['c', 'a'])] });
    expect(ok.steps.map((s) => s.dependsOn)).toEqual([['a'], ['c', 'a']]);
    // An idempotency key makes a repeat the same answer, not a duplicate key.
    const once = await t.agent.tasks.append.mutate({ taskId: open.id, steps: [read('e')], idempotencyKey: 'tool-use-1' });
    const twice = await t.agent.tasks.append.mutate({ taskId: open.id, steps: [read('e')], idempotencyKey: 'tool-use-1' });
    expect(twice).toEqual(once);
    // Zero steps without open is still a mistake; a session without open too.
    expect((await errorOf(t.agent.tasks.plan.mutate({ title: 'x', steps: [] }))).code).toBe('BAD_REQUEST');
    expect((await errorOf(t.agent.tasks.plan.mutate({ title: 'x', steps: [read('a')], session: 's' }))).code).toBe('BAD_REQUEST');
    expect((await errorOf(t.agent.tasks.plan.mutate({ title: 'x', steps: [], open: true, session: 'bad session!' }))).code).toBe('BAD_REQUEST');
  });

  it('a cancelled open task takes no more steps, and its session starts afresh', async () => {
    const t = await team();
    const a = await t.agent.tasks.plan.mutate({ title: 's', steps: [cmd('x', 'make')], open: true, session: 'sess-cancel' });
    await t.agent.tasks.cancel.mutate({ taskId: a.id });
    expect((await errorOf(t.agent.tasks.append.mutate({ taskId: a.id, steps: [read('y')] }))).code).toBe('CONFLICT');
    const b = await t.agent.tasks.plan.mutate({ title: 's', steps: [], open: true, session: 'sess-cancel' });
    expect(b.id).not.toBe(a.id);
  });

  it('the alarm closes an open task idle past policy.limits.sessionIdleSeconds, once, and leaves a busy one open', async () => {
    const t = await team();
    await t.admin.policy.set.mutate({ policy: { limits: { sessionIdleSeconds: 60 } } });
    const idle = await t.agent.tasks.plan.mutate({ title: 'idle', steps: [read('a')], open: true, session: 'sess-idle' });
    const busy = await t.agent.tasks.plan.mutate({ title: 'busy', steps: [], open: true, session: 'sess-busy' });
    // Two minutes pass for the idle one only (as if: its last change is moved back).
    const past = Date.now() - 120_000;
    await runInDurableObject(stubOf(t.id), (_o, state) => {
      state.storage.sql.exec(`UPDATE open_tasks SET active_at = ? WHERE task_id = ?`, past, idle.id);
      state.storage.sql.exec(`UPDATE tasks SET updated_at = ?, data = json_set(data, '$.updatedAt', ?) WHERE id = ?`, past, past, idle.id);
    });
    expect(await runDurableObjectAlarm(stubOf(t.id))).toBe(true);
    const after = await t.viewer.tasks.get.query({ taskId: idle.id });
    // Closed, and its status derived as for every task: its approved read has not run yet, so it is still active.
    expect(after).toMatchObject({ status: 'active', closed: { by: 'system', reason: 'idle' } });
    expect(after.open).toBeUndefined();
    expect((await errorOf(t.agent.tasks.append.mutate({ taskId: idle.id, steps: [read('b')] }))).reason).toBe('not_open');
    expect((await t.viewer.tasks.get.query({ taskId: busy.id })).open).toBe(true);
    // At least once: a second run finds nothing to close.
    await runDurableObjectAlarm(stubOf(t.id));
    const closes = (await allEvents(t.viewer, idle.id)).filter((e) => e.type === 'task.closed');
    expect(closes).toHaveLength(1);
    expect(closes[0]).toMatchObject({ actor: 'system', data: { by: 'system', reason: 'idle' } });
    // The next plan of that session is a new task.
    expect((await t.agent.tasks.plan.mutate({ title: 'idle', steps: [], open: true, session: 'sess-idle' })).id).not.toBe(idle.id);
  });
});
