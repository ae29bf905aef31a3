/** Task operations: plan, read, revise, set mode, cancel. Each loads, executes the core's command (run.ts), and answers. */
import {
  fail,
  ok,
  taskView,
  type CancelInput,
  type GetTaskInput,
  type ListStepsInput,
  type ListTasksInput,
  type PlanInput,
  type Result,
  type ReviseInput,
  type SetModeInput,
  type Step,
  type TaskSummary,
  type TaskView,
} from '@greenlight/core';
import { run } from '../run.ts';
import { listTasks, loadTaskRecord, stepPage, stepWindow } from '../store.ts';
import type { Tx } from '../tx.ts';

export function plan(tx: Tx, input: PlanInput, paramsHashes: string[]): Result<TaskView> {
  const r = run(tx, undefined, { type: 'plan', input, paramsHashes });
  return r.ok ? ok(taskView(r.value.task)) : r;
}

/**
 * tasks.get. With `steps: {newest}`: the task record and a window of its steps (the
 * newest and every waiting one, store.stepWindow) with `stepsTotal`, read without loading
 * the rest; the clarifications are those of the window's steps. Else the whole task.
 */
export function get(tx: Tx, input: GetTaskInput): Result<TaskView> {
  if (input.steps === undefined) {
    const t = tx.load(input.taskId);
    return t.ok ? ok(taskView(t.value)) : t;
  }
  const record = loadTaskRecord(tx.sql, input.taskId);
  if (!record) return fail('NOT_FOUND', `task ${input.taskId} not found`);
  const { steps, total } = stepWindow(tx.sql, input.taskId, input.steps.newest);
  return ok({ ...taskView({ ...record, steps }), stepsTotal: total });
}

/** steps.list: one page of a task's steps (store.stepPage); `nextCursor` when there may be more. NOT_FOUND for an unknown task. */
export function listSteps(tx: Tx, input: ListStepsInput): Result<{ items: Step[]; nextCursor?: string }> {
  if (!loadTaskRecord(tx.sql, input.taskId)) return fail('NOT_FOUND', `task ${input.taskId} not found`);
  const rows = stepPage(tx.sql, { ...input, cursor: input.cursor === undefined ? undefined : Number(input.cursor), limit: input.limit + 1 });
  const more = rows.length > input.limit;
  const items = more ? rows.slice(0, input.limit) : rows;
  return ok({ items, ...(more ? { nextCursor: String(items.at(-1)!.index) } : {}) });
}

export function list(tx: Tx, input: ListTasksInput): { items: TaskSummary[]; nextCursor?: string } {
  const items = listTasks(tx.sql, { ...input, limit: input.limit + 1 });
  const more = items.length > input.limit;
  const page = more ? items.slice(0, input.limit) : items;
  return { items: page, ...(more ? { nextCursor: page.at(-1)!.id } : {}) };
}

export function reviseStep(tx: Tx, input: ReviseInput, paramsHash: string): Result<TaskView> {
  const t = tx.load(input.taskId);
  if (!t.ok) return t;
  const r = run(tx, t.value, { type: 'revise', stepId: input.stepId, params: input.params, paramsHash });
  return r.ok ? ok(taskView(r.value.task)) : r;
}

export function setTaskMode(tx: Tx, input: SetModeInput): Result<TaskView> {
  const t = tx.load(input.taskId);
  if (!t.ok) return t;
  const r = run(tx, t.value, { type: 'setMode', mode: input.mode });
  return r.ok ? ok(taskView(r.value.task)) : r;
}

export function cancel(tx: Tx, input: CancelInput): Result<TaskView> {
  const t = tx.load(input.taskId);
  if (!t.ok) return t;
  const r = run(tx, t.value, { type: 'cancel', reason: input.reason });
  return r.ok ? ok(taskView(r.value.task)) : r;
}
