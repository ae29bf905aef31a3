/** Workspace administration: the workspace itself, keys, policy; and the event log. */
import {
  deniedBy,
  enforceDenyRules,
  evaluatePolicy,
  hasDenyRules,
  ok,
  simulatePolicy,
  SIMULATE_MAX_STEPS,
  type SimulateInput,
  type SimulationReport,
  type Step,
  type EvaluateInput,
  type Event,
  type RateLimits,
  type Key,
  type ListEventsInput,
  type Policy,
  type PolicyVerdict,
  type Result,
  type Role,
  type WorkspaceDetail,
} from '@greenlight/core';
import { listKeys } from '../keys.ts';
import { listEvents, tasksWithDeniableSteps } from '../store.ts';
import type { Tx } from '../tx.ts';

export function workspaceDetail(tx: Tx): WorkspaceDetail {
  // webhooks: the object's in-memory copy (meta.ts), not part of the answer.
  const { usage, webhooks: _webhooks, ...meta } = tx.meta;
  const tasks = Object.fromEntries(tx.q<{ status: string; n: number }>`SELECT status, COUNT(*) AS n FROM tasks GROUP BY status`.map((r) => [r.status, r.n]));
  const openApprovals = tx.q<{ n: number }>`SELECT COUNT(*) AS n FROM steps WHERE awaiting_since IS NOT NULL`[0]!.n;
  const events = tx.q<{ n: number }>`SELECT COALESCE(MAX(seq), 0) AS n FROM events`[0]!.n;
  return { ...meta, counts: { tasks, openApprovals, events }, usage, you: { keyId: tx.key.id, principal: tx.key.principal, role: tx.key.role } };
}

/** A new key (core's key.create: a principal that reads as another is BAD_REQUEST). */
export function createKey(tx: Tx, input: { principal: string; role: Role }, minted: { key: string; secretHash: string }): Result<{ key: string; id: string; principal: string; role: Role }> {
  const id = crypto.randomUUID();
  const r = tx.run({ type: 'key.create', id, principal: input.principal, role: input.role, secretHash: minted.secretHash });
  if (!r.ok) return r;
  const k = r.value.state.keys[id]!;
  return ok({ key: minted.key, id: k.id, principal: k.principal, role: k.role });
}

export const keys = (tx: Tx): { items: Key[] } => ({ items: listKeys(tx.sql) });

/** Revoke a key (core's key.revoke: idempotent; the last live admin key is CONFLICT `last_admin`). */
export function revoke(tx: Tx, id: string): Result<Key> {
  const r = tx.run({ type: 'key.revoke', id });
  if (!r.ok) return r;
  const { secretHash: _hash, ...key } = r.value.state.keys[id]!;
  return ok(key);
}

export const policy = (tx: Tx): { policy: Policy; version: number } => ({ policy: tx.meta.policy, version: tx.meta.policyVersion });

/**
 * Set the policy, then sweep: every unstarted step (approved and unclaimed, or asking)
 * that the new policy denies is rejected in the same transaction (core enforceDenyRules).
 * Only tasks with such a step are loaded: candidates come from the steps' status indexes.
 */
export function setPolicy(tx: Tx, next: Policy): { policy: Policy; version: number } {
  tx.run({ type: 'policy.set', policy: next });
  const version = tx.meta.policyVersion;
  if (hasDenyRules(next)) {
    for (const taskId of tasksWithDeniableSteps(tx.sql, (s) => deniedBy(next, s) !== undefined)) {
      const t = tx.load(taskId);
      if (!t.ok) continue;
      const out = enforceDenyRules(t.value, next, tx.ctx(), { recheck: 'policy.set', policyVersion: version });
      if (out) tx.commit(out);
    }
  }
  return { policy: next, version };
}

export const evaluate = (tx: Tx, input: EvaluateInput): PolicyVerdict =>
  evaluatePolicy(tx.meta.policy, input.step, input.mode === undefined || input.mode === tx.meta.policy.mode ? undefined : input.mode);

export function events(tx: Tx, input: ListEventsInput): { items: Event[]; nextCursor?: string } {
  const items = listEvents(tx.sql, input);
  return { items, ...(items.length === input.limit ? { nextCursor: String(items.at(-1)!.seq) } : {}) };
}

/** Replay the steps of recent tasks through a candidate policy, at most SIMULATE_MAX_STEPS (one more read to know there were more); nothing is written. */
export function simulate(tx: Tx, input: SimulateInput): SimulationReport {
  const rows = tx.q<{ data: string }>`
    SELECT s.data FROM steps s
    WHERE s.task_id IN (SELECT id FROM tasks WHERE created_at >= ${input.since ?? 0} ORDER BY id DESC LIMIT ${input.limit})
    ORDER BY s.task_id, s.idx LIMIT ${SIMULATE_MAX_STEPS + 1}`;
  return simulatePolicy(
    input.policy,
    rows.map((r) => JSON.parse(r.data) as Step),
  );
}

export function setLimits(tx: Tx, limits: RateLimits): RateLimits {
  tx.run({ type: 'limits.set', limits });
  return limits;
}
