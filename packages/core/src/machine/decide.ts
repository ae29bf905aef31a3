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
import { actorOf, Draft, type Ctx, type Outcome } from './draft.ts';
import { voidDependents } from './revise.ts';
import { settle } from './settle.ts';
import { cancelInDraft } from './cancel.ts';
import { selfApprovalRefusal } from './authority.ts';
import { approvalProgress, hasApproved } from '../facts.ts';
import { giveGrant } from './give-grant.ts';
import { groupStanding } from './nudges.ts';
import { deciderOf, type Decider } from '../identity.ts';

/**
 * The acting caller's identity, for its decision's event and record (issue 15 item 2):
 * `{identitySource, authStrength, person}` flat on the event, and the decider list.
 * Empty for a caller without one (the server's own acts; core tests without an identity).
 */
function actedAs(d: Draft, onBehalfOf?: string): { flat: Partial<Pick<Vote, 'identitySource' | 'authStrength' | 'person' | 'onBehalfOf'>>; deciders: { deciders?: Decider[] } } {
  const id = d.ctx.identity;
  if (!id) return { flat: {}, deciders: {} };
  const flat = { identitySource: id.identitySource, authStrength: id.authStrength, person: id.person, ...(onBehalfOf !== undefined ? { onBehalfOf } : {}) };
  return { flat, deciders: { deciders: [deciderOf({ principal: d.ctx.actor, ...flat })] } };
}
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
  const refused = selfApprovalRefusal(task, actorOf(d.ctx), policy, d.ctx.people);
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
  // A step whose rule asks a group: its members (or their live delegates) approve; anyone who may decide can still say no.
  let onBehalfOf: string | undefined;
  if (cmd.decision === 'approve' || cmd.decision === 'modify') {
    const standing = groupStanding(step.approval!, d.ctx);
    if (!standing.ok) return standing;
    onBehalfOf = standing.value.onBehalfOf;
    if (onBehalfOf !== undefined) {
      // A delegate never approves for the task's creator: the delegator may not approve it either.
      const forCreator = selfApprovalRefusal(task, onBehalfOf, policy, d.ctx.people);
      if (forCreator) return { ok: false, error: forCreator };
    }
  }
  const { now, actor, identity } = d.ctx;
  const vote: Vote = { principal: actor, decision: cmd.decision, at: now, ...identity, ...(onBehalfOf !== undefined ? { onBehalfOf } : {}) };
  const as = actedAs(d, onBehalfOf);
  switch (cmd.decision) {
    case 'approve': {
      const r = approveVote(d, step, vote);
      return r.ok && scope !== 'once' ? giveGrant(d, step, { ...cmd, scope }, policy) : r;
    }
    case 'reject':
      step.approvals = [...step.approvals, vote];
      step.decision = { decision: 'reject', by: [actor], at: now, ...(cmd.feedback ? { feedback: cmd.feedback } : {}), ...as.deciders };
      d.move(step, 'rejected', { by: actor, feedback: cmd.feedback, ...as.flat });
      return ok(undefined);
    case 'skip':
      step.decision = { decision: 'skip', by: [actor], at: now, ...(cmd.feedback ? { feedback: cmd.feedback } : {}), ...as.deciders };
      d.move(step, 'skipped', { by: actor, feedback: cmd.feedback, ...as.flat });
      return ok(undefined);
    case 'request_changes': {
      const feedback = cmd.feedback?.trim();
      if (!feedback) return fail('BAD_REQUEST', 'request_changes needs feedback: tell the agent what to change');
      step.approvals = [];
      step.decision = { decision: 'request_changes', by: [actor], at: now, feedback, ...as.deciders };
      d.move(step, 'changes_requested', { by: actor, feedback, ...as.flat });
      return ok(undefined);
    }
    case 'answer': {
      const answer = cmd.answer?.trim();
      if (!answer) return fail('BAD_REQUEST', 'answer needs the text of the answer');
      step.decision = { decision: 'answer', by: [actor], at: now, answer, ...as.deciders };
      step.result = { output: { answer } };
      d.move(step, 'completed', { by: actor, answer, ...as.flat });
      return ok(undefined);
    }
    case 'modify': {
      const r = modify(d, step, cmd, vote);
      return r.ok && scope !== 'once' ? giveGrant(d, step, { ...cmd, scope }, policy) : r;
    }
  }
}

/**
 * N-of-M: distinct persons (approvalProgress); a person who approved this revision
 * through one identity (a key, a sign-in, Slack) may not approve it again through
 * another: CONFLICT `already_voted`.
 */
function approveVote(d: Draft, step: Step, vote: Step['approvals'][number]): Result<void> {
  // A modify is its author's approval of the new revision: it counts once, like any vote.
  if (hasApproved(vote, step.approvals, d.ctx.people)) {
    const as = vote.person !== undefined && vote.person !== vote.principal ? ` (as ${vote.person})` : '';
    return fail('CONFLICT', `${vote.principal}${as} has already approved this revision`, { reason: 'already_voted' });
  }
  step.approvals = [...step.approvals, vote];
  const progress = approvalProgress(step.approvals, step.approval!.requiredApprovals, d.ctx.people);
  const as = actedAs(d, vote.onBehalfOf);
  if (progress.met) {
    // Every approver with the identity their vote recorded: the audit says who and how, for each of the N.
    const deciders = as.deciders.deciders ? { deciders: approverVotes(step.approvals, progress.approvers).map(deciderOf) } : {};
    step.decision = { decision: 'approve', by: progress.approvers, at: d.ctx.now, ...deciders };
    d.move(step, 'approved', { by: progress.approvers, ...as.flat, ...deciders });
  } else {
    d.touch(step);
    d.emit('approval.voted', { approvalId: step.approval!.id, principal: vote.principal, votes: progress.count, required: progress.required, ...as.flat }, step.id);
  }
  return ok(undefined);
}

/** The first approving vote of each approver, in their order (approvalProgress names them by principal). */
const approverVotes = (votes: readonly Vote[], approvers: readonly string[]): Vote[] =>
  approvers.flatMap((p) => {
    const v = votes.find((x) => x.principal === p && (x.decision === 'approve' || x.decision === 'modify'));
    return v ? [v] : [];
  });

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
  if (approvalProgress([vote], step.approval!.requiredApprovals, d.ctx.people).met) {
    const as = actedAs(d, vote.onBehalfOf);
    step.approvals = [{ ...vote }];
    step.decision = { decision: 'modify', by: [actor], at: now, ...(cmd.feedback ? { feedback: cmd.feedback } : {}), ...as.deciders };
    d.move(step, 'approved', { by: [actor], modified: true, paramsHash: step.paramsHash, ...as.flat, ...as.deciders });
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
