/**
 * approvalRecord (approvals.get): an approval's story from the step's events, for the
 * closings the unit level reaches more easily than the API tests: a modify short of N
 * (superseded, with its vote), N-of-M votes, an expiry, a raised mode.
 */
import { describe, expect, it } from 'vitest';
import { applyDeadlines, approvalRecord, decide, Policy, setMode, type Outcome, type Task, type UnhashedEvent } from '../src/index.ts';
import { commandStep, decision, makeEnv, makeTask, modifyDecision, stepOf, unwrap, type Env } from './fixtures.ts';

/** Outcomes as the shell stores them: each event with its seq, time and actor. */
function recorder() {
  const events: UnhashedEvent[] = [];
  return {
    events,
    add(o: Outcome, actor: string, at: number): Task {
      for (const e of o.events) events.push({ seq: events.length + 1, at, actor, ...e });
      return o.task;
    },
  };
}

const TWO = Policy.parse({ rules: [{ name: 'two-eyes', match: { kind: 'run_command' }, action: 'ask', requiredApprovals: 2 }] });
const EXPIRING = Policy.parse({ rules: [{ name: 'quick', match: { kind: 'run_command' }, action: 'ask', timeoutSeconds: 60, defaultOnTimeout: 'reject' }] });

async function start(policy: Policy): Promise<{ env: Env; log: ReturnType<typeof recorder>; task: Task }> {
  const env = makeEnv();
  const log = recorder();
  const task = log.add(await makeTask([commandStep('c')], policy, 'agent', { env }), 'agent', env.now);
  return { env, log, task };
}

describe('approvalRecord', () => {
  it('N-of-M: the first vote, then the second closes it approved by both', async () => {
    const { env, log, task } = await start(TWO);
    const c = stepOf(task, 'c');
    const id = c.approval!.id;
    const one = log.add(unwrap(decide(task, decision(c, 'approve'), TWO, env.ctx('alice'))), 'alice', env.now);
    expect(approvalRecord(one, c.id, id, log.events)).toMatchObject({ status: 'open', votes: [{ principal: 'alice', decision: 'approve' }] });
    env.advance(1000);
    const two = log.add(unwrap(decide(one, decision(stepOf(one, 'c'), 'approve'), TWO, env.ctx('bob'))), 'bob', env.now);
    expect(approvalRecord(two, c.id, id, log.events)).toMatchObject({
      status: 'approved',
      decidedBy: ['alice', 'bob'],
      closedBy: 'bob',
      closedAt: env.now,
      votes: [
        { principal: 'alice', decision: 'approve' },
        { principal: 'bob', decision: 'approve' },
      ],
    });
  });

  it('a modify short of N supersedes the approval with a new one, which carries the modify as a vote', async () => {
    const { env, log, task } = await start(TWO);
    const c = stepOf(task, 'c');
    const modified = log.add(unwrap(decide(task, await modifyDecision(c, { command: 'npm test -- --run' }), TWO, env.ctx('alice'))), 'alice', env.now);
    const next = stepOf(modified, 'c').approval!.id;
    expect(approvalRecord(modified, c.id, c.approval!.id, log.events)).toMatchObject({
      status: 'superseded',
      replacedBy: next,
      decision: { decision: 'modify', by: ['alice'] },
      decidedBy: ['alice'],
      revision: 1,
      paramsHash: c.paramsHash,
    });
    expect(approvalRecord(modified, c.id, next, log.events)).toMatchObject({ status: 'open', revision: 2, votes: [{ principal: 'alice', decision: 'modify' }] });
  });

  it('an expiry is decided by the clock: no people, the default in the reason', async () => {
    const { env, log, task } = await start(EXPIRING);
    const c = stepOf(task, 'c');
    env.advance(61_000);
    const expired = log.add(applyDeadlines(task, 3, env.ctx('system'))!, 'system', env.now);
    expect(approvalRecord(expired, c.id, c.approval!.id, log.events)).toMatchObject({
      status: 'expired',
      decidedBy: [],
      decision: { decision: 'timeout', by: ['timeout'], reason: 'no decision before the deadline: reject' },
      stepStatus: 'rejected',
    });
  });

  it("a mode raised by an approver approves it in that person's name", async () => {
    const { env, log, task } = await start(Policy.parse({ mode: 'manual' }));
    const c = stepOf(task, 'c');
    const raised = log.add(unwrap(setMode(task, 'autopilot', Policy.parse({ mode: 'manual' }), env.ctx('alice'))), 'alice', env.now);
    expect(approvalRecord(raised, c.id, c.approval!.id, log.events)).toMatchObject({ status: 'approved', decidedBy: ['alice'], decision: { decision: 'policy' } });
  });

  it("an id that is not one of the step's approvals: undefined", async () => {
    const { log, task } = await start(TWO);
    expect(approvalRecord(task, stepOf(task, 'c').id, 'nope', log.events)).toBeUndefined();
  });
});
