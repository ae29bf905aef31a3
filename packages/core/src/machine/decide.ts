/**
 * Reviewer decisions on an open approval (SPEC section 3): approve with N-of-M,
 * request changes, reject (a veto), modify, skip, and answer for clarify steps.
 * Every decision names the paramsHash the reviewer saw; a different one is stale.
 */
import type { DefaultOnTimeout } from '../enums.ts';
import { fail, ok, type Result } from '../result.ts';
import type { DecideInput } from '../schemas/approval.ts';
import type { Policy } from '../schemas/policy.ts';
import type { Step, Vote } from '../schemas/step.ts';
import type { Task } from '../schemas/task.ts';
import { checkNewParams } from './plan.ts';
import { requestApproval } from './approval.ts';
import { Draft, type Ctx, type Outcome } from './draft.ts';
import { voidDependents } from './revise.ts';
import { settle } from './settle.ts';
import { cancelInDraft } from './cancel.ts';
import { selfApprovalRefusal } from './authority.ts';
import { approvalProgress } from '../facts.ts';
import { giveGrant } from './give-grant.ts';
import { stepUpRefusal } from '../stepup.ts';

/**
 * A decision as the core takes it. The shell has looked the approval id up (every
 * approval ever opened stays findable) and, for modify, hashed the new params.
 */
export type DecideCommand = Omit<DecideInput, 'idempotencyKey'> & { stepId: string; newParamsHash?: string };

export function decide(task: Task, cmd: DecideCommand, policy: Policy, ctx: Ctx): Result<Outcome> {
  const d = new Draft(task, ctx);
  const r = decideInDraft(d, cmd, policy);
  if (!r.ok) return r;
  settle(d);
  return ok(d.done());
}

/**
 * Why `given` is not the step's paramsHash, in words: the step was revised since that
 * hash was shown (it names an earlier revision), or the hash is simply not this step's
 * (mistyped, or from another step). Both hashes are given in full, so a person can compare.
 */
export function staleHashMessage(step: Pick<Step, 'key' | 'paramsHash' | 'revision' | 'history'>, given: string): string {
  const old = step.history.find((h) => h.paramsHash === given);
  if (old) {
    return `step ${step.key} changed since it was shown: the paramsHash you sent is revision ${old.revision}'s; it is now revision ${step.revision} with paramsHash ${step.paramsHash}. Reload and decide again.`;
  }
  return `The paramsHash you sent (${given}) differs from step ${step.key}'s (${step.paramsHash}), and no earlier revision had it: check the hash you copied.`;
}

/** The decision applied to a draft; decideMany folds several into one draft per task. */
export function decideInDraft(d: Draft, cmd: DecideCommand, policy: Policy): Result<void> {
  const { task } = d;
  const step = d.step(cmd.stepId);
  if (!step) return fail('NOT_FOUND', `approval ${cmd.approvalId} not found`);
  if (step.status !== 'awaiting_approval' || step.approval?.id !== cmd.approvalId) {
    const why = task.status === 'active' ? `approval ${cmd.approvalId} is no longer open` : `task ${task.id} is ${task.status}`;
    return fail('CONFLICT', why, { reason: task.status === 'cancelled' ? 'cancelled' : 'not_open' });
  }
  if (cmd.paramsHash !== step.paramsHash) {
    return fail('CONFLICT', staleHashMessage(step, cmd.paramsHash), { reason: 'stale_params_hash' });
  }
  const refused = selfApprovalRefusal(task, d.ctx.actor, policy);
  if (refused) return { ok: false, error: refused };
  // Step-up (stepup.ts): the strength the step's verdict asked for when it was requested.
  const weak = stepUpRefusal(step, task.id, cmd.decision, d.ctx.identity);
  if (weak) return { ok: false, error: weak };
  const clarify = step.kind === 'clarify';
  if (clarify && (cmd.decision === 'approve' || cmd.decision === 'modify' || cmd.decision === 'request_changes')) {
    return fail('BAD_REQUEST', `clarify step ${step.key} takes an answer (or skip, or reject), not ${cmd.decision}`);
  }
  if (!clarify && cmd.decision === 'answer') return fail('BAD_REQUEST', `only clarify steps take an answer; ${step.key} is ${step.kind}`);

  const scope = cmd.scope ?? 'once';
  if ((scope !== 'once' || cmd.grant !== undefined) && cmd.decision !== 'approve' && cmd.decision !== 'modify') {
    return fail('BAD_REQUEST', `a grant (scope ${scope}) comes with approve or modify, not ${cmd.decision}`, {
      issues: [{ path: ['scope'], message: 'only approve and modify take a scope or a grant' }],
    });
  }
  const { now, actor, identity } = d.ctx;
  const vote: Vote = { principal: actor, decision: cmd.decision, at: now, ...identity };
  switch (cmd.decision) {
    case 'approve': {
      const r = approveVote(d, step, vote);
      return r.ok && scope !== 'once' ? giveGrant(d, step, { ...cmd, scope }, policy) : r;
    }
    case 'reject':
      step.approvals = [...step.approvals, vote];
      step.decision = { decision: 'reject', by: [actor], at: now, ...(cmd.feedback ? { feedback: cmd.feedback } : {}) };
      d.move(step, 'rejected', { by: actor, feedback: cmd.feedback });
      return ok(undefined);
    case 'skip':
      step.decision = { decision: 'skip', by: [actor], at: now, ...(cmd.feedback ? { feedback: cmd.feedback } : {}) };
      d.move(step, 'skipped', { by: actor, feedback: cmd.feedback });
      return ok(undefined);
    case 'request_changes': {
      const feedback = cmd.feedback?.trim();
      if (!feedback) return fail('BAD_REQUEST', 'request_changes needs feedback: tell the agent what to change');
      step.approvals = [];
      step.decision = { decision: 'request_changes', by: [actor], at: now, feedback };
      d.move(step, 'changes_requested', { by: actor, feedback });
      return ok(undefined);
    }
    case 'answer': {
      const answer = cmd.answer?.trim();
      if (!answer) return fail('BAD_REQUEST', 'answer needs the text of the answer');
      step.decision = { decision: 'answer', by: [actor], at: now, answer };
      step.result = { output: { answer } };
      d.move(step, 'completed', { by: actor, answer });
      return ok(undefined);
    }
    case 'modify': {
      const r = modify(d, step, cmd, vote);
      return r.ok && scope !== 'once' ? giveGrant(d, step, { ...cmd, scope }, policy) : r;
    }
  }
}

/** N-of-M: distinct principals; the same principal twice counts once (approvalProgress). */
function approveVote(d: Draft, step: Step, vote: Step['approvals'][number]): Result<void> {
  // A modify is its author's approval of the new revision: it counts once, like any vote.
  if (approvalProgress(step.approvals, step.approval!.requiredApprovals).approvers.includes(vote.principal)) {
    return fail('CONFLICT', `${vote.principal} has already approved this revision`, { reason: 'already_voted' });
  }
  step.approvals = [...step.approvals, vote];
  const progress = approvalProgress(step.approvals, step.approval!.requiredApprovals);
  if (progress.met) {
    step.decision = { decision: 'approve', by: progress.approvers, at: d.ctx.now };
    d.move(step, 'approved', { by: progress.approvers });
  } else {
    d.touch(step);
    d.emit('approval.voted', { approvalId: step.approval!.id, principal: vote.principal, votes: progress.count, required: progress.required }, step.id);
  }
  return ok(undefined);
}

/**
 * Modify replaces the params and approves them in one act, keeping both versions.
 * Under N-of-M the reviewer's edit counts as one approval of the new revision; the
 * others still have to approve what they will now see.
 */
function modify(d: Draft, step: Step, cmd: DecideCommand, vote: Step['approvals'][number]): Result<void> {
  if (!cmd.params || !cmd.newParamsHash) return fail('BAD_REQUEST', 'modify needs the new params');
  const checked = checkNewParams(step, cmd.params);
  if (!checked.ok) return checked;
  const { now, actor } = d.ctx;
  step.revision += 1;
  step.params = cmd.params;
  step.paramsHash = cmd.newParamsHash;
  step.history = [...step.history, { revision: step.revision, params: cmd.params, paramsHash: cmd.newParamsHash, by: actor, at: now, via: 'modify' }];
  voidDependents(d, step);
  if (approvalProgress([vote], step.approval!.requiredApprovals).met) {
    step.approvals = [{ ...vote }];
    step.decision = { decision: 'modify', by: [actor], at: now, ...(cmd.feedback ? { feedback: cmd.feedback } : {}) };
    d.move(step, 'approved', { by: [actor], modified: true, paramsHash: step.paramsHash });
  } else {
    requestApproval(d, step, { modifiedBy: actor, paramsHash: step.paramsHash });
    step.approvals = [{ ...vote }];
  }
  return ok(undefined);
}

/** What an expired approval turns into (SPEC section 3, defaultOnTimeout). */
export function expireApproval(d: Draft, step: Step, outcome: DefaultOnTimeout): void {
  const { now } = d.ctx;
  const data = { approvalId: step.approval?.id, defaultOnTimeout: outcome };
  const to = outcome === 'approve' ? 'approved' : outcome === 'skip' ? 'skipped' : outcome === 'cancel_task' ? 'cancelled' : 'rejected';
  step.decision = { decision: 'timeout', by: ['timeout'], at: now, reason: `no decision before the deadline: ${outcome}` };
  d.move(step, to, data, 'approval.expired');
  if (outcome === 'cancel_task') cancelInDraft(d, `approval on step ${step.key} expired`);
}
