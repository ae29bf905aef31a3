/** Approval operations: the inbox, one approval open or not, one decision, and a batch that lands whole or not at all. */
import {
  approvalRecord,
  decideMany as coreDecideMany,
  withSuggestedGrant,
  fail,
  ok,
  type Approval,
  type ApprovalRecord,
  type DecideInput,
  type DecideResult,
  type DecideManyInput,
  type ListApprovalsInput,
  type Result,
  type Task,
} from '@greenlight/core';
import { approvalCursor, findApproval, listOpenApprovals, stepEvents } from '../store.ts';
import { run } from '../run.ts';
import type { Tx } from '../tx.ts';
import { recordProposals } from './grants.ts';

export function list(tx: Tx, input: ListApprovalsInput): { items: Approval[]; nextCursor?: string } {
  const items = listOpenApprovals(tx.sql, { ...input, limit: input.limit + 1 }).map(withSuggestedGrant);
  const more = items.length > input.limit;
  const page = more ? items.slice(0, input.limit) : items;
  return { items: page, ...(more ? { nextCursor: approvalCursor(page.at(-1)!) } : {}) };
}

/**
 * One approval by id, open or closed (every approval ever opened stays findable): its
 * status, how and by whom it closed, its votes, and the step's and task's status now.
 * NOT_FOUND for an id this workspace never opened.
 */
export function get(tx: Tx, approvalId: string): Result<ApprovalRecord> {
  const found = findApproval(tx.sql, approvalId);
  if (!found) return fail('NOT_FOUND', `approval ${approvalId} not found`);
  const t = tx.load(found.taskId);
  if (!t.ok) return t;
  const record = approvalRecord(t.value, found.stepId, approvalId, stepEvents(tx.sql, found.taskId, found.stepId));
  if (!record) return fail('NOT_FOUND', `approval ${approvalId} not found`);
  return ok(record.approval ? { ...record, approval: withSuggestedGrant(record.approval) } : record);
}

/** A decision's answer: the statuses after it, and the step itself as steps.get would show it now. */
function summary(task: Task, approvalId: string, stepId: string): DecideResult {
  const step = task.steps.find((s) => s.id === stepId)!;
  return { approvalId, taskId: task.id, stepId, stepStatus: step.status, taskStatus: task.status, step };
}

export function decide(tx: Tx, input: DecideInput, newParamsHash: string | undefined): Result<DecideResult> {
  const found = findApproval(tx.sql, input.approvalId);
  if (!found) return fail('NOT_FOUND', `approval ${input.approvalId} not found`);
  const t = tx.load(found.taskId);
  if (!t.ok) return t;
  const { idempotencyKey: _, ...cmd } = input;
  const r = run(tx, t.value, { type: 'decide', ...cmd, stepId: found.stepId, ...(newParamsHash ? { newParamsHash } : {}) });
  if (!r.ok) return r;
  recordProposals(tx, r.value.task, r.value.events);
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
  const r = coreDecideMany([...tasks.values()], items, tx.meta.policy, tx.ctx(), input.confirm);
  if (!r.ok) return r;
  for (const outcome of r.value) {
    tx.commit(outcome);
    recordProposals(tx, outcome.task, outcome.events);
  }
  const after = new Map(r.value.map((o) => [o.task.id, o.task]));
  return ok({ items: items.map((i) => summary(after.get(i.taskId)!, i.approvalId, i.stepId)) });
}
