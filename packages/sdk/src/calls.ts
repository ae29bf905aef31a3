/**
 * The agent's calls over one WebSocket instead of one HTTP request each
 * (docs/socket-rpc.md). `CallSocket` holds a call socket to the workspace's object
 * (`/ws?ticket=…&events=live`: no catch-up, but the new events, which a wait listens to),
 * sends `{type:'call', id, op, input}` and matches each
 * `{type:'result', id, …}` to its call. The server runs a socket call through the same
 * pipeline as HTTP, so an answer or an error reads the same either way.
 *
 * When the socket drops with calls in flight, each is settled once, by its op's kind
 * (core SOCKET_OPS): a read is sent again over HTTP; a keyed mutation (the client gave it
 * an idempotency key before sending) is sent again over HTTP with the same key, so the
 * server replays its first answer if it had applied it; any other mutation (claim,
 * heartbeat) fails NETWORK_ERROR, reason `socket_closed`, and is not sent again.
 */
import { LiveMessage, LiveResult, SOCKET_CALL_BYTES, SOCKET_IN_FLIGHT, SOCKET_OPS, type CallError, type Event, type SocketOp } from '@greenlight/core';
import { GreenlightError } from './errors.ts';
import { CONNECT_TIMEOUT_MS, socketUrl } from './live.ts';

/** Which way a client's calls go: `auto` (default) over the call socket while it is open, else HTTP; `http` never the socket; `socket` opens it for a call and waits (HTTP when it cannot open). */
export type Transport = 'auto' | 'http' | 'socket';

/** An HTTP call of `op` with `input` (the client's tRPC proxy), for the fall-back and resends. */
export type HttpCall = (op: SocketOp, input: unknown, signal: AbortSignal | undefined) => Promise<unknown>;

export type CallSocketOptions = {
  url: string;
  /** A single-use ticket's path, over HTTP (events.ticket). */
  ticket: () => Promise<{ path: string }>;
  http: HttpCall;
  WebSocket: typeof WebSocket | undefined;
};

/** A result not back after this long closes the socket (it is half dead); its calls settle as on any drop. */
export const CALL_TIMEOUT_MS = 30_000;
/** An open socket with no hold and no call for this long is closed (transport `socket`), so a script that made a few calls can exit. */
export const IDLE_MS = 1_000;
const PING_MS = 25_000;
/** After a failed open, HTTP alone for this long before the next try. */
const RETRY_MS = 2_000;

/** The HTTP status tRPC gives each code, so an error from the socket reads like one from HTTP. */
const HTTP_STATUS: Record<string, number> = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  TIMEOUT: 408,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  TOO_MANY_REQUESTS: 429,
  CLIENT_CLOSED_REQUEST: 499,
  INTERNAL_SERVER_ERROR: 500,
};

const errorOf = (op: string, e: CallError): GreenlightError =>
  new GreenlightError(e.message, {
    code: e.code,
    path: op,
    ...(HTTP_STATUS[e.code] !== undefined ? { httpStatus: HTTP_STATUS[e.code] } : {}),
    ...(e.reason !== undefined ? { reason: e.reason } : {}),
    ...(e.issues !== undefined ? { issues: e.issues } : {}),
  });

/** What a listener on the call socket hears: each event pushed (from the socket's opening on), then `closed` once when it drops. */
export type SocketNews = { type: 'event'; event: Event } | { type: 'closed' };

type Pending = { op: SocketOp; input: unknown; signal: AbortSignal | undefined; resolve: (v: unknown) => void; reject: (e: unknown) => void; timer: ReturnType<typeof setTimeout> };

/** A timer that never keeps a Node process alive by itself. */
const unref = <T>(t: T): T => {
  (t as { unref?: () => void }).unref?.();
  return t;
};

/** A keyed mutation's input with an idempotency key, when it is an object without one: a resend must not apply it twice. */
function keyed(op: SocketOp, input: unknown): unknown {
  if (SOCKET_OPS[op] !== 'keyed' || typeof input !== 'object' || input === null || Array.isArray(input) || 'idempotencyKey' in input) return input;
  return { ...input, idempotencyKey: `sdk-${crypto.randomUUID()}` };
}

export class CallSocket {
  private readonly opts: CallSocketOptions;
  private ws: WebSocket | undefined;
  private open = false;
  private opening: Promise<boolean> | undefined;
  private readonly pending = new Map<string, Pending>();
  private nextId = 0;
  private holds = 0;
  private idle: ReturnType<typeof setTimeout> | undefined;
  private ping: ReturnType<typeof setInterval> | undefined;
  private failedAt = -Infinity;
  private readonly listeners = new Set<(news: SocketNews) => void>();

  constructor(opts: CallSocketOptions) {
    this.opts = opts;
  }

  /** Whether calls can go over the socket now. */
  isOpen(): boolean {
    return this.open && this.ws?.readyState === 1 && this.pending.size < SOCKET_IN_FLIGHT;
  }

  /**
   * Open the socket (once; concurrent callers share the attempt). Resolves true when it is
   * open and caught up, false when it could not be (no WebSocket, refused, no answer
   * within CONNECT_TIMEOUT_MS); never rejects: HTTP is always there.
   */
  connect(): Promise<boolean> {
    if (this.open && this.ws?.readyState === 1) return Promise.resolve(true);
    if (this.opening) return this.opening;
    const WS = this.opts.WebSocket ?? globalThis.WebSocket;
    if (!WS) return Promise.resolve(false);
    this.opening = this.dial(WS).finally(() => (this.opening = undefined));
    return this.opening;
  }

  /**
   * Hear the events the open socket is pushed (it is opened with `events=live`: what
   * commits after it opened, no catch-up), and `closed` once when it drops. Returns the
   * function that stops listening, or undefined when the socket is not open now.
   * While anyone listens the idle timer does not close the socket.
   */
  listen(fn: (news: SocketNews) => void): (() => void) | undefined {
    if (!this.open || this.ws?.readyState !== 1) return undefined;
    this.listeners.add(fn);
    this.stopIdle();
    return () => {
      if (this.listeners.delete(fn)) this.armIdle();
    };
  }

  /** Keep the socket open until the returned function is called (run(), connect()). */
  hold(): () => void {
    this.holds++;
    this.stopIdle();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.holds = Math.max(0, this.holds - 1);
      // The last holder is done (run() returned): close now, so a script can exit at once.
      if (this.holds === 0 && this.pending.size === 0) this.ws?.close(1000, 'released');
      else this.armIdle();
    };
  }

  /** Close the socket now; calls in flight settle as on a drop (resent over HTTP or failed). */
  close(): void {
    this.holds = 0;
    this.ws?.close(1000, 'client closed');
    this.drop();
  }

  /**
   * One call: over the socket when it is open (or, with `wait`, once it opens), else over
   * HTTP. Rejects with a GreenlightError as the HTTP call would.
   */
  async call(op: SocketOp, input: unknown, signal: AbortSignal | undefined, wait = false): Promise<unknown> {
    if (signal?.aborted) throw GreenlightError.aborted(op, signal);
    if (!this.isOpen() && performance.now() - this.failedAt > RETRY_MS) {
      // Held (run(), connect()) and dropped: reopen in the background while this call takes HTTP.
      if (wait) await this.connect();
      else if (this.holds > 0) void this.connect();
    }
    if (!this.isOpen()) return this.opts.http(op, input, signal);
    const id = `c${this.nextId++}`;
    const sent = keyed(op, input);
    const message = JSON.stringify({ type: 'call', id, op, input: sent });
    // Over the size bound the HTTP call answers PAYLOAD_TOO_LARGE, as it always has.
    if (message.length * 3 > SOCKET_CALL_BYTES && new TextEncoder().encode(message).byteLength > SOCKET_CALL_BYTES) return this.opts.http(op, input, signal);
    return new Promise<unknown>((resolve, reject) => {
      const onAbort = () => {
        const p = this.pending.get(id);
        if (!p) return;
        this.settle(id);
        p.reject(GreenlightError.aborted(op, signal));
      };
      const timer = unref(setTimeout(() => this.ws?.close(4002, `no answer to ${op} within ${CALL_TIMEOUT_MS} ms`), CALL_TIMEOUT_MS));
      this.pending.set(id, {
        op,
        input: sent,
        signal,
        resolve: (v) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(v);
        },
        reject: (e) => {
          signal?.removeEventListener('abort', onAbort);
          reject(e);
        },
        timer,
      });
      signal?.addEventListener('abort', onAbort, { once: true });
      this.stopIdle();
      try {
        this.ws!.send(message);
      } catch {
        // Closing under us (the close event follows): this call was never sent, so HTTP takes it.
        const p = this.pending.get(id)!;
        this.settle(id);
        this.opts.http(op, sent, signal).then(p.resolve, p.reject);
      }
    });
  }

  private async dial(WS: typeof WebSocket): Promise<boolean> {
    let ws: WebSocket;
    try {
      const { path } = await this.opts.ticket();
      const url = new URL(socketUrl(this.opts.url, path, 0, undefined));
      // `live`: no catch-up, but the events that commit from now on, for a wait on this socket (wait.ts).
      url.searchParams.set('events', 'live');
      ws = new WS(url.toString());
    } catch {
      this.failedAt = performance.now();
      return false;
    }
    return new Promise<boolean>((resolve) => {
      let settled = false;
      const done = (ok: boolean) => {
        if (settled) return;
        settled = true;
        clearTimeout(giveUp);
        if (!ok) this.failedAt = performance.now();
        resolve(ok);
      };
      const giveUp = unref(setTimeout(() => (ws.close(), done(false)), CONNECT_TIMEOUT_MS));
      ws.addEventListener('message', (e: MessageEvent) => {
        if (typeof e.data !== 'string' || e.data === 'pong') return;
        let json: unknown;
        try {
          json = JSON.parse(e.data);
        } catch {
          return;
        }
        const result = LiveResult.safeParse(json);
        if (result.success) return this.answer(result.data);
        const msg = LiveMessage.safeParse(json);
        if (msg.success && msg.data.type === 'event' && this.ws === ws) {
          for (const fn of this.listeners) fn({ type: 'event', event: msg.data.event });
          return;
        }
        if (msg.success && msg.data.type === 'ready') {
          this.ws = ws;
          this.open = true;
          this.ping = unref(setInterval(() => ws.readyState === 1 && ws.send('ping'), PING_MS));
          this.armIdle();
          done(true);
        }
      });
      const closed = () => {
        done(false);
        if (this.ws === ws) this.drop();
      };
      ws.addEventListener('close', closed);
      ws.addEventListener('error', closed);
    });
  }

  private answer(r: LiveResult): void {
    const p = this.pending.get(r.id);
    if (!p) return; // aborted, or settled by a drop
    this.settle(r.id);
    if (r.ok) p.resolve(r.value);
    else p.reject(errorOf(p.op, r.error));
  }

  private settle(id: string): void {
    const p = this.pending.get(id);
    if (p) clearTimeout(p.timer);
    this.pending.delete(id);
    this.armIdle();
  }

  /** The socket is gone: forget it, and settle every call in flight by its kind. */
  private drop(): void {
    this.open = false;
    this.ws = undefined;
    // Guarded: the Workers types' clearInterval takes no undefined.
    if (this.ping !== undefined) clearInterval(this.ping);
    this.ping = undefined;
    this.stopIdle();
    // Listeners first: a wait falls back to its own stream, resuming from what it has read.
    const heard = [...this.listeners];
    this.listeners.clear();
    for (const fn of heard) fn({ type: 'closed' });
    const inFlight = [...this.pending.values()];
    this.pending.clear();
    for (const p of inFlight) {
      clearTimeout(p.timer);
      if (SOCKET_OPS[p.op] === 'once') {
        p.reject(
          new GreenlightError(`the socket closed while ${p.op} was in flight: it may have been applied, and is not sent again (it has no idempotency key)`, {
            code: 'NETWORK_ERROR',
            reason: 'socket_closed',
            path: p.op,
          }),
        );
      } else {
        // The same input, its idempotency key included: a repeat replays, never applies twice.
        this.opts.http(p.op, p.input, p.signal).then(p.resolve, p.reject);
      }
    }
  }

  private armIdle(): void {
    this.stopIdle();
    if (!this.open || this.holds > 0 || this.pending.size > 0 || this.listeners.size > 0) return;
    this.idle = unref(setTimeout(() => this.ws?.close(1000, 'idle'), IDLE_MS));
  }

  private stopIdle(): void {
    if (this.idle !== undefined) clearTimeout(this.idle);
    this.idle = undefined;
  }
}
