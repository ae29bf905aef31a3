/**
 * The shell's side of the task aggregate: execute a command (core machine/aggregate.ts)
 * on a loaded task with the caller, the clock and the policy, and commit what it
 * answers (the task, its changed steps, its events) in the call's transaction. An
 * error commits nothing.
 */
import { execute, type Executed, type Result, type Task, type TaskCommand } from '@greenlight/core';
import type { Tx } from './tx.ts';

/** `actor` overrides the caller (the alarm acts as `system`). */
export function run(tx: Tx, task: Task | undefined, command: TaskCommand, actor?: string): Result<Executed> {
  const r = execute(task, command, { ...tx.ctx(actor), policy: tx.meta.policy });
  if (r.ok) tx.commit(r.value, { isNew: command.type === 'plan', ...(actor !== undefined ? { actor } : {}) });
  return r;
}
