/**
 * Self-approval has no side door (issue 11, item 1): whichever key a person uses, every
 * path that turns an open approval into an approval refuses the task's creator while
 * preventSelfApproval holds, and the audit names the person behind an approval.
 */
import { describe, expect, it } from 'vitest';
import { allEvents, clientFor, errorOf, openApproval, team, type Team } from './harness.ts';

const command = (key: string, cmd: string) => ({ key, kind: 'run_command' as const, title: key, params: { command: cmd } });

/** The issue's repro: two keys with the same principal, one to plan and one to approve. */
async function dev(t: Team) {
  // Keys, not clients, come out of the awaits: a client is not returned from async code (issue 11, item 6).
  const key = async (role: 'agent' | 'approver') => (await t.admin.keys.create.mutate({ principal: 'dev', role })).key;
  const keys = { agent: await key('agent'), approver: await key('approver') };
  return { agent: clientFor(keys.agent), approver: clientFor(keys.approver) };
}

describe('a person with an agent key and an approver key', () => {
  it('cannot approve its own task through tasks.setMode: FORBIDDEN, nothing changes', async () => {
    const t = await team();
    const me = await dev(t);
    const task = await me.agent.plan({ title: 'mine', steps: [command('deploy', 'make deploy')] });
    const before = await allEvents(t.viewer);

    const err = await errorOf(me.approver.tasks.setMode.mutate({ taskId: task.id, mode: 'autopilot' }));
    expect(err.code).toBe('FORBIDDEN');
    expect(err.message).toMatch(/preventSelfApproval/);
    const after = await t.viewer.tasks.get.query({ taskId: task.id });
    expect(after.mode).toBe('copilot');
    expect(after.steps[0]!.status).toBe('awaiting_approval');
    expect(await allEvents(t.viewer)).toEqual(before);
  });

  it('cannot vote on it either: decide, decideMany and modify are all FORBIDDEN', async () => {
    const t = await team();
    const me = await dev(t);
    const task = await me.agent.plan({ title: 'mine', steps: [command('deploy', 'make deploy')] });
    const a = await openApproval(t.viewer, task.id, 'deploy');
    const calls = [
      () => me.approver.approvals.decide.mutate({ approvalId: a.approvalId, decision: 'approve', paramsHash: a.paramsHash }),
      () => me.approver.approvals.decide.mutate({ approvalId: a.approvalId, decision: 'modify', paramsHash: a.paramsHash, params: { command: 'make deploy-safe' } }),
      () => me.approver.approvals.decideMany.mutate({ items: [{ approvalId: a.approvalId, decision: 'approve', paramsHash: a.paramsHash }] }),
    ];
    for (const [i, call] of calls.entries()) expect((await errorOf(call())).code, `call ${i}`).toBe('FORBIDDEN');
    expect((await t.viewer.tasks.get.query({ taskId: task.id })).steps[0]!.status).toBe('awaiting_approval');
  });
});

describe('an admin who planned a task', () => {
  it('cannot raise its mode either', async () => {
    const t = await team();
    const task = await t.admin.tasks.plan.mutate({ title: 'admin plans', steps: [command('deploy', 'make deploy')] });
    expect((await errorOf(t.admin.tasks.setMode.mutate({ taskId: task.id, mode: 'autopilot' }))).code).toBe('FORBIDDEN');
    // Lowering is never an approval: the creator may make its own task stricter.
    expect((await t.admin.tasks.setMode.mutate({ taskId: task.id, mode: 'manual' })).mode).toBe('manual');
  });
});

describe('the person behind a raised mode', () => {
  it('is named in the approvals it gives, now and for later revisions', async () => {
    const t = await team();
    const me = await dev(t);
    const task = await me.agent.plan({ title: 'mine', steps: [command('build', 'make'), command('deploy', 'make deploy')] });
    const raised = await t.approver.tasks.setMode.mutate({ taskId: task.id, mode: 'autopilot' });
    for (const s of raised.steps) expect(s.decision).toMatchObject({ decision: 'policy', by: ['alice'], rule: 'mode:autopilot' });
    const approved = (await allEvents(t.viewer, task.id)).filter((e) => e.type === 'step.approved');
    expect(approved.map((e) => ({ actor: e.actor, by: e.data.by, via: e.data.via }))).toEqual([
      { actor: 'alice', by: 'alice', via: 'mode:autopilot' },
      { actor: 'alice', by: 'alice', via: 'mode:autopilot' },
    ]);

    // The agent rethinks a step: approved under the raised mode, in alice's name.
    const revised = await me.agent.tasks.revise.mutate({ taskId: task.id, stepId: raised.steps[1]!.id, params: { command: 'make deploy -j2' } });
    expect(revised.steps[1]!.status).toBe('approved');
    expect(revised.steps[1]!.decision?.by).toEqual(['alice']);
  });

  it('does not count when it is the creator, once preventSelfApproval is switched on', async () => {
    const t = await team();
    const me = await dev(t);
    await t.admin.policy.set.mutate({ policy: { preventSelfApproval: false } });
    const task = await me.agent.plan({ title: 'mine', steps: [command('build', 'make')] });
    expect((await me.approver.tasks.setMode.mutate({ taskId: task.id, mode: 'autopilot' })).steps[0]!.decision?.by).toEqual(['dev']);
    await t.admin.policy.set.mutate({ policy: { preventSelfApproval: true } });
    const revised = await me.agent.tasks.revise.mutate({ taskId: task.id, stepId: task.steps[0]!.id, params: { command: 'make -j2' } });
    expect(revised.steps[0]!.status).toBe('awaiting_approval');
  });
});

describe('the names the server decides under', () => {
  it('no key may take: system, timeout, policy:…, grant:…, oidc:…, or a name with hidden characters; BAD_REQUEST, nothing created', async () => {
    const t = await team();
    const before = { keys: (await t.admin.keys.list.query()).items.length, events: (await allEvents(t.viewer)).length };
    // A key named "policy:mode:autopilot" made a person's approval read as the policy's, and
    // readers (decisionPeople) left it out of "decided by": the audit named nobody.
    for (const principal of ['policy:mode:autopilot', 'Policy:allow-all', 'timeout', 'SYSTEM', 'grant:g1', 'oidc:https://idp#alice', 'ali\u202ece', 'bob\x1b[8m']) {
      const err = await errorOf(t.admin.keys.create.mutate({ principal, role: 'approver' }));
      expect({ principal, code: err.code }).toEqual({ principal, code: 'BAD_REQUEST' });
      expect(err.issues).toMatchObject([{ path: ['principal'] }]);
    }
    expect((await t.admin.keys.list.query()).items.length).toBe(before.keys);
    expect((await allEvents(t.viewer)).length).toBe(before.events);
    // Names that merely contain the words are people's names.
    for (const principal of ['policy-team', 'timeout-bot', 'systems', 'grantham']) {
      expect((await t.admin.keys.create.mutate({ principal, role: 'approver' })).principal).toBe(principal);
    }
  });
});

describe('a second spelling of a person', () => {
  it('is refused at keys.create (Dev, DEV, full-width ｄｅｖ for dev): it would let dev approve its own task and count twice in N-of-M', async () => {
    const t = await team();
    const me = await dev(t);
    const task = await me.agent.plan({ title: 'mine', steps: [command('deploy', 'make deploy')] });
    const before = (await t.admin.keys.list.query()).items.length;
    for (const principal of ['Dev', 'DEV', 'ｄｅｖ']) {
      const err = await errorOf(t.admin.keys.create.mutate({ principal, role: 'approver' }));
      expect({ principal, code: err.code }).toEqual({ principal, code: 'BAD_REQUEST' });
      expect(err.message).toContain('reads as the existing "dev"');
    }
    expect((await t.admin.keys.list.query()).items.length).toBe(before);
    // The same name is the same person: another key for dev is fine, and still may not approve.
    const again = clientFor((await t.admin.keys.create.mutate({ principal: 'dev', role: 'approver' })).key);
    const a = await openApproval(t.viewer, task.id, 'deploy');
    expect((await errorOf(again.approvals.decide.mutate({ approvalId: a.approvalId, decision: 'approve', paramsHash: a.paramsHash }))).code).toBe('FORBIDDEN');
  });
});

describe('one approver raising the mode under N-of-M', () => {
  it("approves only what one person may approve: a step that needs 2 (a rule's or the workspace's requiredApprovals) still asks", async () => {
    const t = await team();
    const me = await dev(t);
    await t.admin.policy.set.mutate({
      policy: { rules: [{ name: 'prod-deploy', match: { kind: 'run_command', command: 'deploy' }, action: 'ask', requiredApprovals: 2 }] },
    });
    const task = await me.agent.plan({ title: 'ship', steps: [command('build', 'make'), command('deploy', 'make deploy')] });
    // alice alone "approves the rest": the build (one approval needed) goes through, the deploy (two) keeps asking.
    const raised = await t.approver.tasks.setMode.mutate({ taskId: task.id, mode: 'autopilot' });
    expect(raised.steps.map((s) => [s.key, s.status])).toEqual([
      ['build', 'approved'],
      ['deploy', 'awaiting_approval'],
    ]);
    expect(raised.steps[1]!.approval?.requiredApprovals).toBe(2);
    // A later revision under the raised mode is no different.
    const revised = await me.agent.tasks.revise.mutate({ taskId: task.id, stepId: raised.steps[1]!.id, params: { command: 'make deploy -j2' } });
    expect(revised.steps[1]!.status).toBe('awaiting_approval');

    // The workspace's own requiredApprovals: 2 counts the same.
    await t.admin.policy.set.mutate({ policy: { requiredApprovals: 2 } });
    const other = await me.agent.plan({ title: 'two people', steps: [command('test', 'npm test')] });
    const raised2 = await t.approver.tasks.setMode.mutate({ taskId: other.id, mode: 'autopilot' });
    expect(raised2.steps[0]!.status).toBe('awaiting_approval');
  });
});
