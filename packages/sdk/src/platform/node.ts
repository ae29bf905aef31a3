/**
 * The SDK's main entry as Node resolves it (the `node` condition of "."): the same API,
 * plus a WebSocket for live events (watch, waitForDecision, run) on Node 20, which has
 * none built in. Node 22's own WebSocket is used where there is one, and then the `ws`
 * package is never loaded (it costs a CLI start-up some 30 ms); an explicit
 * `opts.WebSocket` always wins. Browsers, Workers and bundlers get ../index.ts, with no
 * `ws` and no node: import.
 */
import { createClient as createWith, type ClientOptions, type GreenlightClient } from '../index.ts';

export * from '../index.ts';

/**
 * The `ws` package's WebSocket (the same browser-style API: addEventListener, send, close)
 * where the runtime has none, else undefined: the runtime's is used when a socket opens.
 * `in`, not a read: Node's global WebSocket is a getter that loads undici, a cost a
 * client that never opens a socket (a CLI command) should not pay.
 */
const NODE_WEBSOCKET: typeof WebSocket | undefined = 'WebSocket' in globalThis ? undefined : ((await import('ws')).WebSocket as unknown as typeof WebSocket);

/** createClient (../index.ts) with a WebSocket on every Node this package supports. */
export function createClient(opts: ClientOptions): GreenlightClient {
  const WebSocket = opts.WebSocket ?? NODE_WEBSOCKET;
  return createWith({ ...opts, ...(WebSocket ? { WebSocket } : {}) });
}
