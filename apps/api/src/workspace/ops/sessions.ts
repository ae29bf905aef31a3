/**
 * Tasks that grow (docs/sessions.md): plan with a session, append, close, and the
 * alarm's idle close. Each loads, calls the core, commits (Tx.commit keeps the open-task
 * rows in step). The session lookup runs inside the object's one synchronous
 * transaction, so concurrent first calls of a session find or make exactly one task.
 */
import {
  fail,
  idleCloseAt,
  ok,
  sessionIdleMs,
  taskView,
  type AppendInput,
  type Step,
  type AppendResult,
  type CloseInput,
  type PlanInput,
  type PlanResult,
  type Result,
  type TaskView,
} from '@greenlight/core';
import { idleOpenTasks, openTaskOfSession } from '../sessions-store.ts';
import { run } from '../run.ts';
import { SYSTEM_ACTOR, type Tx } from '../tx.ts';
import * as tasks from './tasks.ts';

/**
 * tasks.plan. With `open` and `session`, the caller's open task of that session is
 * answered (`existing: true`) and the plan's steps, if any, are appended to it; a
 * session whose task was closed gets a new one.
 */
export function plan(tx: Tx, input: PlanInput, paramsHashes: string[]): Result<PlanResult> {
  if (input.open === true && input.session !== undefined) {
    const id = openTaskOfSession(tx.sql, tx.actor, input.session);
    const found = id !== undefined ? tx.load(id) : undefined;
    if (found?.ok && found.value.open === true) {
      if (input.steps.length === 0) return ok({ ...taskView(found.value), existing: true });
      const r = run(tx, found.value, { type: 'append', steps: input.steps, paramsHashes });
      if (!r.ok) return r;
      return ok({ ...taskView(r.value.task), existing: true });
    }
  }
  return tasks.plan(tx, input, paramsHashes);
}

/** tasks.append: the task after it, and the appended steps as they are now (approved, asking or rejected). */
export function append(tx: Tx, input: AppendInput, paramsHashes: string[]): Result<AppendResult> {
  const t = tx.load(input.taskId);
  if (!t.ok) return t;
  const r = run(tx, t.value, { type: 'append', steps: input.steps, paramsHashes });
  if (!r.ok) return r;
  const keys = new Set(input.steps.map((s) => s.key));
  return ok({ task: taskView(r.value.task), steps: r.value.task.steps.filter((s) => keys.has(s.key)) });
}

/** tasks.close: idempotent; the task as it is after it. */
export function close(tx: Tx, input: CloseInput): Result<TaskView> {
  const t = tx.load(input.taskId);
  if (!t.ok) return t;
  const r = run(tx, t.value, { type: 'close', reason: 'closed' });
  if (!r.ok) return r;
  return ok(taskView(r.value.task));
}

/** One step by its task and key (a host's natural id, e.g. Claude Code's tool_use_id): NOT_FOUND when either is unknown. */
export function stepByKey(tx: Tx, taskId: string, key: string): Result<Step> {
  const t = tx.load(taskId);
  if (!t.ok) return t;
  const step = t.value.steps.find((s) => s.key === key);
  return step ? ok(step) : fail('NOT_FOUND', `task ${taskId} has no step with key ${key}`);
}

/** The alarm's part: close every open task whose idle time ran out by `tx.now`. Idempotent (alarms may fire twice). */
export function closeIdle(tx: Tx): void {
  const idleMs = sessionIdleMs(tx.meta.policy);
  for (const id of idleOpenTasks(tx.sql, tx.now - idleMs)) {
    const t = tx.load(id);
    if (!t.ok) continue;
    const due = idleCloseAt(t.value, tx.meta.policy);
    if (due === undefined || due > tx.now) continue;
    run(tx, t.value, { type: 'close', reason: 'idle' }, SYSTEM_ACTOR);
  }
}
