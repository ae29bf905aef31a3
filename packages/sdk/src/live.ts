/**
 * Live events for the SDK: `watch()` is an async iterator over the workspace's event
 * stream that reconnects and resumes from the last sequence number it saw (no gap,
 * no duplicate); `waitForDecision()` resolves from that stream, never by polling, with
 * the decision on the step's revision that was open when the wait began.
 *
 * Aborting: `watch()` is a stream, so its signal ends it (at once, also when it was
 * aborted before the call) without an error; `waitForDecision()` rejects with
 * CLIENT_CLOSED_REQUEST (reason `aborted`). Neither leaves a socket or timer behind.
 */
import { LiveMessage, type Event, type Step, type StepStatus } from '@greenlight/core';
import { deadline, follow, sleep } from './abort.ts';
import type { Api } from './client.ts';
import { GreenlightError } from './errors.ts';

export type WatchOptions = {
  /** Resume after this sequence number (default 0: from the beginning). */
  after?: number;
  /** Only this task's events. */
  taskId?: string;
  /** Abort to end the stream (it ends at once when already aborted). */
  signal?: AbortSignal;
  /** Called when catch-up is done and the stream is live, with the last seq sent. */
  onReady?: (lastSeq: number) => void;
};

export type LiveOptions = { url: string; api: Api; WebSocket?: typeof WebSocket };

const PING_MS = 25_000;
const MAX_BACKOFF_MS = 5_000;

function socketUrl(base: string, path: string, after: number, taskId: string | undefined): string {
  const u = new URL(path, base.replace(/^http/, 'ws'));
  u.searchParams.set('after', String(after));
  if (taskId) u.searchParams.set('taskId', taskId);
  return u.toString();
}

/** One socket's messages as an async iterable; it ends when the socket closes or the signal aborts (at once, not after the close handshake). */
function messages(ws: WebSocket, signal: AbortSignal | undefined): AsyncIterable<LiveMessage> {
  const queue: LiveMessage[] = [];
  let closed = false;
  let wake: (() => void) | undefined;
  const notify = () => {
    wake?.();
    wake = undefined;
  };
  ws.addEventListener('message', (e: MessageEvent) => {
    if (typeof e.data !== 'string' || e.data === 'pong') return;
    let json: unknown;
    try {
      json = JSON.parse(e.data);
    } catch {
      return; // not a message of ours: a throw here would be an uncaught exception in the agent
    }
    const parsed = LiveMessage.safeParse(json);
    if (parsed.success) queue.push(parsed.data);
    notify();
  });
  const end = () => {
    closed = true;
    notify();
  };
  ws.addEventListener('close', end);
  ws.addEventListener('error', end);
  const ping = setInterval(() => ws.readyState === 1 && ws.send('ping'), PING_MS);
  signal?.addEventListener('abort', end, { once: true });
  return {
    async *[Symbol.asyncIterator]() {
      try {
        for (;;) {
          if (signal?.aborted) return;
          // What arrived before a close is still delivered.
          if (queue.length > 0) yield queue.shift()!;
          else if (closed) return;
          else await new Promise<void>((r) => (wake = r));
        }
      } finally {
        clearInterval(ping);
        signal?.removeEventListener('abort', end);
        if (ws.readyState <= 1) ws.close(1000, 'done');
      }
    },
  };
}

/** What the stream carries: the events, and a mark each time a socket has caught up and is live. */
type Mark = { type: 'event'; event: Event } | { type: 'ready'; lastSeq: number };

/** The event stream with its catch-up marks; ends quietly when `signal` aborts. */
async function* stream(live: LiveOptions, opts: WatchOptions): AsyncGenerator<Mark, void, undefined> {
  const WS = live.WebSocket ?? globalThis.WebSocket;
  if (!WS) throw new GreenlightError('no WebSocket in this runtime: pass createClient({ WebSocket }) (e.g. from the "ws" package on Node 20)', { code: 'NETWORK_ERROR' });
  const { signal, taskId } = opts;
  let after = opts.after ?? 0;
  let failures = 0;
  // An abort during a request (ticket, a page of the log) ends the stream like any other abort.
  const orEnd = async <T>(call: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await call();
    } catch (err) {
      if (signal?.aborted) return undefined;
      throw err;
    }
  };
  while (!signal?.aborted) {
    let ws: WebSocket;
    try {
      const ticket = await orEnd(() => live.api.events.ticket.mutate(undefined, signal ? { signal } : {}));
      if (!ticket || signal?.aborted) return;
      ws = new WS(socketUrl(live.url, ticket.path, after, taskId));
    } catch (err) {
      const e = GreenlightError.from(err);
      // Only the network is worth retrying; a bad key stays bad.
      if (e.code !== 'NETWORK_ERROR' && e.code !== 'INTERNAL_SERVER_ERROR') throw e;
      await sleep(Math.min(MAX_BACKOFF_MS, 100 * 2 ** failures++), signal);
      continue;
    }
    for await (const msg of messages(ws, signal)) {
      if (msg.type === 'event' && msg.event.seq > after) {
        after = msg.event.seq;
        yield { type: 'event', event: msg.event };
      } else if (msg.type === 'ready') {
        failures = 0;
        after = Math.max(after, msg.lastSeq);
        yield { type: 'ready', lastSeq: msg.lastSeq };
      } else if (msg.type === 'behind') {
        // Too far behind for the socket: page the log over HTTP, then reconnect live.
        for (;;) {
          const page = await orEnd(() => live.api.events.list.query({ after, limit: 200, ...(taskId ? { taskId } : {}) }, signal ? { signal } : {}));
          if (!page) return;
          for (const event of page.items) {
            after = event.seq;
            yield { type: 'event', event };
          }
          if (page.items.length < 200) break;
        }
      }
    }
    if (signal?.aborted) return;
    await sleep(Math.min(MAX_BACKOFF_MS, 100 * 2 ** failures++), signal);
  }
}

export async function* watch(live: LiveOptions, opts: WatchOptions = {}): AsyncGenerator<Event, void, undefined> {
  for await (const mark of stream(live, opts)) {
    if (mark.type === 'event') yield mark.event;
    else opts.onReady?.(mark.lastSeq);
  }
}

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
   * plan around it decided. Never awaiting_approval.
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
    const to = event.data.to;
    if (event.stepId !== stepId || typeof to !== 'string') continue;
    const eventRevision = typeof event.data.revision === 'number' ? event.data.revision : first.revision;
    if (revision === undefined) {
      // Earlier rounds are history: wait for this approval's own opening.
      if (to === 'awaiting_approval' && event.data.approvalId === bound) revision = eventRevision;
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
      if (typeof event.data.approvalId === 'string') bound = event.data.approvalId;
      continue;
    }
    const step = await live.api.steps.get.query({ stepId }, { signal });
    return { status: to as StepStatus, step, approvalId: bound, revision };
  }
  // The stream ends only when the signal aborts; waitForDecision says why.
  throw GreenlightError.aborted('waitForDecision', signal);
}
