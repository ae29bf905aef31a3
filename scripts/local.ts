/**
 * What every local way of running Greenlight shares: the repository root, free ports,
 * waiting for /healthz, the offline environment for wrangler, and a plain-JSON tRPC call.
 * `wrangler dev` (server.ts) and Miniflare (miniflare.ts) both build on it.
 */
import { createServer, type AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
export const ROOT_DIR = fileURLToPath(new URL('..', import.meta.url));

/** The wrangler CLI's entry, run with this Node (22): the machine's own node may be older. */
export const WRANGLER_JS = join(dirname(require.resolve('wrangler/package.json')), 'bin', 'wrangler.js');

/** Offline and quiet: no Cloudflare lookups, no metrics, no local trace store. */
export const OFFLINE_ENV = {
  CLOUDFLARE_CF_FETCH_ENABLED: 'false',
  WRANGLER_SEND_METRICS: 'false',
  X_LOCAL_OBSERVABILITY: 'false',
  TURBO_TELEMETRY_DISABLED: '1',
} as const;

/** A running local server, whichever way it was started. */
export type LocalServer = { url: string; stop: () => Promise<void> };

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Poll `${url}/healthz` until it answers 200. `failed` is checked each round so a
 * server that died is reported at once instead of after the timeout.
 */
export async function waitHealthy(url: string, opts: { timeoutMs: number; failed: () => string | undefined; what: string }): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    const why = opts.failed();
    if (why !== undefined) throw new Error(`${opts.what} stopped before it was ready: ${why}`);
    if (Date.now() > deadline) throw new Error(`${opts.what} was not ready at ${url}/healthz after ${opts.timeoutMs} ms`);
    try {
      // Bounded: a port held by something that never answers must not hang the wait.
      const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2_000) });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A failed call: the tRPC code (UNAUTHORIZED, CONFLICT, ...) or NETWORK_ERROR when nothing answered at the URL. */
export class CallError extends Error {
  readonly code: string;
  constructor(message: string, code: string) {
    super(message);
    this.code = code;
    this.name = 'CallError';
  }
}

/** Why fetch failed, in words: "connection refused" rather than undici's bare "fetch failed". */
export function fetchFailure(target: string, e: unknown): string {
  const cause = (e as { cause?: { code?: string; message?: string } }).cause;
  if ((e as Error).name === 'TimeoutError') return `no answer from ${target} in time`;
  const why = cause?.code === 'ECONNREFUSED' ? 'connection refused (nothing is listening there)' : (cause?.code ?? cause?.message ?? (e as Error).message);
  return `cannot reach ${target}: ${why}`;
}

/**
 * Call one tRPC procedure over plain JSON, like any HTTP client.
 * Throws CallError: the server's code and message, or NETWORK_ERROR naming the URL tried
 * (also when no answer came within 30 s).
 */
export async function call<T = unknown>(url: string, key: string, path: string, input?: unknown, method: 'GET' | 'POST' = 'POST'): Promise<T> {
  const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
  const signal = AbortSignal.timeout(30_000);
  const target = `${url}/trpc/${path}`;
  let res: Response;
  let text: string;
  try {
    res =
      method === 'GET'
        ? await fetch(`${target}${input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(input))}`}`, { headers, signal })
        : await fetch(target, { method, headers, body: JSON.stringify(input ?? {}), signal });
    text = await res.text();
  } catch (e) {
    throw new CallError(fetchFailure(target, e), 'NETWORK_ERROR');
  }
  let body: { result?: { data: T }; error?: { message: string; data?: { code?: string } } };
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    throw new CallError(`${path}: HTTP ${res.status} from ${target}, not JSON: ${text.slice(0, 200)}`, `HTTP_${res.status}`);
  }
  if (body.error) {
    const code = body.error.data?.code ?? `HTTP_${res.status}`;
    throw new CallError(`${path}: ${code}: ${body.error.message}`, code);
  }
  return body.result!.data;
}

/** Whether something already listens on 127.0.0.1:`port` (binding it fails with EADDRINUSE). */
export function portTaken(port: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', (e: NodeJS.ErrnoException) => (e.code === 'EADDRINUSE' ? resolve(true) : reject(e)));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(false)));
  });
}
