/**
 * The SDK's main entry as Node resolves it (the `node` condition of "."): the same API,
 * plus a WebSocket for live events (watch, waitForDecision, run) on Node 20, which has
 * none built in. Node 22's own WebSocket is used where there is one; an explicit
 * `opts.WebSocket` always wins. Browsers, Workers and bundlers get ../index.ts, with no
 * `ws` and no node: import.
 */
import { WebSocket as NodeWebSocket } from 'ws';
import { createClient as createWith, type ClientOptions, type GreenlightClient } from '../index.ts';

export * from '../index.ts';

/** The runtime's WebSocket, else the `ws` package's (the same browser-style API: addEventListener, send, close). */
export function defaultWebSocket(): typeof WebSocket {
  return typeof globalThis.WebSocket === 'function' ? globalThis.WebSocket : (NodeWebSocket as unknown as typeof WebSocket);
}

/** createClient (../index.ts) with a WebSocket on every Node this package supports. */
export function createClient(opts: ClientOptions): GreenlightClient {
  return createWith({ ...opts, WebSocket: opts.WebSocket ?? defaultWebSocket() });
}
