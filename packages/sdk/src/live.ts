/**
 * Live events for the SDK: `watch()` is an async iterator over the workspace's event
 * stream that reconnects and resumes from the last sequence number it saw (no gap,
 * no duplicate). waitForDecision (wait.ts) reads the same stream, with its catch-up marks.
 *
 * Aborting: `watch()` is a stream, so its signal ends it, at once (also when it was
 * aborted before the call), without an error, and leaves no socket or timer behind.
 */
import { LiveMessage, type Event } from '@greenlight/core';
import { sleep } from './abort.ts';
import type { CallSocket } from './calls.ts';
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

/** `calls`: the client's call socket; a wait is answered over it while it is open (wait.ts). */
export type LiveOptions = { url: string; api: Api; WebSocket?: typeof WebSocket; calls?: CallSocket };

const PING_MS = 25_000;
const MAX_BACKOFF_MS = 5_000;
/** A socket not open after this long is given up (a proxy that accepts the upgrade and never answers). */
export const CONNECT_TIMEOUT_MS = 10_000;

/**
 * The live socket's URL: the ticket's path (`/ws?ticket=…`) under the client's base URL,
 * keeping any path the base has (a server behind a proxy at `https://host/greenlight`),
 * as the HTTP calls do (`${base}/trpc`); resolving `/ws` against the base would drop it.
 */
export function socketUrl(base: string, path: string, after: number, taskId: string | undefined): string {
  const u = new URL(base.replace(/\/+$/, '').replace(/^http/, 'ws') + (path.startsWith('/') ? path : `/${path}`));
  u.searchParams.set('after', String(after));
  if (taskId) u.searchParams.set('taskId', taskId);
  return u.toString();
}

/**
 * One socket's messages as an async iterable; it ends when the socket closes, when it has
 * not opened within CONNECT_TIMEOUT_MS, or when the signal aborts (at once, not after the
 * close handshake). `opened()` says whether it ever opened.
 */
function messages(ws: WebSocket, signal: AbortSignal | undefined): { items: AsyncIterable<LiveMessage>; opened: () => boolean } {
  const queue: LiveMessage[] = [];
  let closed = false;
  let opened = false;
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
  const connecting = setTimeout(end, CONNECT_TIMEOUT_MS);
  ws.addEventListener('open', () => {
    opened = true;
    clearTimeout(connecting);
  });
  const ping = setInterval(() => ws.readyState === 1 && ws.send('ping'), PING_MS);
  signal?.addEventListener('abort', end, { once: true });
  const items = {
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
        clearTimeout(connecting);
        signal?.removeEventListener('abort', end);
        if (ws.readyState <= 1) ws.close(1000, 'done');
      }
    },
  };
  return { items, opened: () => opened };
}

/** What the stream carries: the events, and a mark each time a socket has caught up and is live. */
export type Mark = { type: 'event'; event: Event } | { type: 'ready'; lastSeq: number };

/** The event stream with its catch-up marks; ends quietly when `signal` aborts. */
export async function* stream(live: LiveOptions, opts: WatchOptions): AsyncGenerator<Mark, void, undefined> {
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
  /** The log after `after`, over HTTP, a page at a time; undefined when the signal ended it. */
  async function* overHttp(): AsyncGenerator<Event, boolean, undefined> {
    for (;;) {
      const page = await orEnd(() => live.api.events.list.query({ after, limit: 200, ...(taskId ? { taskId } : {}) }, signal ? { signal } : {}));
      if (!page) return false;
      for (const event of page.items) {
        after = event.seq;
        yield event;
      }
      if (page.items.length < 200) return true;
    }
  }
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
    const socket = messages(ws, signal);
    for await (const msg of socket.items) {
      if (msg.type === 'event' && msg.event.seq > after) {
        after = msg.event.seq;
        yield { type: 'event', event: msg.event };
      } else if (msg.type === 'ready') {
        failures = 0;
        after = Math.max(after, msg.lastSeq);
        yield { type: 'ready', lastSeq: msg.lastSeq };
      } else if (msg.type === 'behind') {
        // Too far behind for the socket: page the log over HTTP, then reconnect live.
        const pages = overHttp();
        let next = await pages.next();
        for (; !next.done; next = await pages.next()) yield { type: 'event', event: next.value };
        if (!next.value) return;
      }
    }
    if (signal?.aborted) return;
    if (!socket.opened()) {
      // A socket that never opened (a proxy or firewall without WebSockets, or one that
      // never answers): catch up over HTTP (events.list) before the next try, then say so
      // as a socket would, so a wait still sees its decision at the retry pace (5 s at
      // most between tries) instead of waiting forever.
      const pages = overHttp();
      let next = await pages.next();
      for (; !next.done; next = await pages.next()) yield { type: 'event', event: next.value };
      if (!next.value) return;
      yield { type: 'ready', lastSeq: after };
    }
    await sleep(Math.min(MAX_BACKOFF_MS, 100 * 2 ** failures++), signal);
  }
}

export async function* watch(live: LiveOptions, opts: WatchOptions = {}): AsyncGenerator<Event, void, undefined> {
  for await (const mark of stream(live, opts)) {
    if (mark.type === 'event') yield mark.event;
    else opts.onReady?.(mark.lastSeq);
  }
}
