/**
 * A working copy of one task for a transition. Transitions are pure from the
 * outside: they clone the task, change the copy through `move`, and return it with
 * the events it produced. `move` is the only way a step changes status, and it
 * emits exactly one event per transition, so the audit log cannot miss one. Every
 * move, of a step or of the task, is checked against the declared machine
 * (transitions.ts): an undeclared one throws IllegalTransition.
 */
import { isTerminalStep, type EventType, type Role, type StepStatus, type TaskStatus } from '../enums.ts';
import type { EventData, NewEvent } from '../schemas/event.ts';
import type { Step } from '../schemas/step.ts';
import type { Identity } from '../identity.ts';
import type { PersonOf } from '../people.ts';
import type { MemberOf } from './nudges.ts';
import type { Task } from '../schemas/task.ts';
import { NEW_STATE, assertStepTransition, assertTaskTransition } from './transitions.ts';

/** What a transition needs from the outside world, passed in explicitly. */
export type Ctx = {
  now: number;
  actor: string;
  newId: () => string;
  /** The caller's role, where a rule depends on it (who may revise, cancel or close a task it did not create). */
  role?: Role | undefined;
  /** How the caller came in and whom it counts for (identity.ts); absent for the server's own acts and in tests, meaning a key. */
  identity?: Identity | undefined;
  /** The workspace's links, principal → person (people.ts); absent: every principal is its own person. */
  people?: PersonOf | undefined;
  /** How the caller stands toward an approver group (machine/nudges.ts): member, delegate of one, or neither. */
  memberOf?: MemberOf | undefined;
};

/** The person behind the caller, for the rules that count persons: the principal and, when known, the person it was recorded as. */
export const actorOf = (ctx: Ctx): { principal: string; person?: string | undefined } => ({ principal: ctx.actor, person: ctx.identity?.person });

export type Outcome = { task: Task; events: NewEvent[]; touched: string[] };

const STATUS_EVENT: Record<StepStatus, EventType> = {
  awaiting_approval: 'approval.requested',
  changes_requested: 'step.changes_requested',
  approved: 'step.approved',
  executing: 'step.claimed',
  completed: 'step.completed',
  failed: 'step.failed',
  skipped: 'step.skipped',
  rejected: 'step.rejected',
  blocked: 'step.blocked',
  cancelled: 'step.cancelled',
};

export class Draft {
  readonly task: Task;
  readonly events: NewEvent[] = [];
  private readonly touched = new Set<string>();
  private readonly byId: Map<string, Step>;
  private readonly byKey: Map<string, Step>;
  readonly ctx: Ctx;
  /** Steps the plan just created: their first move is from NEW_STATE, not from their placeholder status. */
  private readonly fresh: Set<string>;

  /**
   * `planned`: the task was just created by planTask, so every step's first move is its
   * entry; `fresh`: the ids of steps just appended (appendSteps), whose first move is theirs.
   */
  constructor(task: Task, ctx: Ctx, opts: { planned?: boolean; fresh?: readonly string[] } = {}) {
    this.ctx = ctx;
    this.task = structuredClone(task);
    this.fresh = new Set(opts.planned ? this.task.steps.map((s) => s.id) : (opts.fresh ?? []));
    this.byId = new Map(this.task.steps.map((s) => [s.id, s]));
    this.byKey = new Map(this.task.steps.map((s) => [s.key, s]));
  }

  step(id: string): Step | undefined {
    return this.byId.get(id);
  }

  stepByKey(key: string): Step | undefined {
    return this.byKey.get(key);
  }

  /** Mark a step changed without a status change (votes, lease renewal). */
  touch(step: Step): void {
    step.updatedAt = this.ctx.now;
    this.touched.add(step.id);
  }

  /**
   * Move a step to `to`, with one event. `type` overrides the status's own event
   * type when the cause matters to the reader (revised, expired). Throws
   * IllegalTransition (before changing anything) when STEP_TRANSITIONS does not
   * declare from → to with that event: a bug in the core, not a caller's mistake.
   */
  move(step: Step, to: StepStatus, data: Record<string, unknown> = {}, type?: EventType): void {
    const from = step.status;
    const eventType = type ?? STATUS_EVENT[to];
    assertStepTransition(this.fresh.has(step.id) ? NEW_STATE : from, to, eventType, step.key);
    this.fresh.delete(step.id);
    step.status = to;
    if (isTerminalStep(to)) {
      step.completedAt = this.ctx.now;
    }
    // The latest approval stays on the step (closed once the status moves on), so a
    // late decision on it is a CONFLICT, not a NOT_FOUND.
    if (to !== 'executing') delete step.lease;
    this.touch(step);
    this.append(eventType, { from, to, revision: step.revision, ...data }, step.id);
  }

  /**
   * End the task with `to` (sets finishedAt); the caller emits its events. Throws
   * IllegalTransition when TASK_TRANSITIONS does not declare the move (only an active
   * task ends, and only once).
   */
  moveTask(to: TaskStatus): void {
    assertTaskTransition(this.task.status, to, this.task.id);
    this.task.status = to;
    if (to !== 'active') this.task.finishedAt = this.ctx.now;
  }

  /**
   * Append an event of `type`; its data is checked against that type's schema at compile
   * time (schemas/event-data.ts), so a wrong or missing field does not build.
   */
  emit<T extends EventType>(type: T, data: EventData<T>, stepId?: string): void {
    this.append(type, data, stepId);
  }

  /**
   * The one place an event's type and data meet untyped. emit's pair was checked at its
   * call site; move's data is `{from, to, revision}` plus the cause, put together at run
   * time, so the event tests parse every event the transitions write with the strict
   * schemas instead (test/events.test.ts).
   */
  private append(type: EventType, data: object, stepId: string | undefined): void {
    this.events.push({ type, taskId: this.task.id, ...(stepId ? { stepId } : {}), data } as NewEvent);
  }

  done(): Outcome {
    this.task.updatedAt = this.ctx.now;
    return { task: this.task, events: this.events, touched: [...this.touched] };
  }
}
