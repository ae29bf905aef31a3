/** The executor protocol: claim under a lease, heartbeat, complete, fail. */
import {
  ok,
  fail,
  ZERO_USAGE,
  type ClaimedStep,
  type ClaimInput,
  type CompleteInput,
  type FailInput,
  type Heartbeat,
  type HeartbeatInput,
  type Result,
  type Step,
  type StepReport,
  type Task,
  type Usage,
} from '@greenlight/core';
import { run } from '../run.ts';
import { taskIdOfStep, tasksWithApprovedSteps } from '../store.ts';
import type { Tx } from '../tx.ts';

const fullUsage = (u: Partial<Usage> | undefined): Usage | undefined => (u ? { ...ZERO_USAGE, ...u } : undefined);

/**
 * Claim up to `max` claimable steps, oldest task first, each under a new lease. Which
 * steps of a task, for how long, and the deny-rule check before are the core's (the
 * `claim` command); this only walks the tasks that have an approved step.
 */
export function claim(tx: Tx, input: ClaimInput): { steps: ClaimedStep[] } {
  const claimed: ClaimedStep[] = [];
  // Tasks with an approved step, a page at a time, until `max` is filled: approved steps
  // still waiting on their dependencies must not hide claimable work behind them.
  // Steps asked for by id (a hook or an adapter holding its calls): only those steps, of
  // the task named or else of the first step's task.
  const onlyTask = input.stepIds ? (input.taskId ?? taskIdOfStep(tx.sql, input.stepIds[0]!)) : input.taskId;
  if (input.stepIds && !onlyTask) return { steps: [] };
  for (const taskId of approvedTaskIds(tx, onlyTask)) {
    if (claimed.length >= input.max) break;
    const t = tx.load(taskId);
    if (!t.ok) continue;
    const r = run(tx, t.value, { type: 'claim', max: input.max - claimed.length, leaseSeconds: input.leaseSeconds, stepIds: input.stepIds });
    if (!r.ok) continue;
    for (const id of r.value.claimed ?? []) {
      const s = r.value.task.steps.find((x) => x.id === id)!;
      claimed.push({
        taskId: s.taskId,
        stepId: s.id,
        key: s.key,
        kind: s.kind,
        title: s.title,
        params: s.params,
        paramsHash: s.paramsHash,
        revision: s.revision,
        attempt: s.attempt,
        idempotent: s.idempotent,
        ...(s.baseHash ? { baseHash: s.baseHash } : {}),
        leaseId: s.lease!.leaseId,
        leaseExpiresAt: s.lease!.expiresAt,
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
  const r = run(tx, t.value, { type: 'heartbeat', stepId: input.stepId, leaseId: input.leaseId, leaseSeconds: input.leaseSeconds });
  return r.ok ? ok(r.value.heartbeat ?? { cancelled: false }) : r;
}

export function complete(tx: Tx, input: CompleteInput): Result<StepReport> {
  const t = loadByStep(tx, input.stepId);
  if (!t.ok) return t;
  const r = run(tx, t.value, { type: 'complete', stepId: input.stepId, leaseId: input.leaseId, output: input.output, usage: fullUsage(input.usage) });
  return r.ok ? ok(report(r.value.task, input.stepId)) : r;
}

export function failed(tx: Tx, input: FailInput): Result<StepReport> {
  const t = loadByStep(tx, input.stepId);
  if (!t.ok) return t;
  const r = run(tx, t.value, { type: 'fail', stepId: input.stepId, leaseId: input.leaseId, error: input.error, usage: fullUsage(input.usage) });
  return r.ok ? ok(report(r.value.task, input.stepId)) : r;
}

function report(task: Task, stepId: string): StepReport {
  return { stepId, stepStatus: task.steps.find((s) => s.id === stepId)!.status, taskId: task.id, taskStatus: task.status };
}

export function get(tx: Tx, stepId: string): Result<Step> {
  const t = loadByStep(tx, stepId);
  if (!t.ok) return t;
  return ok(t.value.steps.find((s) => s.id === stepId)!);
}
