/** Authentication, roles, self-approval, tenant isolation and workspace creation. */
import { describe, expect, it } from 'vitest';
import { allEvents, BASE, clientFor, errorOf, openApproval, ROOT_TOKEN, team, threeStepPlan, uniqueId, workerFetch } from './harness.ts';

/** The tRPC error body of a raw HTTP answer. */
async function rawError(res: Response): Promise<{ status: number; code: string | undefined }> {
  const body: unknown = await res.json();
  const error = typeof body === 'object' && body !== null && 'error' in body ? (body as { error: { data?: { code?: string } } }).error : undefined;
  return { status: res.status, code: error?.data?.code };
}

describe('authentication', () => {
  it('no Authorization header, a malformed key, a wrong secret, an unknown workspace: UNAUTHORIZED', async () => {
    const t = await team();

    const none = await rawError(await workerFetch(`${BASE}/trpc/tasks.list`));
    expect(none).toEqual({ status: 401, code: 'UNAUTHORIZED' });
    const notBearer = await rawError(await workerFetch(`${BASE}/trpc/tasks.list`, { headers: { authorization: t.keys.agent } }));
    expect(notBearer).toEqual({ status: 401, code: 'UNAUTHORIZED' });

    for (const key of ['', 'not-a-key', 'gl_', `gl_${t.id}`, `gl_${t.id}_short`, `gl_${t.id.toUpperCase()}_${'a'.repeat(43)}`, `${t.keys.agent} extra`]) {
      const err = await errorOf(clientFor(key).tasks.list.query());
      expect(err.code, `key ${JSON.stringify(key)}`).toBe('UNAUTHORIZED');
    }

    // Well formed, right workspace, wrong secret.
    const wrongSecret = await errorOf(clientFor(`gl_${t.id}_${'A'.repeat(43)}`).tasks.list.query());
    expect(wrongSecret.code).toBe('UNAUTHORIZED');
    // Well formed, workspace that does not exist.
    const nowhere = await errorOf(clientFor(`gl_${uniqueId('nope')}_${'A'.repeat(43)}`).tasks.list.query());
    expect(nowhere.code).toBe('UNAUTHORIZED');
    // A real secret presented under another workspace's prefix.
    const other = await team();
    const secret = t.keys.admin.slice(`gl_${t.id}_`.length);
    const swapped = await errorOf(clientFor(`gl_${other.id}_${secret}`).tasks.list.query());
    expect(swapped.code).toBe('UNAUTHORIZED');
  });

  it('never revokes the last admin key (it would lock the workspace out for good): CONFLICT last_admin, and after a new admin key it may go', async () => {
    const t = await team();
    const me = (await t.admin.workspaces.get.query()).you.keyId;
    const err = await errorOf(t.admin.keys.revoke.mutate({ id: me }));
    expect({ code: err.code, reason: err.reason }).toEqual({ code: 'CONFLICT', reason: 'last_admin' });
    expect((await t.admin.workspaces.get.query()).you.keyId).toBe(me); // still works
    const next = await t.admin.keys.create.mutate({ principal: 'admin', role: 'admin' });
    expect((await t.admin.keys.revoke.mutate({ id: me })).revokedAt).toBeTypeOf('number');
    // The new one is now the last: it stays.
    expect((await errorOf(clientFor(next.key).keys.revoke.mutate({ id: next.id }))).reason).toBe('last_admin');
  });

  it('a revoked key is UNAUTHORIZED from then on; other keys keep working', async () => {
    const t = await team();
    const created = await t.admin.keys.create.mutate({ principal: 'temp-agent', role: 'agent' });
    const temp = clientFor(created.key);
    await temp.tasks.plan.mutate(threeStepPlan());

    const revoked = await t.admin.keys.revoke.mutate({ id: created.id });
    expect(revoked.revokedAt).toBeTypeOf('number');
    for (const call of [() => temp.tasks.list.query(), () => temp.tasks.plan.mutate(threeStepPlan()), () => temp.steps.claim.mutate({})]) {
      expect((await errorOf(call())).code).toBe('UNAUTHORIZED');
    }
    const listed = (await t.admin.keys.list.query()).items.find((k) => k.id === created.id);
    expect(listed?.revokedAt).toBe(revoked.revokedAt);
    expect((await t.agent.tasks.list.query()).items).toHaveLength(1);
    expect((await errorOf(t.admin.keys.revoke.mutate({ id: 'no-such-key' }))).code).toBe('NOT_FOUND');
  });

  it('the root token only creates and lists workspaces; workspace keys cannot', async () => {
    const t = await team();
    const root = clientFor(ROOT_TOKEN);
    for (const call of [() => root.tasks.list.query(), () => root.tasks.plan.mutate(threeStepPlan()), () => root.workspaces.get.query(), () => root.approvals.list.query()]) {
      expect((await errorOf(call())).code).toBe('UNAUTHORIZED');
    }
    const id = uniqueId('by-key');
    for (const c of [t.admin, t.agent, t.viewer]) {
      const create = await errorOf(c.workspaces.create.mutate({ id, name: 'Not allowed' }));
      expect(['UNAUTHORIZED', 'FORBIDDEN']).toContain(create.code);
      const list = await errorOf(c.workspaces.list.query());
      expect(['UNAUTHORIZED', 'FORBIDDEN']).toContain(list.code);
    }
    const listed = await root.workspaces.list.query({ limit: 200 });
    expect(listed.items.map((w) => w.id)).toContain(t.id);
    expect(listed.items.map((w) => w.id)).not.toContain(id);
    expect((await errorOf(clientFor('wrong-root-token').workspaces.list.query())).code).toBe('UNAUTHORIZED');
  });
});

describe('roles', () => {
  it('a viewer reads tasks, approvals and events, and may change nothing', async () => {
    const t = await team();
    const task = await t.agent.tasks.plan.mutate(threeStepPlan());
    const edit = await openApproval(t.approver, task.id, 'edit');
    const before = await allEvents(t.admin);

    expect((await t.viewer.tasks.get.query({ taskId: task.id })).id).toBe(task.id);
    expect((await t.viewer.tasks.list.query()).items.map((x) => x.id)).toEqual([task.id]);
    expect((await t.viewer.approvals.list.query()).items.map((a) => a.stepKey)).toEqual(['edit', 'test']);
    expect((await t.viewer.events.list.query({ taskId: task.id })).items.length).toBeGreaterThan(0);
    expect((await t.viewer.workspaces.get.query()).id).toBe(t.id);
    expect((await t.viewer.policy.get.query()).policy.mode).toBe('copilot');

    const forbidden = [
      () => t.viewer.tasks.plan.mutate(threeStepPlan()),
      () => t.viewer.approvals.decide.mutate({ approvalId: edit.approvalId, decision: 'approve', paramsHash: edit.paramsHash }),
      () => t.viewer.approvals.decideMany.mutate({ items: [{ approvalId: edit.approvalId, decision: 'approve', paramsHash: edit.paramsHash }] }),
      () => t.viewer.steps.claim.mutate({ taskId: task.id }),
      () => t.viewer.tasks.cancel.mutate({ taskId: task.id }),
      () => t.viewer.tasks.revise.mutate({ taskId: task.id, stepId: edit.stepId, params: { path: 'x', content: '' } }),
      () => t.viewer.tasks.setMode.mutate({ taskId: task.id, mode: 'autopilot' }),
      () => t.viewer.keys.create.mutate({ principal: 'sneaky', role: 'admin' }),
      () => t.viewer.keys.list.query(),
      () => t.viewer.policy.set.mutate({ policy: { mode: 'autopilot' } }),
    ];
    for (const call of forbidden) expect((await errorOf(call())).code).toBe('FORBIDDEN');
    expect(await allEvents(t.admin)).toEqual(before);
  });

  it('an agent cannot decide, set a mode, manage keys or set the policy', async () => {
    const t = await team();
    const task = await t.agent2.tasks.plan.mutate(threeStepPlan());
    const edit = await openApproval(t.approver, task.id, 'edit');
    const before = await allEvents(t.admin);
    const forbidden = [
      () => t.agent.approvals.decide.mutate({ approvalId: edit.approvalId, decision: 'approve', paramsHash: edit.paramsHash }),
      () => t.agent.approvals.decideMany.mutate({ items: [{ approvalId: edit.approvalId, decision: 'approve', paramsHash: edit.paramsHash }] }),
      () => t.agent.tasks.setMode.mutate({ taskId: task.id, mode: 'autopilot' }),
      () => t.agent.keys.create.mutate({ principal: 'agent-3', role: 'agent' }),
      () => t.agent.keys.list.query(),
      () => t.agent.policy.set.mutate({ policy: { mode: 'autopilot' } }),
      // Another agent's task: no revising it either.
      () => t.agent.tasks.revise.mutate({ taskId: task.id, stepId: edit.stepId, params: { path: 'x', content: '' } }),
    ];
    for (const call of forbidden) expect((await errorOf(call())).code).toBe('FORBIDDEN');
    expect(await allEvents(t.admin)).toEqual(before);
  });

  it('an approver cannot plan, revise, execute, manage keys or set the policy', async () => {
    const t = await team();
    const task = await t.agent.tasks.plan.mutate(threeStepPlan());
    const claimed = await t.agent.steps.claim.mutate({ taskId: task.id });
    const read = claimed.steps[0]!;
    const edit = await openApproval(t.approver, task.id, 'edit');
    const before = await allEvents(t.admin);
    const forbidden = [
      () => t.approver.tasks.plan.mutate(threeStepPlan()),
      () => t.approver.tasks.revise.mutate({ taskId: task.id, stepId: edit.stepId, params: { path: 'x', content: '' } }),
      () => t.approver.steps.claim.mutate({ taskId: task.id }),
      () => t.approver.steps.heartbeat.mutate({ stepId: read.stepId, leaseId: read.leaseId }),
      () => t.approver.steps.complete.mutate({ stepId: read.stepId, leaseId: read.leaseId }),
      () => t.approver.steps.fail.mutate({ stepId: read.stepId, leaseId: read.leaseId, error: { message: 'no' } }),
      () => t.approver.keys.create.mutate({ principal: 'carol', role: 'approver' }),
      () => t.approver.keys.revoke.mutate({ id: 'whatever' }),
      () => t.approver.policy.set.mutate({ policy: { mode: 'autopilot' } }),
    ];
    for (const call of forbidden) expect((await errorOf(call())).code).toBe('FORBIDDEN');
    expect(await allEvents(t.admin)).toEqual(before);
    // What an approver may do still works.
    expect((await t.approver.tasks.setMode.mutate({ taskId: task.id, mode: 'autopilot' })).mode).toBe('autopilot');
  });
});

describe('self-approval', () => {
  it('the key that planned a task cannot approve its steps while preventSelfApproval holds (the default)', async () => {
    const t = await team();
    expect((await t.admin.policy.get.query()).policy.preventSelfApproval).toBe(true);
    const task = await t.admin.tasks.plan.mutate(threeStepPlan());
    const edit = await openApproval(t.admin, task.id, 'edit');
    const test = await openApproval(t.admin, task.id, 'test');

    const self = await errorOf(t.admin.approvals.decide.mutate({ approvalId: edit.approvalId, decision: 'approve', paramsHash: edit.paramsHash }));
    expect(self.code).toBe('FORBIDDEN');
    const selfMany = await errorOf(t.admin.approvals.decideMany.mutate({ items: [edit, test].map((a) => ({ approvalId: a.approvalId, decision: 'approve' as const, paramsHash: a.paramsHash })) }));
    expect(selfMany.code).toBe('FORBIDDEN');
    expect((await t.viewer.tasks.get.query({ taskId: task.id })).steps.map((s) => s.status)).toEqual(['approved', 'awaiting_approval', 'awaiting_approval']);

    // Someone else may; and once the workspace allows it, so may the planner.
    expect((await t.approver.approvals.decide.mutate({ approvalId: edit.approvalId, decision: 'approve', paramsHash: edit.paramsHash })).stepStatus).toBe('approved');
    await t.admin.policy.set.mutate({ policy: { preventSelfApproval: false } });
    expect((await t.admin.approvals.decide.mutate({ approvalId: test.approvalId, decision: 'approve', paramsHash: test.paramsHash })).stepStatus).toBe('approved');
  });
});

describe('tenant isolation', () => {
  it("another workspace's task, approval and step ids are NOT_FOUND, never CONFLICT or FORBIDDEN", async () => {
    const a = await team();
    const b = await team();
    const task = await a.agent.tasks.plan.mutate(threeStepPlan());
    const edit = await openApproval(a.approver, task.id, 'edit');
    const read = (await a.agent.steps.claim.mutate({ taskId: task.id })).steps[0]!;
    const aBefore = await a.viewer.tasks.get.query({ taskId: task.id });
    const aEvents = await allEvents(a.viewer);

    const calls = [
      () => b.viewer.tasks.get.query({ taskId: task.id }),
      () => b.admin.tasks.get.query({ taskId: task.id }),
      () => b.agent.tasks.cancel.mutate({ taskId: task.id }),
      () => b.approver.tasks.cancel.mutate({ taskId: task.id }),
      () => b.agent.tasks.revise.mutate({ taskId: task.id, stepId: edit.stepId, params: { path: 'x', content: '' } }),
      () => b.approver.tasks.setMode.mutate({ taskId: task.id, mode: 'autopilot' }),
      () => b.approver.approvals.decide.mutate({ approvalId: edit.approvalId, decision: 'approve', paramsHash: edit.paramsHash }),
      () => b.approver.approvals.decide.mutate({ approvalId: edit.approvalId, decision: 'reject', paramsHash: edit.paramsHash }),
      () => b.admin.approvals.decideMany.mutate({ items: [{ approvalId: edit.approvalId, decision: 'approve', paramsHash: edit.paramsHash }] }),
      () => b.agent.steps.heartbeat.mutate({ stepId: read.stepId, leaseId: read.leaseId }),
      () => b.agent.steps.complete.mutate({ stepId: read.stepId, leaseId: read.leaseId }),
      () => b.agent.steps.fail.mutate({ stepId: read.stepId, leaseId: read.leaseId, error: { message: 'x' } }),
    ];
    for (const [i, call] of calls.entries()) expect((await errorOf(call())).code, `call ${i}`).toBe('NOT_FOUND');

    expect((await b.viewer.approvals.list.query({ taskId: task.id })).items).toEqual([]);
    expect((await b.viewer.events.list.query({ taskId: task.id })).items).toEqual([]);
    expect((await b.agent.steps.claim.mutate({ taskId: task.id, max: 10 })).steps).toEqual([]);
    expect((await b.viewer.tasks.list.query()).items).toEqual([]);

    // Workspace A saw none of it.
    expect(await a.viewer.tasks.get.query({ taskId: task.id })).toEqual(aBefore);
    expect(await allEvents(a.viewer)).toEqual(aEvents);
  });
});

describe('workspaces.create', () => {
  it('an existing id is CONFLICT and leaves the workspace as it was; an invalid id is BAD_REQUEST', async () => {
    const t = await team();
    const root = clientFor(ROOT_TOKEN);
    const dup = await errorOf(root.workspaces.create.mutate({ id: t.id, name: 'Takeover' }));
    expect(dup.code).toBe('CONFLICT');
    const ws = await t.admin.workspaces.get.query();
    expect(ws.name).toBe(`Workspace ${t.id}`);
    expect((await t.admin.keys.list.query()).items).toHaveLength(6);

    for (const id of ['A!', 'ab', 'UPPER-case', 'has_underscore', 'x'.repeat(41), '']) {
      const err = await errorOf(root.workspaces.create.mutate({ id, name: 'Bad' }));
      expect(err.code, id).toBe('BAD_REQUEST');
      expect(err.issues.length).toBeGreaterThan(0);
    }
    const noName = await errorOf(root.workspaces.create.mutate({ id: uniqueId(), name: '  ' }));
    expect(noName.code).toBe('BAD_REQUEST');
  });

  it('two creates of the same id at once: one workspace, one CONFLICT', async () => {
    const root = clientFor(ROOT_TOKEN);
    const id = uniqueId('race');
    const settled = await Promise.allSettled([root.workspaces.create.mutate({ id, name: 'one' }), root.workspaces.create.mutate({ id, name: 'two' })]);
    const won = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    const lost = settled.flatMap((s) => (s.status === 'rejected' ? [s.reason as { code: string }] : []));
    expect(won).toHaveLength(1);
    expect(lost.map((e) => e.code)).toEqual(['CONFLICT']);
    const ws = await clientFor(won[0]!.adminKey).workspaces.get.query();
    expect(ws.name).toBe(won[0]!.workspace.name);
    expect((await clientFor(won[0]!.adminKey).keys.list.query()).items).toHaveLength(1);
  });
});
