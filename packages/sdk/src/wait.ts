/**
 * waitForDecision: the decision on one step revision, from the task's live events,
 * never by polling. Bound to the approval open when the wait begins (or one named by
 * id), so an earlier round's decision never answers it. Aborting rejects with
 * CLIENT_CLOSED_REQUEST (reason `aborted`) and leaves no socket or timer behind.
 */
import { approvalOpened, isStepMove, type Step, type StepStatus } from '@greenlight/core';
import { deadline, follow } from './abort.ts';
import { GreenlightError } from './errors.ts';
import { stream, type LiveOptions } from './live.ts';

export type WaitOptions = {
  /** Abort to stop waiting: rejects with CLIENT_CLOSED_REQUEST, at once also when already aborted. */
  signal?: AbortSignal;
  /** Give up after this long (the first request included): rejects with TIMEOUT. */
  timeoutMs?: number;
  /**
   * Wait for the decision on this approval (a step's `approval.id`, or an inbox item's
   * `approvalId`), even when it was decided or replaced before the call. Default: the
   * approval open on the step when the call starts; when none is open, the call
   * resolves at once with the step's current state.
   */
  approvalId?: string;
};

export type DecisionOutcome = {
  /**
   * Where the decision took the step: approved (also by modify), rejected, skipped,
   * changes_requested, completed (a clarify answered), or blocked/cancelled when the
   * plan around it decided. Never awaiting_approval. When the call found no approval
   * open (and named none), the step's status then, which may be later still (executing...).
   */
  status: StepStatus;
  /** The step as it is now; it may have moved on since (claimed, or asked again after a dependency changed). */
  step: Step;
  /** The approval that was decided; absent when the step never asked (the policy decided it). */
  approvalId?: string;
  /** The revision the decision was about (a modify approves the next one: see `step.revision`). */
  revision: number;
};

/**
 * Resolve with the decision on one step revision: the approval open when the call
 * starts (or `opts.approvalId`). The task's events are read from the start, so a
 * decision made before the call is seen too; events of earlier rounds (a decision
 * before a revise, or before a dependency was revised and the step asked again) are
 * skipped, because only what follows the approval's own opening counts.
 *
 * Asked again on the same revision (votes voided when a dependency changed): it keeps
 * waiting, for the new approval. Revised while waiting: there will be no decision on
 * that revision, so it rejects with CONFLICT, reason `superseded`.
 * @throws GreenlightError CLIENT_CLOSED_REQUEST (aborted), TIMEOUT, CONFLICT `superseded`,
 *   NOT_FOUND (no such step, or `approvalId` is not one of its approvals), or a request's own error.
 */
export async function waitForDecision(live: LiveOptions, stepId: string, opts: WaitOptions = {}): Promise<DecisionOutcome> {
  const { signal } = opts;
  if (signal?.aborted) throw GreenlightError.aborted('waitForDecision', signal);
  // One signal for every request and the socket: the caller's, the deadline, and the end of the wait.
  const ctrl = new AbortController();
  let timedOut = false;
  const unfollow = follow(signal, ctrl);
  let cancelDeadline = () => {};
  try {
    if (opts.timeoutMs !== undefined) {
      cancelDeadline = deadline(opts.timeoutMs, () => {
        timedOut = true;
        ctrl.abort();
      });
    }
    return await decisionOn(live, stepId, opts.approvalId, ctrl.signal);
  } catch (err) {
    if (signal?.aborted) throw GreenlightError.aborted('waitForDecision', signal);
    if (timedOut) throw new GreenlightError(`no decision on step ${stepId} within ${opts.timeoutMs} ms`, { code: 'TIMEOUT' });
    if (err instanceof RangeError) throw new GreenlightError(err.message, { code: 'BAD_REQUEST', cause: err });
    throw GreenlightError.from(err);
  } finally {
    cancelDeadline();
    unfollow();
    ctrl.abort();
  }
}

/** The wait itself, under one signal; see waitForDecision. */
async function decisionOn(live: LiveOptions, stepId: string, approvalId: string | undefined, signal: AbortSignal): Promise<DecisionOutcome> {
  const first = await live.api.steps.get.query({ stepId }, { signal });
  let bound = approvalId;
  if (bound === undefined) {
    if (first.status !== 'awaiting_approval') {
      return { status: first.status, step: first, revision: first.revision, ...(first.approval ? { approvalId: first.approval.id } : {}) };
    }
    if (!first.approval) throw new GreenlightError(`step ${stepId} awaits approval but names no approval`, { code: 'INTERNAL_SERVER_ERROR' });
    bound = first.approval.id;
  }
  /** The revision the bound approval asks about, once its opening event has been read. */
  let revision: number | undefined;
  for await (const mark of stream(live, { taskId: first.taskId, signal })) {
    if (mark.type === 'ready') {
      // Caught up: an approval of this step has opened by now, or it is none of this step's.
      if (revision === undefined) throw new GreenlightError(`approval ${bound} is not an approval of step ${stepId}`, { code: 'NOT_FOUND' });
      continue;
    }
    const { event } = mark;
    // Only this step's status changes count (core's isStepMove: data has from, to, revision).
    if (event.stepId !== stepId || !isStepMove(event)) continue;
    const { to, revision: eventRevision } = event.data;
    if (revision === undefined) {
      // Earlier rounds are history: wait for this approval's own opening.
      if (approvalOpened(event) === bound) revision = eventRevision;
      continue;
    }
    if (event.type === 'step.revised') {
      throw new GreenlightError(`step ${stepId} was revised (now revision ${eventRevision}) before revision ${revision} was decided; wait for the new revision's decision`, {
        code: 'CONFLICT',
        reason: 'superseded',
      });
    }
    if (to === 'awaiting_approval') {
      // Asked again on the same revision (its votes were voided): the decision is still to come.
      bound = approvalOpened(event) ?? bound;
      continue;
    }
    const step = await live.api.steps.get.query({ stepId }, { signal });
    return { status: to, step, approvalId: bound, revision };
  }
  // The stream ends only when the signal aborts; waitForDecision says why.
  throw GreenlightError.aborted('waitForDecision', signal);
}
