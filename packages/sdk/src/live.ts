/**
 * Live events for the SDK: `watch()` is an async iterator over the workspace's event
 * stream that reconnects and resumes from the last sequence number it saw (no gap,
 * no duplicate); `waitForDecision()` resolves from that stream, never by polling.
 */
import { LiveMessage, type Event, type Step, type StepStatus } from '@greenlight/core';
import type { Api } from './client.ts';
import { GreenlightError } from './errors.ts';

export type WatchOptions = {
  /** Resume after this sequence number (default 0: from the beginning). */
  after?: number;
  /** Only this task's events. */
  taskId?: string;
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

/** One socket's messages as an async iterable; it ends when the socket closes or the signal aborts. */
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
    const parsed = LiveMessage.safeParse(JSON.parse(e.data));
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
  const abort = () => ws.close(1000, 'aborted');
  signal?.addEventListener('abort', abort, { once: true });
  return {
    async *[Symbol.asyncIterator]() {
      try {
        for (;;) {
          if (queue.length > 0) yield queue.shift()!;
          else if (closed || signal?.aborted) return;
          else await new Promise<void>((r) => (wake = r));
        }
      } finally {
        clearInterval(ping);
        signal?.removeEventListener('abort', abort);
        if (ws.readyState <= 1) ws.close(1000, 'done');
      }
    },
  };
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
  });

export async function* watch(live: LiveOptions, opts: WatchOptions = {}): AsyncGenerator<Event, void, undefined> {
  const WS = live.WebSocket ?? globalThis.WebSocket;
  if (!WS) throw new GreenlightError('no WebSocket in this runtime: pass createClient({ WebSocket }) (e.g. from the "ws" package on Node 20)', { code: 'NETWORK_ERROR' });
  const { signal, taskId } = opts;
  let after = opts.after ?? 0;
  let failures = 0;
  while (!signal?.aborted) {
    let ws: WebSocket;
    try {
      const { path } = await live.api.events.ticket.mutate();
      ws = new WS(socketUrl(live.url, path, after, taskId));
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
        yield msg.event;
      } else if (msg.type === 'ready') {
        failures = 0;
        after = Math.max(after, msg.lastSeq);
        opts.onReady?.(msg.lastSeq);
      } else if (msg.type === 'behind') {
        // Too far behind for the socket: page the log over HTTP, then reconnect live.
        for (;;) {
          const page = await live.api.events.list.query({ after, limit: 200, ...(taskId ? { taskId } : {}) });
          for (const event of page.items) {
            after = event.seq;
            yield event;
          }
          if (page.items.length < 200) break;
        }
      }
    }
    if (signal?.aborted) return;
    await sleep(Math.min(MAX_BACKOFF_MS, 100 * 2 ** failures++), signal);
  }
}

export type DecisionOutcome = { status: StepStatus; step: Step };

/** Statuses that mean the reviewers have not spoken yet. */
const UNDECIDED: ReadonlySet<StepStatus> = new Set(['awaiting_approval']);

/**
 * Resolve when the step leaves awaiting_approval: approved, rejected, skipped,
 * changes requested, answered, expired, blocked or cancelled. Reads the task's events
 * from the start of the stream, so a decision made before the call is seen too.
 */
export async function waitForDecision(live: LiveOptions, stepId: string, opts: { signal?: AbortSignal; timeoutMs?: number } = {}): Promise<DecisionOutcome> {
  const first = await live.api.steps.get.query({ stepId });
  if (!UNDECIDED.has(first.status)) return { status: first.status, step: first };
  const ctrl = new AbortController();
  const onAbort = () => ctrl.abort();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  const timer = opts.timeoutMs !== undefined ? setTimeout(() => ctrl.abort(), opts.timeoutMs) : undefined;
  let status: StepStatus = first.status;
  try {
    for await (const event of watch(live, { taskId: first.taskId, signal: ctrl.signal })) {
      const to = event.data.to;
      if (event.stepId === stepId && typeof to === 'string') status = to as StepStatus;
      if (!UNDECIDED.has(status)) break;
    }
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onAbort);
    ctrl.abort();
  }
  if (UNDECIDED.has(status)) {
    if (opts.signal?.aborted) throw new GreenlightError('waitForDecision was aborted', { code: 'CLIENT_CLOSED_REQUEST' });
    throw new GreenlightError(`no decision on step ${stepId} within ${opts.timeoutMs} ms`, { code: 'TIMEOUT' });
  }
  const step = await live.api.steps.get.query({ stepId });
  return { status: step.status, step };
}
