/**
 * What follows from a change, applied after every transition: blocked propagation,
 * and the task's derived status. Derived, never stored by hand, so they cannot drift.
 */
import { BLOCKING_STEP_STATUSES, SATISFYING_STEP_STATUSES, isTerminalStep, type TaskStatus } from '../enums.ts';
import type { Step } from '../schemas/step.ts';
import type { Task } from '../schemas/task.ts';
import type { Draft } from './draft.ts';

const BLOCKABLE = new Set(['approved', 'awaiting_approval', 'changes_requested']);

/** Steps whose dependency can no longer be satisfied are blocked, transitively. */
export function propagateBlocked(d: Draft): void {
  let changed = true;
  while (changed) {
    changed = false;
    for (const step of d.task.steps) {
      if (!BLOCKABLE.has(step.status)) continue;
      const culprit = step.dependsOn.map((k) => d.stepByKey(k)).find((dep) => dep && BLOCKING_STEP_STATUSES.has(dep.status));
      if (culprit) {
        d.move(step, 'blocked', { reason: `dependency ${culprit.key} is ${culprit.status}`, dependency: culprit.key });
        changed = true;
      }
    }
  }
}

/** The task's status as its steps say it is; an open task is active until it is closed, whatever its steps. */
export function deriveTaskStatus(task: Pick<Task, 'status' | 'steps' | 'open'>): TaskStatus {
  if (task.status === 'cancelled') return 'cancelled';
  if (task.open === true) return 'active';
  if (task.steps.some((s) => !isTerminalStep(s.status))) return 'active';
  if (task.steps.every((s) => SATISFYING_STEP_STATUSES.has(s.status))) return 'completed';
  return task.steps.some((s) => s.status === 'completed') ? 'completed_with_errors' : 'failed';
}

export function settle(d: Draft): void {
  propagateBlocked(d);
  const status = deriveTaskStatus(d.task);
  if (status !== d.task.status) {
    d.moveTask(status);
    if (status !== 'active') d.emit('task.finished', { status });
  }
}

/** Every step that depends on `key`, directly or not. */
export function dependentsOf(task: Task, key: string): Step[] {
  const out = new Set<Step>();
  const frontier = [key];
  while (frontier.length > 0) {
    const k = frontier.pop()!;
    for (const s of task.steps) {
      if (s.dependsOn.includes(k) && !out.has(s)) {
        out.add(s);
        frontier.push(s.key);
      }
    }
  }
  return [...out];
}

/** A step may be claimed when approved and every dependency is completed or skipped. */
export function isClaimable(task: Task, step: Step): boolean {
  if (task.status !== 'active' || step.status !== 'approved') return false;
  const byKey = new Map(task.steps.map((s) => [s.key, s]));
  return step.dependsOn.every((k) => {
    const dep = byKey.get(k);
    return dep !== undefined && SATISFYING_STEP_STATUSES.has(dep.status);
  });
}

export const claimableSteps = (task: Task): Step[] => task.steps.filter((s) => isClaimable(task, s));
