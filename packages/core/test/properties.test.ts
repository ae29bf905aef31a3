/**
 * Property tests: random valid plans under random policies, driven by random command
 * sequences (decisions with right or stale hashes, executor calls with right or wrong
 * leases, revisions, cancel, setMode, deadlines with advancing time). After every
 * command the state machine's invariants must hold.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Policy, type Decision, type NewEvent } from '../src/index.ts';
import { makeEnv, planResult, unwrap } from './fixtures.ts';
import { cmdArb, idx, planArb, policyArb, type Cmd } from './properties/arbitraries.ts';
import { apply, startTask } from './properties/model.ts';
import { checkState, checkTransition } from './properties/invariants.ts';
import { EdgeRecorder } from './properties/edges.ts';

/** FC_NUM_RUNS raises it for a long local run (e.g. FC_NUM_RUNS=20000 with --testTimeout=0); core has no Node types. */
const processEnv = (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env ?? {};
const RUNS = Number(processEnv.FC_NUM_RUNS ?? 200);
const COVERAGE_RUNS = 2000;
const COVERAGE_SEED = 20261130;

describe('state machine properties', () => {
  it('random plans and command sequences keep every invariant', async () => {
    const stats = { ok: 0, error: 0, nothing: 0 };
    await fc.assert(
      fc.asyncProperty(planArb, policyArb, fc.boolean(), fc.boolean(), fc.array(cmdArb, { minLength: 10, maxLength: 40 }), async (specs, policy, planManual, open, cmds) => {
        const env = makeEnv();
        const planned = await startTask(specs, policy, env, { manual: planManual, open });
        expect(planned.events[0]?.type).toBe('task.planned');
        const log: NewEvent[] = [...planned.events];
        checkTransition(undefined, planned);
        checkState(planned.task, log, policy);
        let task = planned.task;
        for (const cmd of cmds) {
          env.advance(cmd.advance);
          const snap = JSON.stringify(task);
          const wasOpen = task.status === 'active';
          const r = await apply(task, cmd, policy, env);
          // transitions are pure: the input task is never changed, whatever the answer
          expect(JSON.stringify(task), `${cmd.t} changed its input`).toBe(snap);
          stats[r.kind]++;
          if (r.kind !== 'ok') continue;
          // (c) a cancelled or finished task accepts nothing (a heartbeat only says "cancelled")
          if (!wasOpen) {
            expect(cmd.t, `${cmd.t} accepted on a ${task.status} task`).toBe('heartbeat');
            expect(r.cancelledHeartbeat).toBe(true);
            expect(r.outcome.events).toEqual([]);
            continue;
          }
          checkTransition(task, r.outcome);
          log.push(...r.outcome.events);
          checkState(r.outcome.task, log, policy);
          task = r.outcome.task;
        }
      }),
      { numRuns: RUNS },
    );
    // the generators reach both sides of the machine
    expect(stats.ok).toBeGreaterThan(RUNS);
    expect(stats.error).toBeGreaterThan(RUNS);
  }, 30_000);

  // The machine as data (transitions.ts) declares no move the core cannot make: each is
  // reached by some generated command sequence. A fixed seed keeps it deterministic (a
  // few moves, such as revising a step in changes_requested into a deny rule, are rare).
  // Every move made is a declared one: Draft.move throws on any other.
  it('every declared step and task move is reached by some command sequence', async () => {
    const edges = new EdgeRecorder();
    await fc.assert(
      fc.asyncProperty(planArb, policyArb, fc.boolean(), fc.boolean(), fc.array(cmdArb, { minLength: 10, maxLength: 40 }), async (specs, policy, planManual, open, cmds) => {
        const env = makeEnv();
        const planned = await startTask(specs, policy, env, { manual: planManual, open });
        edges.record(planned.events, true);
        let task = planned.task;
        for (const cmd of cmds) {
          if (task.status !== 'active') break;
          env.advance(cmd.advance);
          const r = await apply(task, cmd, policy, env);
          if (r.kind !== 'ok') continue;
          const known = new Set(task.steps.map((s) => s.id));
          edges.record(r.outcome.events, false, new Set(r.outcome.task.steps.filter((s) => !known.has(s.id)).map((s) => s.id)));
          task = r.outcome.task;
        }
      }),
      { numRuns: COVERAGE_RUNS, seed: COVERAGE_SEED },
    );
    expect(edges.missing(), 'declared moves no run exercised').toEqual([]);
  }, 60_000);

  // Guards the fix in approveVote: a principal's modify and their later approve are one vote.
  it('an approval by people always has requiredApprovals distinct principals', async () => {
    await fc.assert(
      fc.asyncProperty(
        planArb,
        fc.array(fc.record({ step: idx, actor: fc.integer({ min: 1, max: 3 }), decision: fc.constantFrom<Decision>('approve', 'approve', 'modify', 'reject') }), { minLength: 1, maxLength: 30 }),
        async (specs, votes) => {
          const policy = Policy.parse({ mode: 'manual', requiredApprovals: 2 });
          const env = makeEnv();
          let task = unwrap(await planResult(specs, { policy, env })).task;
          for (const v of votes) {
            const cmd: Cmd = { advance: 1, t: 'decide', step: v.step, decision: v.decision, actor: v.actor, stale: false, text: 0, variant: v.step };
            const r = await apply(task, cmd, policy, env);
            if (r.kind !== 'ok') continue;
            task = r.outcome.task;
            for (const s of task.steps) {
              if (s.status !== 'approved' || (s.decision?.decision !== 'approve' && s.decision?.decision !== 'modify')) continue;
              expect(new Set(s.decision.by).size, `${s.key} approved by ${s.decision.by.join(', ')}`).toBeGreaterThanOrEqual(2);
            }
          }
        },
      ),
      { numRuns: RUNS },
    );
  });
});
