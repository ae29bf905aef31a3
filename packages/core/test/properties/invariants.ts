/** The state machine's invariants: of one task state, and of one transition with its events. */
import { expect } from 'vitest';
import {
  BLOCKING_STEP_STATUSES,
  SATISFYING_STEP_STATUSES,
  Policy,
  approvalProgress,
  claimableSteps,
  deniedBy,
  deriveTaskStatus,
  grantMatches,
  isStepMove,
  isTerminalStep,
  type EventType,
  type NewEvent,
  type Outcome,
  type Step,
  type StepStatus,
  type Task,
} from '../../src/index.ts';

/** The event types a move to `to` may carry (its own, or an override that names the cause). */
const OWN_EVENT: Record<StepStatus, EventType> = {
  awaiting_approval: 'approval.requested',
  changes_requested: 'step.changes_requested',
  approved: 'step.approved',
  executing: 'step.claimed',
  completed: 'step.completed',
  failed: 'step.failed',
  skipped: 'step.skipped',
  rejected: 'step.rejected',
  blocked: 'step.blocked',
  cancelled: 'step.cancelled',
};
const OVERRIDES = new Set<EventType>(['step.revised', 'approval.expired']);

const answeredClarify = (s: Step): boolean => s.kind === 'clarify' && s.status === 'completed' && s.decision?.decision === 'answer';

/** The revision named by the last event that approved the step (retries after a lost lease excluded). */
function approvedRevision(log: NewEvent[], stepId: string): unknown {
  for (let i = log.length - 1; i >= 0; i--) {
    const e = log[i]!;
    if (e.stepId === stepId && isStepMove(e) && e.data.to === 'approved' && e.data.from !== 'executing') return e.data.revision;
  }
  return undefined;
}

/** Position in the log of the last approving event for the step (retries excluded), or -1. */
function lastApprovalAt(log: NewEvent[], stepId: string): number {
  for (let i = log.length - 1; i >= 0; i--) {
    const e = log[i]!;
    if (e.stepId === stepId && isStepMove(e) && e.data.to === 'approved' && e.data.from !== 'executing') return i;
  }
  return -1;
}

/** Position in the log of the last event that gave the step a new revision, or -1. */
function lastRevisionAt(log: NewEvent[], stepId: string): number {
  let revision: unknown = 1;
  let at = -1;
  log.forEach((e, i) => {
    if (e.stepId === stepId && isStepMove(e) && e.data.revision !== revision) {
      revision = e.data.revision;
      at = i;
    }
  });
  return at;
}

/** Every step `step` depends on, directly or not. */
function ancestorsOf(task: Task, step: Step): Step[] {
  const byKey = new Map(task.steps.map((s) => [s.key, s]));
  const out = new Set<Step>();
  const frontier = [...step.dependsOn];
  while (frontier.length > 0) {
    const dep = byKey.get(frontier.pop()!);
    if (dep && !out.has(dep)) {
      out.add(dep);
      frontier.push(...dep.dependsOn);
    }
  }
  return [...out];
}

/** Whether the step's current approval came from a remembered grant (`grant:<id>`). */
const byGrant = (s: Step): boolean => s.decision?.decision === 'policy' && s.decision.by[0]?.startsWith('grant:') === true;

/**
 * The grants' invariants: none given by the task's creator; a step a grant approved is
 * matched by it, was asking for one approval (never N-of-M, never a question), is not
 * denied by the policy, and the grant was live when it was used.
 */
function checkGrants(task: Task, log: NewEvent[], policy: Policy): void {
  for (const g of task.grants ?? []) expect(g.by, `grant ${g.id} given by the task's creator`).not.toBe(task.createdBy);
  const revoked = new Set<string>();
  for (const e of log) {
    if (e.type === 'grant.revoked') revoked.add(e.data.grantId);
    if (e.type === 'grant.used') expect(revoked.has(e.data.grantId), `revoked grant ${e.data.grantId} used`).toBe(false);
  }
  for (const s of task.steps) {
    if (!byGrant(s) || s.status !== 'approved') continue;
    const id = s.decision!.by[0]!.slice('grant:'.length);
    const g = (task.grants ?? []).find((x) => x.id === id);
    expect(g, `${s.key} approved by unknown grant ${id}`).toBeDefined();
    expect(grantMatches(g!.matcher, s), `${s.key} approved by grant ${id} it does not match`).toBe(true);
    expect(s.policy.action, `${s.key}: a grant answered a ${s.policy.action}`).toBe('ask');
    expect(s.policy.requiredApprovals, `${s.key}: a grant stood in for N-of-M`).toBeLessThanOrEqual(1);
    expect(s.kind).not.toBe('clarify');
    expect(deniedBy(policy, s), `${s.key}: a grant beat a deny rule`).toBeUndefined();
  }
}

/** Invariants of one task state, on its own. */
export function checkState(task: Task, log: NewEvent[], policy: Policy): void {
  const byKey = new Map(task.steps.map((s) => [s.key, s]));
  checkGrants(task, log, policy);
  // an open task is active; a closed one says when and why
  if (task.open === true) expect(task.status).toBe('active');
  expect(log.filter((e) => e.type === 'task.closed').length).toBe(task.closed ? 1 : 0);
  // no vote and no decision by the task's creator while preventSelfApproval holds, on any path
  // (decide, decideMany, modify, a raised mode, a revision under it)
  if (policy.preventSelfApproval) {
    for (const s of task.steps) {
      expect(
        s.approvals.map((v) => v.principal),
        `${s.key}: a vote by its creator`,
      ).not.toContain(task.createdBy);
      expect(s.decision?.by ?? [], `${s.key}: decided by its creator`).not.toContain(task.createdBy);
    }
  }
  // what the counts say agrees with what the machine did
  for (const s of task.steps) {
    if (s.status === 'awaiting_approval') expect(approvalProgress(s.approvals, s.approval!.requiredApprovals).met, `${s.key} waits with enough votes`).toBe(false);
  }
  // (e) the status is the derived one; finishedAt iff finished
  expect(task.status).toBe(deriveTaskStatus(task));
  expect(task.finishedAt !== undefined).toBe(task.status !== 'active');
  expect(log.filter((e) => e.type === 'task.finished')).toHaveLength(task.status === 'active' ? 0 : 1);
  // a cancelled task has nothing left open
  if (task.status === 'cancelled') {
    expect(task.cancel).toBeDefined();
    for (const s of task.steps) expect(isTerminalStep(s.status), `${s.key} still ${s.status} in a cancelled task`).toBe(true);
  }
  for (const s of task.steps) {
    // (a) nothing executes unapproved
    if ((s.status === 'executing' || s.status === 'completed') && !answeredClarify(s)) {
      const d = s.decision;
      expect(d, `${s.key} ${s.status} without a decision`).toBeDefined();
      const approving =
        d?.decision === 'approve' ||
        d?.decision === 'modify' ||
        (d?.decision === 'policy' && (s.policy.action === 'allow' || byGrant(s))) ||
        (d?.decision === 'timeout' && d.reason?.endsWith(': approve') === true);
      expect(approving, `${s.key} ${s.status} with decision ${JSON.stringify(d)}`).toBe(true);
      expect(d?.by.length).toBeGreaterThan(0);
      if (d?.decision === 'approve') expect(d.by.length, `${s.key} approved by ${d.by.join(', ')}`).toBeGreaterThanOrEqual(s.approval?.requiredApprovals ?? 1);
      expect(approvedRevision(log, s.id), `${s.key} runs revision ${s.revision}`).toBe(s.revision);
    }
    // one approval, one execution: a step that is not retry-safe is handed out at most once;
    // a retry-safe one at most maxAttempts times
    const claims = log.filter((e) => e.stepId === s.id && e.type === 'step.claimed').length;
    expect(claims).toBe(s.attempt);
    expect(s.attempt, `${s.key} (${s.kind}, idempotent ${s.idempotent}) claimed ${s.attempt} times`).toBeLessThanOrEqual(s.kind === 'read' || s.idempotent ? policy.maxAttempts : 1);
    // an approval given by people (or a timeout) before a dependency was revised is void
    if (s.status === 'approved' && s.attempt === 0 && s.decision?.decision !== 'policy') {
      const approvedAt = lastApprovalAt(log, s.id);
      for (const dep of ancestorsOf(task, s)) {
        expect(lastRevisionAt(log, dep.id), `${s.key} approved before its dependency ${dep.key} was revised`).toBeLessThan(approvedAt);
      }
    }
    // (f) timestamps and leases
    if (isTerminalStep(s.status)) expect(s.completedAt, `${s.key} ${s.status} without completedAt`).toBeDefined();
    else expect(s.completedAt).toBeUndefined();
    if (s.status === 'executing') {
      expect(s.startedAt).toBeDefined();
      expect(s.lease).toBeDefined();
      expect(s.attempt).toBeGreaterThan(0);
    } else {
      expect(s.lease).toBeUndefined();
    }
    // the same for approvals by people that have not reached the executor yet
    if (s.status === 'approved' && s.decision?.decision === 'approve') {
      expect(s.decision.by.length).toBeGreaterThanOrEqual(s.approval?.requiredApprovals ?? 1);
    }
    // clarify steps are never answered by the policy (a deny rule may still reject one)
    if (s.kind === 'clarify' && s.decision?.decision === 'policy') expect(s.status).toBe('rejected');
    // an open request on every waiting step, no decision yet, never already satisfied
    if (s.status === 'awaiting_approval') {
      expect(s.approval).toBeDefined();
      expect(s.decision, `${s.key} waits with a decision`).toBeUndefined();
      const approvers = s.approvals.filter((v) => v.decision === 'approve' || v.decision === 'modify');
      expect(approvers.length).toBeLessThan(s.approval?.requiredApprovals ?? 1);
    }
    // (g) what runs or ran under an executor had every dependency satisfied
    if (s.status === 'executing' || (s.status === 'completed' && s.decision?.decision !== 'answer')) {
      for (const k of s.dependsOn) expect(SATISFYING_STEP_STATUSES.has(byKey.get(k)!.status), `${s.key} ran before ${k}`).toBe(true);
    }
    // blocked propagation is complete
    if (s.status === 'approved' || s.status === 'awaiting_approval' || s.status === 'changes_requested') {
      for (const k of s.dependsOn) expect(BLOCKING_STEP_STATUSES.has(byKey.get(k)!.status), `${s.key} not blocked by ${k}`).toBe(false);
    }
    expect(s.history.at(-1)?.revision).toBe(s.revision);
    expect(s.history.at(-1)?.paramsHash).toBe(s.paramsHash);
  }
  // (g) claimable steps have every dependency completed or skipped
  for (const s of claimableSteps(task)) {
    expect(s.status).toBe('approved');
    for (const k of s.dependsOn) expect(SATISFYING_STEP_STATUSES.has(byKey.get(k)!.status)).toBe(true);
  }
}

/** Invariants of one transition: before -> after with its events. */
export function checkTransition(before: Task | undefined, out: Outcome): void {
  const after = out.task;
  const prev = new Map((before?.steps ?? []).map((s) => [s.id, s]));
  const ids = new Set(after.steps.map((s) => s.id));
  for (const e of out.events) {
    expect(e.taskId).toBe(after.id);
    if (e.stepId !== undefined) {
      expect(ids.has(e.stepId)).toBe(true);
      expect(out.touched).toContain(e.stepId);
    }
  }
  for (const s of after.steps) {
    const was = prev.get(s.id);
    const fromStatus: StepStatus = was?.status ?? 'awaiting_approval';
    // (b) terminal stays terminal, untouched
    if (was && isTerminalStep(was.status)) {
      expect(s.status, `${s.key} left terminal ${was.status}`).toBe(was.status);
      expect(s.completedAt).toBe(was.completedAt);
      expect(s.paramsHash).toBe(was.paramsHash);
    }
    // (d) every status change has exactly one event: the step's events chain from its old status to its new one
    const moves = out.events.filter((e) => e.stepId === s.id).filter(isStepMove);
    const others = out.events.filter((e) => e.stepId === s.id && !isStepMove(e));
    for (const e of others) expect(['approval.voted', 'grant.created', 'grant.used']).toContain(e.type);
    let at: unknown = fromStatus;
    for (const e of moves) {
      expect(e.data.from, `${s.key}: event ${e.type} from ${String(e.data.from)} but step was ${String(at)}`).toBe(at);
      const { to } = e.data;
      expect(e.type === OWN_EVENT[to] || OVERRIDES.has(e.type), `${e.type} for a move to ${to}`).toBe(true);
      at = to;
    }
    expect(at, `${s.key}: events end at ${String(at)}, step is ${s.status}`).toBe(s.status);
    if (!before) expect(moves.length, `${s.key}: one event at plan time`).toBeGreaterThanOrEqual(1);
    if (was && was.status !== s.status) expect(moves.length).toBeGreaterThanOrEqual(1);
  }
}

// ---------------------------------------------------------------- the properties
