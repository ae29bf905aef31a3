/**
 * The task aggregate's one way in (issue 12 item 1; STYLE "one way in"): `execute(state,
 * command, env)` answers the new state with its events, or an error that changes
 * nothing. The shell loads, executes, stores the outcome and its events in one
 * transaction. Every rule is reached from here: who may act (ownership.ts), which steps
 * a claim takes and for how long (claimSelection, leaseMs), and the transitions.
 */
import { fail, ok, type Result } from '../result.ts';
import type { Policy } from '../schemas/policy.ts';
import type { Step } from '../schemas/step.ts';
import type { Task } from '../schemas/task.ts';
import { appendSteps } from './append.ts';
import { cancelTask } from './cancel.ts';
import { closeTask } from './close.ts';
import type { TaskCommand, TaskEnv } from './command.ts';
import { applyDeadlines } from './deadlines.ts';
import { decide } from './decide.ts';
import { enforceDenyRules } from './deny.ts';
import type { Ctx, Outcome } from './draft.ts';
import { claim, complete, failStep, heartbeat, type Heartbeat } from './execute.ts';
import { revokeGrant } from './give-grant.ts';
import { setMode } from './mode.ts';
import { ownershipRefusal } from './ownership.ts';
import { planTask } from './plan.ts';
import { revise } from './revise.ts';
import { claimableSteps } from './settle.ts';

/** A command's outcome: the task after it, its events, the steps it changed, and what only some commands answer. */
export type Executed = Outcome & {
  /** heartbeat: whether the task was cancelled, and the lease's new end. */
  heartbeat?: Heartbeat;
  /** claim: the ids of the steps handed out, in order. */
  claimed?: string[];
};

/** How long a lease lasts, in ms: what the executor asked for, else the policy's leaseSeconds. */
export const leaseMs = (requestedSeconds: number | undefined, policy: Pick<Policy, 'leaseSeconds'>): number => (requestedSeconds ?? policy.leaseSeconds) * 1000;

/** Which steps a claim of at most `max` takes: the claimable ones (only `only`'s, when given), in plan order. */
export const claimSelection = (task: Task, max: number, only?: readonly string[]): Step[] => {
  const wanted = only ? new Set(only) : undefined;
  return claimableSteps(task)
    .filter((s) => !wanted || wanted.has(s.id))
    .slice(0, max);
};

const unchanged = (task: Task): Executed => ({ task, events: [], touched: [] });

/** Two outcomes one after the other, as one: the later task, every event in order, every step touched. */
const chain = (first: Outcome, then: Executed): Executed => ({
  ...then,
  events: [...first.events, ...then.events],
  touched: [...new Set([...first.touched, ...then.touched])],
});

/**
 * Run `command` on `state` (undefined only for `plan`). Errors are the transitions'
 * (NOT_FOUND, FORBIDDEN, CONFLICT, BAD_REQUEST with issues); on error nothing changed.
 * Pure: the clock, the caller, the ids and the policy all come in `env`.
 */
export function execute(state: Task | undefined, command: TaskCommand, env: TaskEnv): Result<Executed> {
  const { policy, ...rest } = env;
  const ctx: Ctx = rest;
  if (command.type === 'plan') return planTask({ input: command.input, paramsHashes: command.paramsHashes }, policy, ctx);
  if (!state) return fail('NOT_FOUND', 'task not found');
  const task = state;
  switch (command.type) {
    case 'append':
      return appendSteps(task, command, policy, ctx);
    case 'close':
      return closeTask(task, command.reason, ctx);
    case 'revise': {
      const refused = ownershipRefusal(task, 'revise', ctx);
      if (refused) return refused;
      return revise(task, command, policy, ctx);
    }
    case 'cancel': {
      const refused = ownershipRefusal(task, 'cancel', ctx);
      if (refused) return refused;
      return cancelTask(task, command.reason, ctx);
    }
    case 'decide': {
      const { type: _type, ...cmd } = command;
      return decide(task, cmd, policy, ctx);
    }
    case 'setMode':
      return setMode(task, command.mode, policy, ctx);
    case 'claim': {
      // The kill switch first: a step the current policy denies is rejected, never handed out.
      const denied = enforceDenyRules(task, policy, ctx, { recheck: 'steps.claim' });
      const current = denied?.task ?? task;
      const ids = claimSelection(current, command.max, command.stepIds).map((s) => s.id);
      const base = denied ?? unchanged(task);
      if (ids.length === 0) return ok({ ...base, claimed: [] });
      const r = claim(current, { stepIds: ids, leaseMs: leaseMs(command.leaseSeconds, policy) }, policy, ctx);
      return r.ok ? ok(chain(base, { ...r.value, claimed: ids })) : r;
    }
    case 'heartbeat':
      return heartbeat(task, { stepId: command.stepId, leaseId: command.leaseId, leaseMs: leaseMs(command.leaseSeconds, policy) }, ctx);
    case 'complete': {
      const { type: _type, ...cmd } = command;
      return complete(task, cmd, ctx);
    }
    case 'fail': {
      const { type: _type, ...cmd } = command;
      return failStep(task, cmd, policy.maxAttempts, ctx);
    }
    case 'deadlines':
      return ok(applyDeadlines(task, policy.maxAttempts, ctx) ?? unchanged(task));
    case 'enforceDeny':
      return ok(enforceDenyRules(task, policy, ctx, command.recheck) ?? unchanged(task));
    case 'revokeGrant':
      return revokeGrant(task, command.grantId, ctx);
  }
}
