/**
 * Deny rules always hold, also over earlier approvals (issue 11, item 9). A deny rule
 * is a kill switch: policy.set rejects every unstarted step it matches, in the same
 * transaction, and steps.claim never hands one out.
 */
import { env } from 'cloudflare:workers';
import { evictDurableObject, runInDurableObject } from 'cloudflare:test';
import { Policy } from '@greenlight/core';
import { describe, expect, it } from 'vitest';
import { allEvents, gaplessSeqs, openApproval, team } from './harness.ts';

const stubOf = (id: string) => env.WORKSPACE.get(env.WORKSPACE.idFromName(id));
const command = (key: string, cmd: string, dependsOn: string[] = []) => ({ key, kind: 'run_command' as const, title: key, params: { command: cmd }, dependsOn });
const NO_PUBLISH = { name: 'no-publish', match: { kind: 'run_command' as const, command: '^npm publish' }, action: 'deny' as const, reason: 'publishing is frozen' };

describe('policy.set with a new deny rule', () => {
  it('rejects an approved, unclaimed step it matches; steps.claim does not hand it out; dependents blocked', async () => {
    const t = await team();
    const task = await t.agent.plan({
      title: 'release',
      steps: [command('publish', 'npm publish --access public'), command('announce', 'make announce', ['publish']), command('build', 'make')],
    });
    for (const key of ['publish', 'announce', 'build']) {
      const a = await openApproval(t.approver, task.id, key);
      await t.approver.approvals.decide.mutate({ approvalId: a.approvalId, decision: 'approve', paramsHash: a.paramsHash });
    }
    const seqBefore = (await allEvents(t.viewer)).length;

    const set = await t.admin.policy.set.mutate({ policy: { rules: [NO_PUBLISH] } });
    const after = await t.viewer.tasks.get.query({ taskId: task.id });
    const by = Object.fromEntries(after.steps.map((s) => [s.key, s]));
    expect(by.publish!.status).toBe('rejected');
    expect(by.publish!.decision).toMatchObject({ decision: 'policy', by: ['policy:no-publish'], rule: 'no-publish', reason: 'publishing is frozen' });
    expect(by.announce!.status).toBe('blocked');
    expect(by.build!.status).toBe('approved');

    // One transaction: policy.set, then one event per rejected step, then its dependents.
    const log = await allEvents(t.viewer);
    expect(gaplessSeqs(log)).toBe(true);
    const sweep = log.slice(seqBefore);
    expect(sweep.map((e) => [e.type, e.stepId ?? null])).toEqual([
      ['policy.set', null],
      ['step.rejected', by.publish!.id],
      ['step.blocked', by.announce!.id],
    ]);
    expect(sweep[1]).toMatchObject({ actor: 'admin', data: { from: 'approved', to: 'rejected', reason: 'publishing is frozen', recheck: 'policy.set', policyVersion: set.version } });

    const claimed = await t.agent.steps.claim.mutate({ max: 10 });
    expect(claimed.steps.map((s) => s.key)).toEqual(['build']);
  });

  it('closes an open approval it matches, and leaves a step already executing alone', async () => {
    const t = await team();
    await t.admin.policy.set.mutate({ policy: { rules: [{ name: 'commands', match: { kind: 'run_command' }, action: 'allow' }] } });
    const running = await t.agent.plan({ title: 'running', steps: [command('publish', 'npm publish')] });
    const lease = (await t.agent.steps.claim.mutate({ taskId: running.id })).steps[0]!;
    await t.admin.policy.set.mutate({ policy: { rules: [] } });
    const asking = await t.agent.plan({ title: 'asking', steps: [command('publish', 'npm publish')] });
    expect(asking.steps[0]!.status).toBe('awaiting_approval');

    await t.admin.policy.set.mutate({ policy: { rules: [NO_PUBLISH] } });
    expect((await t.viewer.tasks.get.query({ taskId: asking.id })).steps[0]!.status).toBe('rejected');
    expect((await t.viewer.approvals.list.query({ taskId: asking.id })).items).toEqual([]);
    // The executor keeps its lease and reports as usual.
    expect((await t.agent.steps.heartbeat.mutate({ stepId: lease.stepId, leaseId: lease.leaseId })).cancelled).toBe(false);
    expect((await t.agent.steps.complete.mutate({ stepId: lease.stepId, leaseId: lease.leaseId })).stepStatus).toBe('completed');
  });

  it("finds its candidates through the steps' partial indexes, not a scan of every step", async () => {
    const t = await team();
    await t.agent.plan({ title: 'x', steps: [command('a', 'make')] });
    const plans = await runInDurableObject(stubOf(t.id), (_instance, state) =>
      [`SELECT task_id, data FROM steps WHERE status = 'approved'`, `SELECT task_id, data FROM steps WHERE awaiting_since IS NOT NULL`].map((q) =>
        state.storage.sql
          .exec<{ detail: string }>(`EXPLAIN QUERY PLAN ${q}`)
          .toArray()
          .map((r) => r.detail)
          .join('; '),
      ),
    );
    expect(plans[0]).toMatch(/USING INDEX steps_approved/);
    expect(plans[1]).toMatch(/USING INDEX steps_awaiting/);
  });
});

describe('steps.claim', () => {
  it('re-checks the current policy: a step it denies is rejected there, not handed out', async () => {
    const t = await team();
    const task = await t.agent.plan({ title: 'release', steps: [command('publish', 'npm publish'), command('build', 'make')] });
    for (const key of ['publish', 'build']) {
      const a = await openApproval(t.approver, task.id, key);
      await t.approver.approvals.decide.mutate({ approvalId: a.approvalId, decision: 'approve', paramsHash: a.paramsHash });
    }
    // A policy that reached storage without policy.set's sweep (as after a deploy that
    // changes what a rule matches): only the check at claim stands between it and an executor.
    const stored = { policyVersion: 2, policy: Policy.parse({ rules: [NO_PUBLISH] }) };
    await runInDurableObject(stubOf(t.id), (_instance, state) => {
      state.storage.sql.exec(`INSERT OR REPLACE INTO meta (key, value) VALUES ('policy', ?)`, JSON.stringify(stored));
    });
    await evictDurableObject(stubOf(t.id));
    expect((await t.viewer.tasks.get.query({ taskId: task.id })).steps[0]!.status).toBe('approved');

    const claimed = await t.agent.steps.claim.mutate({ max: 10 });
    expect(claimed.steps.map((s) => s.key)).toEqual(['build']);
    const publish = (await t.viewer.tasks.get.query({ taskId: task.id })).steps[0]!;
    expect(publish.status).toBe('rejected');
    const rejected = (await allEvents(t.viewer, task.id)).filter((e) => e.type === 'step.rejected');
    expect(rejected).toHaveLength(1);
    expect(rejected[0]).toMatchObject({ stepId: publish.id, data: { from: 'approved', reason: 'publishing is frozen', recheck: 'steps.claim' } });
  });
});
