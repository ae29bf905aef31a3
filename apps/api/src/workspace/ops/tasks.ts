/** Task operations: plan, read, revise, set mode, cancel. Each loads, calls the core, commits. */
import {
  can, cancelTask, fail, ok, planTask, revise, setMode, taskView,
  type CancelInput, type ListTasksInput, type PlanInput, type Result, type ReviseInput, type SetModeInput, type TaskSummary, type TaskView,
} from '@greenlight/core';
import { listTasks } from '../store.ts';
import type { Tx } from '../tx.ts';

export function plan(tx: Tx, input: PlanInput, paramsHashes: string[]): Result<TaskView> {
  const r = planTask({ input, paramsHashes }, tx.meta.policy, tx.ctx());
  if (!r.ok) return r;
  tx.commit(r.value, { isNew: true });
  return ok(taskView(r.value.task));
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
  if (tx.key.role !== 'admin' && t.value.createdBy !== tx.actor) return fail('FORBIDDEN', `only the agent that planned task ${input.taskId} may revise it`);
  const r = revise(t.value, { stepId: input.stepId, params: input.params, paramsHash }, tx.meta.policy, tx.ctx());
  if (!r.ok) return r;
  tx.commit(r.value);
  return ok(taskView(r.value.task));
}

export function setTaskMode(tx: Tx, input: SetModeInput): Result<TaskView> {
  const t = tx.load(input.taskId);
  if (!t.ok) return t;
  const r = setMode(t.value, input.mode, tx.meta.policy, tx.ctx());
  if (!r.ok) return r;
  tx.commit(r.value);
  return ok(taskView(r.value.task));
}

export function cancel(tx: Tx, input: CancelInput): Result<TaskView> {
  const t = tx.load(input.taskId);
  if (!t.ok) return t;
  if (!can(tx.key.role, 'cancel_any') && t.value.createdBy !== tx.actor) return fail('FORBIDDEN', `an agent may cancel only its own tasks`);
  const r = cancelTask(t.value, input.reason, tx.ctx());
  if (!r.ok) return r;
  tx.commit(r.value);
  return ok(taskView(r.value.task));
}
