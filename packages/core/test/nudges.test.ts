/**
 * Reminders, escalations and group quorums (issue 15 item 6): each nudge is sent once,
 * at its time, however often and however late the alarm runs; only members of a group
 * (or their live delegates) approve a step whose rule asks that group.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Policy, applyDeadlines, decide, evaluatePolicy, nextDeadline, type Ctx, type NewEvent, type Task } from '../src/index.ts';
import { T0, commandStep, decision, expectError, makeEnv, makeTask, stepOf, unwrap } from './fixtures.ts';

const ruled = (rule: Record<string, unknown>) => Policy.parse({ rules: [{ name: 'r', match: { kind: 'run_command' }, action: 'ask', ...rule }] });

describe('reminders and escalations', () => {
  it('whatever the alarm times (late, repeated), each nudge is emitted once, at its own time, before the expiry, and never after the approval closed', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 100 }),
        fc.integer({ min: 1, max: 100 }),
        fc.option(fc.integer({ min: 1, max: 100 }), { nil: undefined }),
        fc.array(fc.integer({ min: 0, max: 120 }), { minLength: 1, maxLength: 8 }),
        async (remind, escalate, timeout, alarmOffsets) => {
          const policy = ruled({ remindAfterSeconds: remind, escalateAfterSeconds: escalate, escalateTo: 'security', ...(timeout !== undefined ? { timeoutSeconds: timeout } : {}) });
          const env = makeEnv();
          let task: Task = (await makeTask([commandStep('deploy')], policy, 'agent', { env })).task;
          const log: NewEvent[] = [];
          const times = [...alarmOffsets].sort((a, b) => a - b).flatMap((s) => [s, s]); // every alarm fires twice
          for (const s of times) {
            const ctx: Ctx = { ...env.ctx('system', T0 + s * 1000) };
            const out = applyDeadlines(task, 3, ctx);
            if (!out) continue;
            log.push(...out.events);
            task = out.task;
          }
          const last = times.at(-1)! * 1000;
          const expiresAfter = timeout !== undefined ? timeout * 1000 : Infinity;
          const reminded = log.filter((e) => e.type === 'approval.reminded');
          const escalated = log.filter((e) => e.type === 'approval.escalated');
          expect(reminded.length).toBe(remind * 1000 <= last && remind * 1000 <= expiresAfter ? 1 : 0);
          expect(escalated.length).toBe(escalate * 1000 <= last && escalate * 1000 <= expiresAfter ? 1 : 0);
          if (escalated[0]) expect(escalated[0].data).toMatchObject({ group: 'security' });
          // in time order: the nudges before the expiry, the reminder before an escalation due later
          const order = log.map((e) => e.type).filter((t) => t === 'approval.reminded' || t === 'approval.escalated' || t === 'approval.expired');
          if (order.includes('approval.expired')) expect(order.at(-1)).toBe('approval.expired');
          if (reminded.length && escalated.length && remind < escalate) expect(order.indexOf('approval.reminded')).toBeLessThan(order.indexOf('approval.escalated'));
          // nothing left to wake for once every nudge is sent and nothing expires
          const a = stepOf(task, 'deploy').approval!;
          if (a.remindedAt !== undefined && a.escalatedAt !== undefined && timeout === undefined) expect(nextDeadline(task)).toBeUndefined();
        },
      ),
      { numRuns: 150 },
    );
  });

  it('a reminder is not sent for an approval decided before it was due; a revision starts the clock again', async () => {
    const policy = ruled({ remindAfterSeconds: 60 });
    const env = makeEnv();
    const { task } = await makeTask([commandStep('deploy')], policy, 'agent', { env });
    expect(nextDeadline(task)).toBe(T0 + 60_000);
    const decided = unwrap(decide(task, decision(stepOf(task, 'deploy'), 'approve'), policy, env.ctx('alice', T0 + 30_000))).task;
    expect(nextDeadline(decided)).toBeUndefined();
    expect(applyDeadlines(decided, 3, env.ctx('system', T0 + 120_000))).toBeUndefined();
  });
});

describe('group quorums', () => {
  const people = ['ann', 'ben', 'cat', 'dan', 'eve'];
  it('only members approve; approved exactly when `count` distinct members did; non-members may still reject', async () => {
    await fc.assert(
      fc.asyncProperty(fc.subarray(people), fc.array(fc.constantFrom(...people), { minLength: 1, maxLength: 8 }), fc.integer({ min: 1, max: 3 }), async (members, voters, count) => {
        const policy = ruled({ requiredApprovals: { group: 'security', count } });
        const env = makeEnv();
        let task: Task = (await makeTask([commandStep('deploy')], policy, 'agent', { env })).task;
        const approvedBy = new Set<string>();
        for (const who of voters) {
          const step = stepOf(task, 'deploy');
          const ctx: Ctx = { ...env.ctx(who), memberOf: (g) => (g === 'security' && members.includes(who) ? {} : undefined) };
          const r = decide(task, decision(step, 'approve'), policy, ctx);
          if (step.status !== 'awaiting_approval') expectError(r, 'CONFLICT');
          else if (!members.includes(who)) expectError(r, 'FORBIDDEN', 'not_in_group');
          else if (approvedBy.has(who)) expectError(r, 'CONFLICT', 'already_voted');
          else {
            approvedBy.add(who);
            task = unwrap(r).task;
            expect(stepOf(task, 'deploy').status).toBe(approvedBy.size >= count ? 'approved' : 'awaiting_approval');
          }
        }
        if (stepOf(task, 'deploy').status === 'awaiting_approval') {
          const outsider: Ctx = { ...env.ctx('zed'), memberOf: () => undefined };
          expect(decide(task, decision(stepOf(task, 'deploy'), 'reject'), policy, outsider).ok).toBe(true);
        }
      }),
      { numRuns: 100 },
    );
  });

  it("a delegate of a member approves on the member's behalf, recorded as theirs 'for' the member; never for the task's creator", async () => {
    const policy = ruled({ requiredApprovals: { group: 'security', count: 1 } });
    const env = makeEnv();
    const { task } = await makeTask([commandStep('deploy')], policy, 'agent', { env });
    const asDelegate = (of: string): Ctx => ({ ...env.ctx('dave'), memberOf: (g) => (g === 'security' ? { onBehalfOf: of } : undefined) });
    const done = unwrap(decide(task, decision(stepOf(task, 'deploy'), 'approve'), policy, asDelegate('sam'))).task;
    expect(stepOf(done, 'deploy').approvals[0]).toMatchObject({ principal: 'dave', onBehalfOf: 'sam' });
    expectError(decide(task, decision(stepOf(task, 'deploy'), 'approve'), policy, asDelegate('agent')), 'FORBIDDEN');
    // no lookup: nobody is a member (fail closed)
    expectError(decide(task, decision(stepOf(task, 'deploy'), 'approve'), policy, env.ctx('sam')), 'FORBIDDEN', 'not_in_group');
  });

  it('a compound command keeps the group of whichever part asks one (fail closed), and the nudges a part sets', () => {
    const policy = Policy.parse({
      rules: [
        { name: 'build', match: { kind: 'run_command', command: '^make build' }, action: 'ask', remindAfterSeconds: 30 },
        { name: 'deploy', match: { kind: 'run_command', command: '^make deploy' }, action: 'ask', requiredApprovals: { group: 'security', count: 1 }, escalateAfterSeconds: 60, escalateTo: 'sre' },
      ],
    });
    const v = evaluatePolicy(policy, { kind: 'run_command', params: { command: 'make build && make deploy' } });
    expect(v).toMatchObject({ action: 'ask', group: 'security', requiredApprovals: 1, remindAfterSeconds: 30, escalateAfterSeconds: 60, escalateTo: 'sre' });
  });

  it('policy: escalateAfterSeconds needs escalateTo, a group name is checked, a quorum is kept as given', () => {
    expect(Policy.safeParse({ rules: [{ match: { kind: 'run_command' }, action: 'ask', escalateAfterSeconds: 60 }] }).success).toBe(false);
    expect(Policy.safeParse({ rules: [{ match: { kind: 'run_command' }, action: 'ask', requiredApprovals: { group: 'bad group', count: 1 } }] }).success).toBe(false);
    expect(Policy.parse({ rules: [{ match: { kind: 'run_command' }, action: 'ask', requiredApprovals: { group: 'security', count: 2 } }] }).rules[0]!.requiredApprovals).toEqual({
      group: 'security',
      count: 2,
    });
  });
});
