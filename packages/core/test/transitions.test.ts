/**
 * The state machines as data (machine/transitions.ts): the tables say what SPEC section 3
 * says, and Draft refuses every move they do not declare. That every declared move is
 * reachable is properties.test.ts ("every declared step and task move is reached").
 */
import { describe, expect, it } from 'vitest';
import { Draft, IllegalTransition, NEW_STATE, STEP_TRANSITIONS, StepStatus, TASK_TRANSITIONS, TaskStatus, cancelTask, isTerminalStep, nextStepStatuses, type StepOrigin } from '../src/index.ts';
import { editStep, makeCtx, makeTask, readStep, stepOf, unwrap } from './fixtures.ts';
import { run, setup } from './executor-helpers.ts';

/** Every status reachable from `start` through the table. */
function reachable(start: StepOrigin): Set<StepStatus> {
  const seen = new Set<StepStatus>();
  const frontier: StepOrigin[] = [start];
  while (frontier.length > 0) {
    for (const to of nextStepStatuses(frontier.pop()!)) {
      if (!seen.has(to)) {
        seen.add(to);
        frontier.push(to);
      }
    }
  }
  return seen;
}

describe('the step machine as data', () => {
  it('has no move out of a terminal status, and one or more out of every other', () => {
    for (const s of StepStatus.options) {
      expect(nextStepStatuses(s).length > 0, `${s}: moves out`).toBe(!isTerminalStep(s));
    }
  });

  it('reaches every status from a new step', () => {
    expect([...reachable(NEW_STATE)].sort()).toEqual([...StepStatus.options].sort());
  });

  it('cancels every open status and blocks exactly those SPEC section 3 names', () => {
    const into = (to: StepStatus, event: string) =>
      STEP_TRANSITIONS.filter((t) => t.to === to && t.event === event)
        .map((t) => t.from)
        .sort();
    expect(into('cancelled', 'step.cancelled')).toEqual(StepStatus.options.filter((s) => !isTerminalStep(s)).sort());
    expect(into('blocked', 'step.blocked')).toEqual(['approved', 'awaiting_approval', 'changes_requested']);
    // only approved steps are handed out; executing ends in completed, failed, or a retry
    expect(STEP_TRANSITIONS.filter((t) => t.to === 'executing').map((t) => t.from)).toEqual(['approved']);
    expect(nextStepStatuses('executing').sort()).toEqual(['approved', 'cancelled', 'completed', 'failed']);
  });

  it('declares each move once, each with a trigger in words', () => {
    const names = STEP_TRANSITIONS.map((t) => `${t.from} ${t.to} ${t.event}`);
    expect(new Set(names).size).toBe(names.length);
    for (const t of STEP_TRANSITIONS) expect(t.trigger.trim().length, `${t.from} -> ${t.to}`).toBeGreaterThan(0);
  });
});

describe('the task machine as data', () => {
  it('ends an active task once, in any finished status; nothing leaves a finished task', () => {
    const from = (s: TaskStatus) => TASK_TRANSITIONS.filter((t) => t.from === s).map((t) => t.to);
    expect(from('active').sort()).toEqual(TaskStatus.options.filter((s) => s !== 'active').sort());
    for (const s of TaskStatus.options.filter((x) => x !== 'active')) expect(from(s), s).toEqual([]);
    expect(TASK_TRANSITIONS.filter((t) => t.from === NEW_STATE).map((t) => t.to)).toEqual(['active']);
  });
});

describe('an undeclared move is a bug: it throws IllegalTransition and changes nothing', () => {
  it('a finished step cannot move again', async () => {
    const { env, task } = await setup([readStep('a'), readStep('b')]);
    const t = run(task, 'a', env);
    const d = new Draft(t, env.ctx('agent'));
    const a = d.step(stepOf(t, 'a').id)!;
    expect(() => d.move(a, 'executing')).toThrow(IllegalTransition);
    expect(() => d.move(a, 'approved')).toThrow(/cannot move completed -> approved/);
    expect(a.status).toBe('completed');
    expect(d.events).toEqual([]);
  });

  it('a declared from -> to with the wrong event is refused too', async () => {
    const { task } = await makeTask([editStep('e')]);
    const d = new Draft(task, makeCtx());
    const e = d.step(stepOf(task, 'e').id)!;
    expect(e.status).toBe('awaiting_approval');
    expect(() => d.move(e, 'approved', {}, 'step.claimed')).toThrow(IllegalTransition);
    // and an awaiting step is never handed to an executor
    expect(() => d.move(e, 'executing')).toThrow(/awaiting_approval -> executing/);
    expect(d.events).toEqual([]);
  });

  it('a planned step enters from new: straight to executing is refused', async () => {
    const { task } = await makeTask([readStep('r')]);
    const d = new Draft({ ...task, steps: task.steps.map((s) => ({ ...s, status: 'awaiting_approval' as const })) }, makeCtx(), { planned: true });
    const r = d.step(stepOf(task, 'r').id)!;
    expect(() => d.move(r, 'executing')).toThrow(/new -> executing/);
    d.move(r, 'approved');
    expect(r.status).toBe('approved');
  });

  it('a finished task cannot end again', async () => {
    const { env, task } = await setup([readStep('a')]);
    const done = run(task, 'a', env);
    expect(done.status).toBe('completed');
    const d = new Draft(done, env.ctx('agent'));
    expect(() => d.moveTask('cancelled')).toThrow(/task .* cannot move completed -> cancelled/);
    expect(d.task.status).toBe('completed');
    // the command path refuses it as a client's CONFLICT before any move is tried
    expect(cancelTask(done, undefined, env.ctx('agent')).ok).toBe(false);
    const cancelled = unwrap(cancelTask(task, 'stop', env.ctx('agent'))).task;
    expect(() => new Draft(cancelled, env.ctx('agent')).moveTask('completed')).toThrow(IllegalTransition);
  });
});
