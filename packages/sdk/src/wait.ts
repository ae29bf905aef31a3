/**
 * waitForDecision: the decision on one step revision, from the task's live events,
 * never by polling. Bound to the approval open when the wait begins (or one named by
 * id), so an earlier round's decision never answers it. Aborting rejects with
 * CLIENT_CLOSED_REQUEST (reason `aborted`) and leaves no socket or timer behind.
 */
import { approvalOpened, isStepMove, type Event, type Step, type StepStatus } from '@greenlight/core';
import { deadline, follow } from './abort.ts';
import type { CallSocket, SocketNews } from './calls.ts';
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

/** A decision read from the log: where it took the step, the approval (as last opened) and its revision. */
type Decided = { to: StepStatus; approvalId: string; revision: number };

/**
 * The wait's reading of one task's events, in log order (from the start, or resumed):
 * skips earlier rounds until the bound approval's own opening, then answers the first
 * move that decides it. `caughtUp()` is called when the log so far has been read.
 */
class Judge {
  /** The revision the bound approval asks about, once its opening event has been read. */
  private revision: number | undefined;
  private readonly stepId: string;
  private bound: string;
  constructor(stepId: string, bound: string) {
    this.stepId = stepId;
    this.bound = bound;
  }

  /** @throws GreenlightError NOT_FOUND when the log so far never opened the bound approval on this step. */
  caughtUp(): void {
    if (this.revision === undefined) throw new GreenlightError(`approval ${this.bound} is not an approval of step ${this.stepId}`, { code: 'NOT_FOUND' });
  }

  /** The decision, when `event` is it. @throws GreenlightError CONFLICT `superseded` on a revise before the decision. */
  feed(event: Event): Decided | undefined {
    // Only this step's status changes count (core's isStepMove: data has from, to, revision).
    if (event.stepId !== this.stepId || !isStepMove(event)) return undefined;
    const { to, revision: eventRevision } = event.data;
    if (this.revision === undefined) {
      // Earlier rounds are history: wait for this approval's own opening.
      if (approvalOpened(event) === this.bound) this.revision = eventRevision;
      return undefined;
    }
    if (event.type === 'step.revised') {
      throw new GreenlightError(`step ${this.stepId} was revised (now revision ${eventRevision}) before revision ${this.revision} was decided; wait for the new revision's decision`, {
        code: 'CONFLICT',
        reason: 'superseded',
      });
    }
    if (to === 'awaiting_approval') {
      // Asked again on the same revision (its votes were voided): the decision is still to come.
      this.bound = approvalOpened(event) ?? this.bound;
      return undefined;
    }
    return { to, approvalId: this.bound, revision: this.revision };
  }
}

/** Events pushed to the held call socket while a wait listens, until it drops. */
class Heard {
  private readonly queue: SocketNews[] = [];
  private wake: (() => void) | undefined;
  readonly stop: () => void;
  private constructor(calls: CallSocket) {
    const stop = calls.listen((n) => {
      this.queue.push(n);
      this.notify();
    });
    this.stop = stop ?? (() => {});
  }

  /** Listen on `calls` when it is open now; undefined otherwise (the wait takes its own socket). */
  static on(calls: CallSocket | undefined): Heard | undefined {
    if (!calls?.isOpen()) return undefined;
    const h = new Heard(calls);
    return calls.isOpen() ? h : (h.stop(), undefined);
  }

  notify(): void {
    this.wake?.();
    this.wake = undefined;
  }

  /** The next news, waiting for it; undefined when the signal aborts. */
  async next(signal: AbortSignal): Promise<SocketNews | undefined> {
    while (this.queue.length === 0) {
      if (signal.aborted) return undefined;
      const woke = new Promise<void>((r) => (this.wake = r));
      const onAbort = () => this.notify();
      signal.addEventListener('abort', onAbort, { once: true });
      await woke;
      signal.removeEventListener('abort', onAbort);
    }
    return this.queue.shift();
  }
}

const PAGE = 200;

/**
 * The wait itself, under one signal; see waitForDecision. With the client's call socket
 * held (connect(), run()), it is answered over that socket: listen first, then read the
 * step and the task's log as socket calls, then the pushed events; no ticket, no new
 * socket, no HTTP. When that socket drops, the wait resumes on its own event stream
 * after the last event it read, so nothing is lost or read twice.
 */
async function decisionOn(live: LiveOptions, stepId: string, approvalId: string | undefined, signal: AbortSignal): Promise<DecisionOutcome> {
  const heard = Heard.on(live.calls);
  try {
    const getStep = (): Promise<Step> => (heard && live.calls ? (live.calls.call('steps.get', { stepId }, signal) as Promise<Step>) : live.api.steps.get.query({ stepId }, { signal }));
    const first = await getStep();
    let bound = approvalId;
    if (bound === undefined) {
      if (first.status !== 'awaiting_approval') {
        return { status: first.status, step: first, revision: first.revision, ...(first.approval ? { approvalId: first.approval.id } : {}) };
      }
      if (!first.approval) throw new GreenlightError(`step ${stepId} awaits approval but names no approval`, { code: 'INTERNAL_SERVER_ERROR' });
      bound = first.approval.id;
    }
    const judge = new Judge(stepId, bound);
    const done = async (d: Decided): Promise<DecisionOutcome> => ({ status: d.to, step: await getStep(), approvalId: d.approvalId, revision: d.revision });
    /** The last event read, by seq: a fall-back stream resumes after it. */
    let after = 0;
    if (heard && live.calls) {
      // The log so far, over the socket; what commits after each page is already being heard.
      for (;;) {
        const page = (await live.calls.call('events.list', { taskId: first.taskId, after, limit: PAGE }, signal)) as { items: Event[] };
        for (const event of page.items) {
          after = event.seq;
          const d = judge.feed(event);
          if (d) return await done(d);
        }
        if (page.items.length < PAGE) break;
      }
      judge.caughtUp();
      for (;;) {
        const news = await heard.next(signal);
        if (!news) throw GreenlightError.aborted('waitForDecision', signal);
        if (news.type === 'closed') break; // dropped: the stream below resumes after `after`
        const { event } = news;
        if (event.taskId !== first.taskId || event.seq <= after) continue;
        after = event.seq;
        const d = judge.feed(event);
        if (d) return await done(d);
      }
    }
    for await (const mark of stream(live, { taskId: first.taskId, after, signal })) {
      if (mark.type === 'ready') {
        // Caught up: an approval of this step has opened by now, or it is none of this step's.
        judge.caughtUp();
        continue;
      }
      const d = judge.feed(mark.event);
      if (d) return await done(d);
    }
    // The stream ends only when the signal aborts; waitForDecision says why.
    throw GreenlightError.aborted('waitForDecision', signal);
  } finally {
    heard?.stop();
  }
}
