/**
 * Remembered grants (docs/sessions.md): list, revoke, and the workspace rules that
 * approvals with scope `always` propose, which an admin confirms into the policy. The
 * grants themselves live on their tasks (core machine/give-grant.ts); the rows here are
 * their readable copies (sessions-store.ts).
 */
import {
  fail,
  grantRule,
  grantRuleIndex,
  ok,
  type ConfirmProposalInput,
  type Grant,
  type GrantProposal,
  type ListGrantsInput,
  type NewEvent,
  type Result,
  type RevokeGrantInput,
  type Task,
} from '@greenlight/core';
import { findProposal, grantTaskId, listGrants, listProposals, saveProposal } from '../sessions-store.ts';
import { run } from '../run.ts';
import type { Tx } from '../tx.ts';
import * as admin from './admin.ts';

/** How many grants or proposals one list answers at most. */
const LIST_LIMIT = 200;

export const list = (tx: Tx, input: ListGrantsInput): { items: Grant[] } => ({
  items: listGrants(tx.sql, { ...input, limit: LIST_LIMIT }),
});

export function revoke(tx: Tx, input: RevokeGrantInput): Result<Grant> {
  const taskId = grantTaskId(tx.sql, input.grantId);
  if (!taskId) return fail('NOT_FOUND', `grant ${input.grantId} not found`);
  const t = tx.load(taskId);
  if (!t.ok) return t;
  const r = run(tx, t.value, { type: 'revokeGrant', grantId: input.grantId });
  if (!r.ok) return r;
  return ok(r.value.task.grants!.find((g) => g.id === input.grantId)!);
}

/**
 * After a decision is committed: each `grant.created` with a proposal (scope `always`)
 * becomes a stored proposal, with policy.simulate of the policy the rule would make
 * over recent tasks, for the admin who decides on it.
 */
export function recordProposals(tx: Tx, task: Task, events: readonly NewEvent[]): void {
  for (const e of events) {
    if (e.type !== 'grant.created' || e.data.proposalId === undefined) continue;
    const grant = task.grants?.find((g) => g.id === e.data.grantId);
    if (!grant) continue;
    const rule = grantRule(grant.matcher, `grant-${grant.id}`);
    const policy = withRule(tx.meta.policy, rule);
    saveProposal(tx.sql, {
      id: e.data.proposalId,
      grantId: grant.id,
      taskId: task.id,
      stepId: grant.stepId,
      by: grant.by,
      createdAt: tx.now,
      matcher: grant.matcher,
      rule,
      status: 'proposed',
      simulation: admin.simulate(tx, { policy, limit: 100 }),
    });
  }
}

const withRule = <P extends { rules: GrantProposal['rule'][] }>(policy: P, rule: GrantProposal['rule']): P => {
  const at = grantRuleIndex(policy);
  return { ...policy, rules: [...policy.rules.slice(0, at), rule, ...policy.rules.slice(at)] };
};

export const proposals = (tx: Tx, input: { all: boolean }): { items: GrantProposal[] } => ({
  items: listProposals(tx.sql, { all: input.all, limit: LIST_LIMIT }),
});

/** An admin turns a proposal into a policy rule (a new policy version; policy.set's deny sweep runs as for any change). */
export function confirm(tx: Tx, input: ConfirmProposalInput): Result<{ proposal: GrantProposal; policyVersion: number }> {
  const p = findProposal(tx.sql, input.proposalId);
  if (!p) return fail('NOT_FOUND', `proposal ${input.proposalId} not found`);
  if (p.status === 'confirmed') return ok({ proposal: p, policyVersion: p.policyVersion ?? tx.meta.policyVersion });
  if (tx.meta.policy.rules.length >= 200) return fail('CONFLICT', 'the policy already has 200 rules: remove one first', { reason: 'too_many_rules' });
  const set = admin.setPolicy(tx, withRule(tx.meta.policy, p.rule));
  const confirmed: GrantProposal = { ...p, status: 'confirmed', confirmedAt: tx.now, confirmedBy: tx.actor, policyVersion: set.version };
  saveProposal(tx.sql, confirmed);
  tx.emit([{ type: 'grant.confirmed', data: { proposalId: p.id, grantId: p.grantId, rule: p.rule.name ?? `grant-${p.grantId}`, policyVersion: set.version } }]);
  return ok({ proposal: confirmed, policyVersion: set.version });
}
