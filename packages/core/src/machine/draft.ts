/**
 * A working copy of one task for a transition. Transitions are pure from the
 * outside: they clone the task, change the copy through `move`, and return it with
 * the events it produced. `move` is the only way a step changes status, and it
 * emits exactly one event per transition, so the audit log cannot miss one.
 */
import { isTerminalStep, type EventType, type StepStatus } from '../enums.ts';
import type { EventData, NewEvent } from '../schemas/event.ts';
import type { Step } from '../schemas/step.ts';
import type { Task } from '../schemas/task.ts';

/** What a transition needs from the outside world, passed in explicitly. */
export type Ctx = { now: number; actor: string; newId: () => string };

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

  constructor(task: Task, ctx: Ctx) {
    this.ctx = ctx;
    this.task = structuredClone(task);
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
   * type when the cause matters to the reader (revised, expired).
   */
  move(step: Step, to: StepStatus, data: Record<string, unknown> = {}, type?: EventType): void {
    const from = step.status;
    step.status = to;
    if (isTerminalStep(to)) {
      step.completedAt = this.ctx.now;
    }
    // The latest approval stays on the step (closed once the status moves on), so a
    // late decision on it is a CONFLICT, not a NOT_FOUND.
    if (to !== 'executing') delete step.lease;
    this.touch(step);
    this.append(type ?? STATUS_EVENT[to], { from, to, revision: step.revision, ...data }, step.id);
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
