/** Task operations: plan, read, revise, set mode, cancel. Each loads, executes the core's command (run.ts), and answers. */
import { ok, taskView, type CancelInput, type ListTasksInput, type PlanInput, type Result, type ReviseInput, type SetModeInput, type TaskSummary, type TaskView } from '@greenlight/core';
import { run } from '../run.ts';
import { listTasks } from '../store.ts';
import type { Tx } from '../tx.ts';

export function plan(tx: Tx, input: PlanInput, paramsHashes: string[]): Result<TaskView> {
  const r = run(tx, undefined, { type: 'plan', input, paramsHashes });
  return r.ok ? ok(taskView(r.value.task)) : r;
}

export function get(tx: Tx, taskId: string): Result<TaskView> {
  const t = tx.load(taskId);
  return t.ok ? ok(taskView(t.value)) : t;
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
