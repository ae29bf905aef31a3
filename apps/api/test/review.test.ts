/**
 * Issue 16 on the server: the risk the policy assigns (defaults, rules, the agent raising
 * it), approve-all that never takes a high-risk or N-of-M step without its own
 * confirmation, the decision history (filters and pages), and the context a card shows.
 */
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { expireApproval, stubOf } from './deadlines.ts';
import { allEvents, errorOf, openApproval, patch, team, type PlanArgs } from './harness.ts';

const shipPlan = (): PlanArgs => ({
  title: 'Ship 1.2.0',
  steps: [
    { key: 'bump', kind: 'edit_file', title: 'Bump the version', params: { path: 'package.json', patch: patch('package.json') } },
    { key: 'publish', kind: 'run_command', title: 'Publish', params: { command: 'npm publish' } },
    { key: 'push', kind: 'run_command', title: 'Push the tags', params: { command: 'git push --tags' } },
  ],
});

describe('risk the server works out', () => {
  it("every approval carries the policy's risk with its reason: high for npm publish and git push, medium for an edit", async () => {
    const t = await team();
    const task = await t.agent.tasks.plan.mutate(shipPlan());
    const inbox = (await t.approver.approvals.list.query({ taskId: task.id })).items;
    const byKey = Object.fromEntries(inbox.map((a) => [a.stepKey, a.risk]));
    expect(byKey.bump).toEqual({ level: 'medium', reason: 'changes a file in the project', source: 'default' });
    expect(byKey.publish).toMatchObject({ level: 'high', source: 'default', reason: expect.stringContaining('publishes to the npm registry') });
    expect(byKey.push).toMatchObject({ level: 'high', source: 'default', reason: expect.stringContaining('pushes to a remote') });
    // The same value on the step and from policy.evaluate.
    const got = await t.viewer.tasks.get.query({ taskId: task.id });
    expect(got.steps.find((s) => s.key === 'publish')!.policy.risk).toEqual(byKey.publish);
    expect((await t.viewer.policy.evaluate.query({ step: { key: 'p', kind: 'run_command', title: 'Publish', params: { command: 'npm publish' } } })).risk).toEqual(byKey.publish);
  });

  it("a rule sets the risk; the agent's declared risk raises it and never lowers it", async () => {
    const t = await team();
    await t.admin.policy.set.mutate({
      policy: {
        rules: [
          { name: 'high-needs-two', match: { risk: 'high' }, action: 'ask', requiredApprovals: 2 },
          { name: 'feature-push', match: { command: '^git push origin feature/' }, action: 'ask', risk: 'low', reason: 'reviewed again in the pull request' },
        ],
      },
    });
    const task = await t.agent.tasks.plan.mutate({
      title: 'Risks',
      steps: [
        { key: 'feature', kind: 'run_command', title: 'Push the branch', params: { command: 'git push origin feature/x' } },
        { key: 'declared-high', kind: 'run_command', title: 'Push the branch, carefully', params: { command: 'git push origin feature/y' }, risk: 'high' },
        { key: 'declared-low', kind: 'run_command', title: 'Publish', params: { command: 'npm publish' }, risk: 'low' },
      ],
    });
    const feature = await openApproval(t.approver, task.id, 'feature');
    expect(feature.risk).toEqual({ level: 'low', reason: 'reviewed again in the pull request', source: 'rule', rule: 'feature-push' });
    expect(feature.requiredApprovals).toBe(1);
    const raised = await openApproval(t.approver, task.id, 'declared-high');
    expect(raised.risk).toMatchObject({ level: 'high', source: 'agent' });
    expect(raised.declaredRisk).toBe('high');
    // Rules that match on risk see the server's level: the raised step needs two.
    expect(raised.requiredApprovals).toBe(2);
    const lowered = await openApproval(t.approver, task.id, 'declared-low');
    expect(lowered.risk).toMatchObject({ level: 'high', source: 'default' });
    expect(lowered.declaredRisk).toBe('low');
    expect(lowered.requiredApprovals).toBe(2);
  });

  it('an approval shows where the step comes from and when its waiting agent gives up', async () => {
    const t = await team();
    const waitUntil = Date.now() + 60_000;
    const context = { cwd: '/work/app', gitRoot: '/work/app', gitRemote: 'git@github.com:acme/app.git', gitBranch: 'main' };
    const task = await t.agent.tasks.plan.mutate({ title: 'Ctx', steps: [{ key: 'x', kind: 'run_command', title: 'Build', params: { command: 'make' }, context, waitUntil }] });
    expect(await openApproval(t.approver, task.id, 'x')).toMatchObject({ context, waitUntil });
    const bad = await errorOf(t.agent.tasks.plan.mutate({ title: 'Ctx', steps: [{ key: 'x', kind: 'run_command', title: 'B', params: { command: 'make' }, context: { cwd: 1 } as never }] }));
    expect(bad.code).toBe('BAD_REQUEST');
  });
});

describe('approve-all needs its own confirmation for high-risk and N-of-M steps', () => {
  it('refuses the whole batch, naming each unconfirmed step, and decides nothing', async () => {
    const t = await team();
    const task = await t.agent.tasks.plan.mutate(shipPlan());
    const inbox = (await t.approver.approvals.list.query({ taskId: task.id })).items;
    const before = await allEvents(t.viewer);
    const items = inbox.map((a) => ({ approvalId: a.approvalId, decision: 'approve' as const, paramsHash: a.paramsHash }));
    const err = await errorOf(t.approver.approvals.decideMany.mutate({ items }));
    expect(err).toMatchObject({ code: 'BAD_REQUEST', reason: 'confirmation_required' });
    const publish = inbox.find((a) => a.stepKey === 'publish')!;
    const push = inbox.find((a) => a.stepKey === 'push')!;
    expect(err.message).toContain(publish.approvalId);
    expect(JSON.stringify(err.issues)).toContain(push.approvalId);
    expect(err.issues).toHaveLength(2);
    expect(await allEvents(t.viewer)).toHaveLength(before.length);
    expect((await t.approver.approvals.list.query({ taskId: task.id })).items).toHaveLength(3);

    // Confirming only one of them is still a refusal, naming the other.
    const half = await errorOf(t.approver.approvals.decideMany.mutate({ items, confirm: [publish.approvalId] }));
    expect(half.issues).toHaveLength(1);
    expect(half.message).toContain(push.approvalId);
  });

  it('approves them when the call confirms each by id; rejecting all needs no confirmation', async () => {
    const t = await team();
    const task = await t.agent.tasks.plan.mutate(shipPlan());
    const inbox = (await t.approver.approvals.list.query({ taskId: task.id })).items;
    const highs = inbox.filter((a) => a.risk.level === 'high').map((a) => a.approvalId);
    const r = await t.approver.approvals.decideMany.mutate({
      items: inbox.map((a) => ({ approvalId: a.approvalId, decision: 'approve' as const, paramsHash: a.paramsHash })),
      confirm: highs,
    });
    expect(r.items.map((i) => i.stepStatus)).toEqual(['approved', 'approved', 'approved']);

    const other = await t.agent.tasks.plan.mutate(shipPlan());
    const again = (await t.approver.approvals.list.query({ taskId: other.id })).items;
    const rejected = await t.approver.approvals.decideMany.mutate({ items: again.map((a) => ({ approvalId: a.approvalId, decision: 'reject' as const, paramsHash: a.paramsHash })) });
    expect(rejected.items.every((i) => i.stepStatus === 'rejected')).toBe(true);
  });

  it('an N-of-M step needs confirmation too, and confirm may not name an approval outside the batch', async () => {
    const t = await team();
    await t.admin.policy.set.mutate({ policy: { rules: [{ match: { kind: 'edit_file' }, action: 'ask', requiredApprovals: 2 }] } });
    const task = await t.agent.tasks.plan.mutate({ title: 'Two', steps: [{ key: 'e', kind: 'edit_file', title: 'Edit', params: { path: 'src/a.ts', patch: patch('src/a.ts') } }] });
    const a = await openApproval(t.approver, task.id, 'e');
    const item = { approvalId: a.approvalId, decision: 'approve' as const, paramsHash: a.paramsHash };
    const err = await errorOf(t.approver.approvals.decideMany.mutate({ items: [item] }));
    expect(err).toMatchObject({ code: 'BAD_REQUEST', reason: 'confirmation_required' });
    expect(err.message).toContain('needs 2 approvals');
    const stray = await errorOf(t.approver.approvals.decideMany.mutate({ items: [item], confirm: [a.approvalId, '01ZZZZZZZZZZZZZZZZZZZZZZZZ'] }));
    expect(stray.code).toBe('BAD_REQUEST');
    const ok = await t.approver.approvals.decideMany.mutate({ items: [item], confirm: [a.approvalId] });
    expect(ok.items[0]!.stepStatus).toBe('awaiting_approval');
  });
});

describe('history.list', () => {
  it('lists decisions by people and by the policy across tasks, newest first, with filters', async () => {
    const t = await team();
    const one = await t.agent.tasks.plan.mutate({
      title: 'One',
      steps: [
        { key: 'read', kind: 'read', title: 'Read', params: { tool: 'read_file', paths: ['src/a.ts'] } },
        { key: 'edit', kind: 'edit_file', title: 'Edit', params: { path: 'src/a.ts', patch: patch('src/a.ts') } },
      ],
    });
    const two = await t.agent2.tasks.plan.mutate({ title: 'Two', steps: [{ key: 'push', kind: 'run_command', title: 'Push', params: { command: 'git push' } }] });
    const edit = await openApproval(t.approver, one.id, 'edit');
    await t.approver.approvals.decide.mutate({ approvalId: edit.approvalId, decision: 'approve', paramsHash: edit.paramsHash });
    const push = await openApproval(t.approver, two.id, 'push');
    await t.approver2.approvals.decide.mutate({ approvalId: push.approvalId, decision: 'reject', paramsHash: push.paramsHash, feedback: 'not today' });

    const all = await t.viewer.history.list.query({});
    expect(all.items.map((e) => [e.stepKey, e.decision, e.status, e.by])).toEqual([
      ['push', 'reject', 'rejected', ['bob']],
      ['edit', 'approve', 'approved', ['alice']],
      ['read', 'policy', 'approved', ['policy:mode:copilot']],
    ]);
    expect(all.items[0]).toMatchObject({ taskId: two.id, taskTitle: 'Two', agent: 'agent-2', feedback: 'not today', approvalId: push.approvalId, risk: { level: 'high' } });
    expect(all.items[1]).toMatchObject({ approvalId: edit.approvalId, paramsHash: edit.paramsHash, risk: { level: 'medium' } });

    const keys = async (q: Parameters<typeof t.viewer.history.list.query>[0]) => (await t.viewer.history.list.query(q)).items.map((e) => e.stepKey);
    expect(await keys({ taskId: one.id })).toEqual(['edit', 'read']);
    expect(await keys({ agent: 'agent-2' })).toEqual(['push']);
    expect(await keys({ decider: 'alice' })).toEqual(['edit']);
    expect(await keys({ decider: 'policy:mode:copilot' })).toEqual(['read']);
    expect(await keys({ decision: 'policy' })).toEqual(['read']);
    expect(await keys({ status: 'rejected' })).toEqual(['push']);
    expect(await keys({ risk: 'high' })).toEqual(['push']);
    expect(await keys({ agent: 'agent-1', decider: 'bob' })).toEqual([]);
    expect(await keys({ since: all.items[0]!.at + 1 })).toEqual([]);
    expect(await keys({ until: all.items.at(-1)!.at })).toEqual([]);
    expect(await keys({ since: all.items.at(-1)!.at, until: all.items[0]!.at + 1 })).toEqual(['push', 'edit', 'read']);
  });

  it("lists a deadline's decision as timeout, by system", async () => {
    const t = await team();
    await t.admin.policy.set.mutate({ policy: { rules: [{ match: { kind: 'run_command' }, action: 'ask', timeoutSeconds: 600, defaultOnTimeout: 'skip' }] } });
    const task = await t.agent.tasks.plan.mutate({ title: 'Late', steps: [{ key: 'deploy', kind: 'run_command', title: 'Deploy', params: { command: 'make deploy' } }] });
    const a = await openApproval(t.approver, task.id, 'deploy');
    await expireApproval(t.id, a.stepId);
    await runDurableObjectAlarm(stubOf(t.id));
    const [entry] = (await t.viewer.history.list.query({ decision: 'timeout' })).items;
    expect(entry).toMatchObject({ stepKey: 'deploy', decision: 'timeout', status: 'skipped', by: ['system'], approvalId: a.approvalId });
    expect((await t.viewer.history.list.query({ decider: 'system' })).items).toHaveLength(1);
  });

  it('racing decisions on one approval leave exactly one history entry for it', async () => {
    const t = await team();
    const task = await t.agent.tasks.plan.mutate(shipPlan());
    const a = await openApproval(t.approver, task.id, 'publish');
    const item = { approvalId: a.approvalId, decision: 'approve' as const, paramsHash: a.paramsHash };
    const results = await Promise.allSettled([
      t.approver.approvals.decide.mutate(item),
      t.approver2.approvals.decideMany.mutate({ items: [item], confirm: [a.approvalId] }),
      t.approver2.approvals.decide.mutate({ ...item, decision: 'reject' }),
      t.approver.approvals.decideMany.mutate({ items: [item] }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const entries = (await t.viewer.history.list.query({ taskId: task.id })).items.filter((e) => e.approvalId === a.approvalId);
    expect(entries).toHaveLength(1);
  });

  it('pages with a cursor: no entry twice, none missed, and a bad cursor is BAD_REQUEST', async () => {
    const t = await team();
    const steps = Array.from({ length: 7 }, (_, i) => ({ key: `r${i}`, kind: 'read' as const, title: `Read ${i}`, params: { tool: 'read_file', paths: [`src/${i}.ts`] } }));
    await t.agent.tasks.plan.mutate({ title: 'Reads', steps });
    const seen: number[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await t.viewer.history.list.query({ limit: 3, ...(cursor ? { cursor } : {}) });
      seen.push(...page.items.map((e) => e.seq));
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toHaveLength(7);
    expect([...seen].sort((a, b) => b - a)).toEqual(seen);
    expect(new Set(seen).size).toBe(7);
    expect((await errorOf(t.viewer.history.list.query({ cursor: 'abc' }))).code).toBe('BAD_REQUEST');
    expect((await errorOf(t.viewer.history.list.query({ limit: 0 }))).code).toBe('BAD_REQUEST');
  });
});

describe('migration 7', () => {
  it('fills the history from a log written before it, with the same entries the live path writes', async () => {
    const t = await team();
    const task = await t.agent.tasks.plan.mutate(shipPlan());
    const bump = await openApproval(t.approver, task.id, 'bump');
    await t.approver.approvals.decide.mutate({ approvalId: bump.approvalId, decision: 'approve', paramsHash: bump.paramsHash });
    const live = (await t.viewer.history.list.query({})).items;
    expect(live).toHaveLength(1);
    await runInDurableObject(stubOf(t.id), (_o, state) => {
      state.storage.sql.exec(`DROP TABLE history`);
      state.storage.sql.exec(`DROP TABLE history_deciders`);
      state.storage.sql.exec(`UPDATE meta SET value = '6' WHERE key = 'schema_version'`);
    });
    await evictDurableObject(stubOf(t.id));
    expect((await t.viewer.history.list.query({})).items).toEqual(live);
    expect((await t.viewer.history.list.query({ decider: 'alice' })).items).toEqual(live);
  });
});

describe('an idempotent repeat remembered before risks existed', () => {
  it("replays with each step's risk filled in, not a 500, and makes no second task", async () => {
    const t = await team();
    const input = { ...shipPlan(), idempotencyKey: 'before-risks' };
    const first = await t.agent.tasks.plan.mutate(input);
    await runInDurableObject(stubOf(t.id), (_o, state) => {
      const row = state.storage.sql.exec<{ response: string }>(`SELECT response FROM idempotency WHERE key = 'before-risks'`).one();
      const old = JSON.parse(row.response) as { steps: { policy: Record<string, unknown> }[] };
      for (const s of old.steps) delete s.policy.risk;
      state.storage.sql.exec(`UPDATE idempotency SET response = ? WHERE key = 'before-risks'`, JSON.stringify(old));
    });
    const again = await t.agent.tasks.plan.mutate(input);
    expect(again.id).toBe(first.id);
    expect(again.steps.map((s) => s.policy.risk.level)).toEqual(['medium', 'high', 'high']);
    expect((await t.viewer.tasks.list.query({})).items).toHaveLength(1);
  });
});

describe("an agent key asking for a reviewer's procedure", () => {
  it('says what the key can do and which keys can decide, as sentences', async () => {
    const t = await team();
    const task = await t.agent.tasks.plan.mutate(shipPlan());
    const a = await openApproval(t.viewer, task.id, 'bump');
    const err = await errorOf(t.agent.approvals.decide.mutate({ approvalId: a.approvalId, decision: 'approve', paramsHash: a.paramsHash }));
    expect(err.code).toBe('FORBIDDEN');
    expect(err.message).toBe(
      'This is an agent key: it can read tasks, approvals and events, plan and revise tasks, claim and report steps and cancel its own tasks. Deciding approvals needs an approver or admin key.',
    );
  });
});

describe('a wrong paramsHash', () => {
  it('says the hash differs, with both, when no revision had it; says the step changed when an earlier revision had it', async () => {
    const t = await team();
    const task = await t.agent.tasks.plan.mutate(shipPlan());
    const a = await openApproval(t.approver, task.id, 'bump');
    const wrong = 'f'.repeat(64);
    const err = await errorOf(t.approver.approvals.decide.mutate({ approvalId: a.approvalId, decision: 'approve', paramsHash: wrong }));
    expect(err).toMatchObject({ code: 'CONFLICT', reason: 'stale_params_hash' });
    expect(err.message).toContain(wrong);
    expect(err.message).toContain(a.paramsHash);
    expect(err.message).toContain('differs');
  });
});
