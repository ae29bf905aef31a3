/**
 * The step and task state machines as data (SPEC section 3), declared once. Draft.move
 * and Draft.moveTask check every change against these tables, `npm run docs:states`
 * renders them into the README's diagram (a test fails when it drifts), and the web
 * page's status legend reads them. A move that is not declared here is a bug in the
 * core, never a client's mistake: it throws IllegalTransition, so the shell's
 * transaction rolls back and nothing is written (README Decisions).
 */
import type { EventType, StepStatus, TaskStatus } from '../enums.ts';

/** The pseudo-state a step or task comes from when the plan creates it (the diagram's `[*]`). */
export const NEW_STATE = 'new';
export type StepOrigin = StepStatus | typeof NEW_STATE;

/**
 * One allowed step move: `from` → `to`, written to the log as `event`, caused by
 * `trigger` (a command, the clock, the policy or a neighbour step, in words; ` / `
 * separates causes that write the same event).
 * The same from → to may appear more than once when different causes write
 * different events (a decision, a revision, a timeout).
 */
export type StepTransition = { from: StepOrigin; to: StepStatus; event: EventType; trigger: string };

const edge = (from: StepOrigin, to: StepStatus, event: EventType, trigger: string): StepTransition => ({ from, to, event, trigger });

/** Every status a step can still be cancelled from, or blocked from (SPEC section 3). */
const OPEN: StepStatus[] = ['awaiting_approval', 'changes_requested', 'approved', 'executing'];
const BLOCKABLE: StepStatus[] = ['awaiting_approval', 'changes_requested', 'approved'];
/** A revision is judged by the policy again: it asks, allows or denies. */
const REVISABLE: StepStatus[] = ['awaiting_approval', 'changes_requested', 'approved'];

/** Every move a step can make (SPEC section 3's diagram), with the event each writes. */
export const STEP_TRANSITIONS: readonly StepTransition[] = [
  // planning (and appending to an open task): the policy sorts each new step at once
  edge(NEW_STATE, 'awaiting_approval', 'approval.requested', 'plan / append (policy asks)'),
  edge(NEW_STATE, 'approved', 'step.approved', 'plan / append (policy allows, or a grant answers)'),
  edge(NEW_STATE, 'rejected', 'step.rejected', 'plan / append (policy denies)'),
  // reviewers
  edge('awaiting_approval', 'approved', 'step.approved', 'approve (N votes) / modify / raised mode / new grant'),
  edge('awaiting_approval', 'awaiting_approval', 'approval.requested', 'modify short of N votes / dependency changed'),
  edge('awaiting_approval', 'changes_requested', 'step.changes_requested', 'request_changes'),
  edge('awaiting_approval', 'rejected', 'step.rejected', 'reject / deny rule'),
  edge('awaiting_approval', 'skipped', 'step.skipped', 'skip'),
  edge('awaiting_approval', 'completed', 'step.completed', 'answer (clarify)'),
  // the clock: defaultOnTimeout
  edge('awaiting_approval', 'approved', 'approval.expired', 'timeout (approve)'),
  edge('awaiting_approval', 'rejected', 'approval.expired', 'timeout (reject)'),
  edge('awaiting_approval', 'skipped', 'approval.expired', 'timeout (skip)'),
  edge('awaiting_approval', 'cancelled', 'approval.expired', 'timeout (cancel_task)'),
  // the agent revises: the policy judges the new revision
  ...REVISABLE.flatMap((from) => [
    edge(from, 'awaiting_approval', 'step.revised', 'revise (policy asks)'),
    edge(from, 'approved', 'step.revised', 'revise (policy allows, or a grant answers)'),
    edge(from, 'rejected', 'step.revised', 'revise (policy denies)'),
  ]),
  // an approval given for the old plan is void when a step it builds on changes
  edge('approved', 'awaiting_approval', 'approval.requested', 'dependency changed'),
  // a kill switch: policy.set's deny rule reaches steps not yet claimed
  edge('approved', 'rejected', 'step.rejected', 'deny rule'),
  // executors
  edge('approved', 'executing', 'step.claimed', 'claim'),
  edge('executing', 'completed', 'step.completed', 'complete'),
  edge('executing', 'failed', 'step.failed', 'fail / lease expires'),
  edge('executing', 'approved', 'step.approved', 'retryable fail / lease expires (retry-safe step)'),
  // the task ends, or a dependency can never be satisfied
  ...OPEN.map((from) => edge(from, 'cancelled', 'step.cancelled', 'task cancelled')),
  ...BLOCKABLE.map((from) => edge(from, 'blocked', 'step.blocked', 'dependency failed/rejected/blocked/cancelled')),
];

/** One allowed task move, with its cause in words. */
export type TaskTransition = { from: TaskStatus | typeof NEW_STATE; to: TaskStatus; trigger: string };

/**
 * Every move a task can make. A task is `active` until every step is terminal, then
 * takes the status its steps give it (deriveTaskStatus), or is cancelled; nothing
 * leaves a finished task. An open task (SPEC section 11) stays `active` while open
 * (tasks.append adds steps); once closed (tasks.close, or the alarm when idle) it ends
 * through these same moves: it adds none.
 */
export const TASK_TRANSITIONS: readonly TaskTransition[] = [
  { from: NEW_STATE, to: 'active', trigger: 'plan' },
  { from: 'active', to: 'completed', trigger: 'every step completed or skipped (and closed, if open)' },
  { from: 'active', to: 'completed_with_errors', trigger: 'some steps completed and some not (and closed, if open)' },
  { from: 'active', to: 'failed', trigger: 'no step completed (and closed, if open)' },
  { from: 'active', to: 'cancelled', trigger: 'cancel / timeout (cancel_task)' },
];

/**
 * A move the tables do not declare. Thrown, not returned: it means the core's own
 * code is wrong (a client's mistake is a Result error before any move is made), so
 * the caller's transaction rolls back and the API answers INTERNAL_SERVER_ERROR.
 */
export class IllegalTransition extends Error {
  override readonly name = 'IllegalTransition';
}

/** The declared step move for this change, or undefined when there is none. */
export const findStepTransition = (from: StepOrigin, to: StepStatus, event: EventType): StepTransition | undefined => STEP_TRANSITIONS.find((t) => t.from === from && t.to === to && t.event === event);

/** Throw IllegalTransition unless a step may move from → to writing `event`. Returns the move. */
export function assertStepTransition(from: StepOrigin, to: StepStatus, event: EventType, stepKey: string): StepTransition {
  const found = findStepTransition(from, to, event);
  if (!found) throw new IllegalTransition(`step ${stepKey} cannot move ${from} -> ${to} (${event}): not in STEP_TRANSITIONS`);
  return found;
}

/** Throw IllegalTransition unless a task may move from → to. */
export function assertTaskTransition(from: TaskStatus | typeof NEW_STATE, to: TaskStatus, taskId: string): TaskTransition {
  const found = TASK_TRANSITIONS.find((t) => t.from === from && t.to === to);
  if (!found) throw new IllegalTransition(`task ${taskId} cannot move ${from} -> ${to}: not in TASK_TRANSITIONS`);
  return found;
}

/** The statuses a step in `from` can move to next, in the table's order, each once. */
export const nextStepStatuses = (from: StepOrigin): StepStatus[] => [...new Set(STEP_TRANSITIONS.filter((t) => t.from === from).map((t) => t.to))];
