/** Approval operations: the inbox, one decision, and a batch that lands whole or not at all. */
import {
  decide as coreDecide, decideMany as coreDecideMany, fail, ok,
  type Approval, type DecideInput, type DecideResult, type DecideManyInput, type ListApprovalsInput, type Result, type Task,
} from '@greenlight/core';
import { approvalCursor, findApproval, listOpenApprovals } from '../store.ts';
import type { Tx } from '../tx.ts';

export function list(tx: Tx, input: ListApprovalsInput): { items: Approval[]; nextCursor?: string } {
  const items = listOpenApprovals(tx.sql, { ...input, limit: input.limit + 1 });
  const more = items.length > input.limit;
  const page = more ? items.slice(0, input.limit) : items;
  return { items: page, ...(more ? { nextCursor: approvalCursor(page.at(-1)!) } : {}) };
}


function summary(task: Task, approvalId: string, stepId: string): DecideResult {
  const step = task.steps.find((s) => s.id === stepId)!;
  return { approvalId, taskId: task.id, stepId, stepStatus: step.status, taskStatus: task.status };
}

export function decide(tx: Tx, input: DecideInput, newParamsHash: string | undefined): Result<DecideResult> {
  const found = findApproval(tx.sql, input.approvalId);
  if (!found) return fail('NOT_FOUND', `approval ${input.approvalId} not found`);
  const t = tx.load(found.taskId);
  if (!t.ok) return t;
  const { idempotencyKey: _, ...cmd } = input;
  const r = coreDecide(t.value, { ...cmd, stepId: found.stepId, ...(newParamsHash ? { newParamsHash } : {}) }, tx.meta.policy, tx.ctx());
  if (!r.ok) return r;
  tx.commit(r.value);
  return ok(summary(r.value.task, input.approvalId, found.stepId));
}

export function decideMany(tx: Tx, input: DecideManyInput, newParamsHashes: (string | undefined)[]): Result<{ items: DecideResult[] }> {
  const tasks = new Map<string, Task>();
  const items = [];
  for (const [index, item] of input.items.entries()) {
    const found = findApproval(tx.sql, item.approvalId);
    if (!found) return fail('NOT_FOUND', `items[${index}]: approval ${item.approvalId} not found`);
    if (!tasks.has(found.taskId)) {
      const t = tx.load(found.taskId);
      if (!t.ok) return t;
      tasks.set(found.taskId, t.value);
    }
    const hash = newParamsHashes[index];
    items.push({ ...item, ...found, ...(hash ? { newParamsHash: hash } : {}) });
  }
  const r = coreDecideMany([...tasks.values()], items, tx.meta.policy, tx.ctx());
  if (!r.ok) return r;
  for (const outcome of r.value) tx.commit(outcome);
  const after = new Map(r.value.map((o) => [o.task.id, o.task]));
  return ok({ items: items.map((i) => summary(after.get(i.taskId)!, i.approvalId, i.stepId)) });
}

