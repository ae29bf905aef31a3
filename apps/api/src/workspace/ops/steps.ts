/** The executor protocol: claim under a lease, heartbeat, complete, fail. */
import {
  claim as coreClaim, claimableSteps, complete as coreComplete, enforceDenyRules, failStep, heartbeat as coreHeartbeat, ok, fail, ZERO_USAGE,
  type ClaimedStep, type ClaimInput, type CompleteInput, type FailInput, type Heartbeat, type HeartbeatInput, type Result, type Step, type StepReport, type Task, type Usage,
} from '@greenlight/core';
import { taskIdOfStep, tasksWithApprovedSteps } from '../store.ts';
import type { Tx } from '../tx.ts';

const fullUsage = (u: Partial<Usage> | undefined): Usage | undefined => (u ? { ...ZERO_USAGE, ...u } : undefined);

/** Claim up to `max` claimable steps, oldest task first, each under a new lease. */
export function claim(tx: Tx, input: ClaimInput): { steps: ClaimedStep[] } {
  const leaseMs = (input.leaseSeconds ?? tx.meta.policy.leaseSeconds) * 1000;
  const claimed: ClaimedStep[] = [];
  // Tasks with an approved step, a page at a time, until `max` is filled: approved steps
  // still waiting on their dependencies must not hide claimable work behind them.
  // One step asked for by id: only its task, only that step.
  const onlyTask = input.stepId ? (input.taskId ?? taskIdOfStep(tx.sql, input.stepId)) : input.taskId;
  if (input.stepId && !onlyTask) return { steps: [] };
  for (const taskId of approvedTaskIds(tx, onlyTask)) {
    if (claimed.length >= input.max) break;
    const t = tx.load(taskId);
    if (!t.ok) continue;
    // The kill switch, checked again here: a step the current policy denies is rejected, never handed out.
    const denied = enforceDenyRules(t.value, tx.meta.policy, tx.ctx(), { recheck: 'steps.claim' });
    if (denied) tx.commit(denied);
    const task = denied?.task ?? t.value;
    const ids = claimableSteps(task)
      .filter((s) => !input.stepId || s.id === input.stepId)
      .slice(0, input.max - claimed.length)
      .map((s) => s.id);
    if (ids.length === 0) continue;
    const r = coreClaim(task, { stepIds: ids, leaseMs }, tx.meta.policy, tx.ctx());
    if (!r.ok) continue;
    tx.commit(r.value);
    for (const id of ids) {
      const s = r.value.task.steps.find((x) => x.id === id)!;
      claimed.push({
        taskId: s.taskId, stepId: s.id, key: s.key, kind: s.kind, title: s.title, params: s.params, paramsHash: s.paramsHash,
        revision: s.revision, attempt: s.attempt, idempotent: s.idempotent, ...(s.baseHash ? { baseHash: s.baseHash } : {}),
        leaseId: s.lease!.leaseId, leaseExpiresAt: s.lease!.expiresAt,
      });
    }
  }
  return { steps: claimed };
}

function* approvedTaskIds(tx: Tx, taskId: string | undefined): Generator<string> {
  let afterTaskId = '';
  for (;;) {
    const page = tasksWithApprovedSteps(tx.sql, { taskId, afterTaskId, limit: 100 });
    yield* page;
    if (taskId !== undefined || page.length < 100) return;
    afterTaskId = page.at(-1)!;
  }
}

function loadByStep(tx: Tx, stepId: string) {
  const taskId = taskIdOfStep(tx.sql, stepId);
  return taskId ? tx.load(taskId) : fail('NOT_FOUND', `step ${stepId} not found`);
}

export function heartbeat(tx: Tx, input: HeartbeatInput): Result<Heartbeat> {
  const t = loadByStep(tx, input.stepId);
  if (!t.ok) return t;
  const leaseMs = (input.leaseSeconds ?? tx.meta.policy.leaseSeconds) * 1000;
  const r = coreHeartbeat(t.value, { stepId: input.stepId, leaseId: input.leaseId, leaseMs }, tx.ctx());
  if (!r.ok) return r;
  tx.commit(r.value);
  return ok(r.value.heartbeat);
}

export function complete(tx: Tx, input: CompleteInput): Result<StepReport> {
  const t = loadByStep(tx, input.stepId);
  if (!t.ok) return t;
  const usage = fullUsage(input.usage);
  const r = coreComplete(t.value, { stepId: input.stepId, leaseId: input.leaseId, output: input.output, ...(usage ? { usage } : {}) }, tx.ctx());
  if (!r.ok) return r;
  tx.commit(r.value);
  return ok(report(r.value.task, input.stepId));
}

export function failed(tx: Tx, input: FailInput): Result<StepReport> {
  const t = loadByStep(tx, input.stepId);
  if (!t.ok) return t;
  const usage = fullUsage(input.usage);
  const r = failStep(t.value, { stepId: input.stepId, leaseId: input.leaseId, error: input.error, ...(usage ? { usage } : {}) }, tx.meta.policy.maxAttempts, tx.ctx());
  if (!r.ok) return r;
  tx.commit(r.value);
  return ok(report(r.value.task, input.stepId));
}

function report(task: Task, stepId: string): StepReport {
  return { stepId, stepStatus: task.steps.find((s) => s.id === stepId)!.status, taskId: task.id, taskStatus: task.status };
}

export function get(tx: Tx, stepId: string): Result<Step> {
  const t = loadByStep(tx, stepId);
  if (!t.ok) return t;
  return ok(t.value.steps.find((s) => s.id === stepId)!);
}
