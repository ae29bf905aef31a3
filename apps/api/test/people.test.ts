/**
 * People (issue 15 item 2, docs/people.md): N-of-M counts persons, not keys. An admin
 * links a second key to alice; alice approving through both counts once, and the
 * creator's linked key may not approve the creator's task.
 */
import { describe, expect, it } from 'vitest';
import { allEvents, clientFor, errorOf, openApproval, team } from './harness.ts';

const TWO = { rules: [{ name: 'two-eyes', match: { kind: 'run_command' as const }, action: 'ask' as const, requiredApprovals: 2 }] };
const deploy = { key: 'deploy', kind: 'run_command' as const, title: 'deploy', params: { command: 'make deploy' } };

describe('people.link', () => {
  it('one person through two keys counts once: the second vote is CONFLICT already_voted; another person approves', async () => {
    const t = await team();
    await t.admin.policy.set.mutate({ policy: TWO });
    const laptop = (await t.admin.keys.create.mutate({ principal: 'alice-laptop', role: 'approver' })).key;
    const link = await t.admin.people.link.mutate({ principal: 'alice-laptop', person: 'alice' });
    expect(link).toMatchObject({ principal: 'alice-laptop', person: 'alice', source: 'admin', createdBy: 'admin' });

    const task = await t.agent.tasks.plan.mutate({ title: 'ship', steps: [deploy] });
    const a = await openApproval(t.viewer, task.id, 'deploy');
    await t.approver.approvals.decide.mutate({ approvalId: a.approvalId, decision: 'approve', paramsHash: a.paramsHash });
    const again = await errorOf(clientFor(laptop).approvals.decide.mutate({ approvalId: a.approvalId, decision: 'approve', paramsHash: a.paramsHash }));
    expect(again).toMatchObject({ code: 'CONFLICT', reason: 'already_voted' });
    expect((await t.viewer.tasks.get.query({ taskId: task.id })).steps[0]!.status).toBe('awaiting_approval');

    await t.approver2.approvals.decide.mutate({ approvalId: a.approvalId, decision: 'approve', paramsHash: a.paramsHash });
    const step = (await t.viewer.tasks.get.query({ taskId: task.id })).steps[0]!;
    expect(step.status).toBe('approved');
    expect(step.decision?.by).toEqual(['alice', 'bob']);
    // the laptop's vote says whom it counts for
    const linked = (await allEvents(t.viewer)).filter((e) => e.type === 'identity.linked');
    expect(linked.map((e) => e.data)).toEqual([{ principal: 'alice-laptop', person: 'alice', source: 'admin' }]);
  });

  it('the linked key votes as alice: its vote records person alice', async () => {
    const t = await team();
    await t.admin.policy.set.mutate({ policy: TWO });
    const laptop = (await t.admin.keys.create.mutate({ principal: 'alice-laptop', role: 'approver' })).key;
    await t.admin.people.link.mutate({ principal: 'alice-laptop', person: 'alice' });
    const task = await t.agent.tasks.plan.mutate({ title: 'ship', steps: [deploy] });
    const a = await openApproval(t.viewer, task.id, 'deploy');
    await clientFor(laptop).approvals.decide.mutate({ approvalId: a.approvalId, decision: 'approve', paramsHash: a.paramsHash });
    const step = (await t.viewer.tasks.get.query({ taskId: task.id })).steps[0]!;
    expect(step.approvals).toEqual([expect.objectContaining({ principal: 'alice-laptop', person: 'alice', identitySource: 'key', authStrength: 'key' })]);
    expect(await errorOf(t.approver.approvals.decide.mutate({ approvalId: a.approvalId, decision: 'approve', paramsHash: a.paramsHash }))).toMatchObject({
      code: 'CONFLICT',
      reason: 'already_voted',
    });
  });

  it("a key linked to the task's creator may not approve it (preventSelfApproval by person)", async () => {
    const t = await team();
    const own = (await t.admin.keys.create.mutate({ principal: 'agent-1-reviewer', role: 'approver' })).key;
    await t.admin.people.link.mutate({ principal: 'agent-1-reviewer', person: 'agent-1' });
    const task = await t.agent.tasks.plan.mutate({ title: 'mine', steps: [deploy] });
    const a = await openApproval(t.viewer, task.id, 'deploy');
    const err = await errorOf(clientFor(own).approvals.decide.mutate({ approvalId: a.approvalId, decision: 'approve', paramsHash: a.paramsHash }));
    expect(err.code).toBe('FORBIDDEN');
    expect(err.message).toMatch(/preventSelfApproval/);
  });

  it('typed errors, nothing stored: to oneself, back along a link, a chain, relinking; unlink of an unlinked principal is NOT_FOUND; viewers may not link', async () => {
    const t = await team();
    await t.admin.people.link.mutate({ principal: 'alice-laptop', person: 'alice' });
    // a link to a linked principal lands on its root
    expect(await t.admin.people.link.mutate({ principal: 'slack:T1:U1', person: 'alice-laptop' })).toMatchObject({ person: 'alice' });
    const before = await allEvents(t.viewer);
    expect(await errorOf(t.admin.people.link.mutate({ principal: 'bob', person: 'bob' }))).toMatchObject({ code: 'BAD_REQUEST', reason: 'self_link' });
    expect(await errorOf(t.admin.people.link.mutate({ principal: 'alice', person: 'alice-laptop' }))).toMatchObject({ code: 'BAD_REQUEST', reason: 'self_link' });
    expect(await errorOf(t.admin.people.link.mutate({ principal: 'alice', person: 'bob' }))).toMatchObject({ code: 'CONFLICT', reason: 'has_members' });
    expect(await errorOf(t.admin.people.link.mutate({ principal: 'alice-laptop', person: 'bob' }))).toMatchObject({ code: 'CONFLICT', reason: 'already_linked' });
    expect(await errorOf(t.admin.people.unlink.mutate({ principal: 'nobody' }))).toMatchObject({ code: 'NOT_FOUND' });
    expect(await errorOf(t.admin.people.link.mutate({ principal: '', person: 'bob' }))).toMatchObject({ code: 'BAD_REQUEST' });
    expect(await errorOf(t.approver.people.link.mutate({ principal: 'x', person: 'bob' }))).toMatchObject({ code: 'FORBIDDEN' });
    expect(await allEvents(t.viewer)).toEqual(before);
    // the same link again: no new event
    await t.admin.people.link.mutate({ principal: 'alice-laptop', person: 'alice' });
    expect(await allEvents(t.viewer)).toEqual(before);

    expect((await t.admin.people.list.query({ person: 'alice' })).items.map((l) => l.principal)).toEqual(['alice-laptop', 'slack:T1:U1']);
    expect(await t.admin.people.unlink.mutate({ principal: 'alice-laptop' })).toMatchObject({ person: 'alice' });
    expect((await t.admin.people.list.query({})).items.map((l) => l.principal)).toEqual(['slack:T1:U1']);
    expect((await allEvents(t.viewer)).at(-1)).toMatchObject({ type: 'identity.unlinked', data: { principal: 'alice-laptop', person: 'alice' } });
  });
});
