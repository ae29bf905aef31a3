/**
 * What every local way of running Greenlight shares: the repository root, free ports,
 * waiting for /healthz, the offline environment for wrangler, and a plain-JSON tRPC call.
 * `wrangler dev` (server.ts) and Miniflare (miniflare.ts) both build on it.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
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
        : // oxlint-disable-next-line unicorn/no-invalid-fetch-options -- `method` is 'POST' here (the rule does not narrow).
          await fetch(target, { method, headers, body: JSON.stringify(input ?? {}), signal });
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

/*
 * Child processes that must not outlive this one. wrangler runs as two Node processes
 * and one or more workerd processes (and esbuild); each is started in its own process
 * group so that all of them can be stopped together: killing only the first would
 * orphan workerd, still holding the port. Whatever way this process ends (an error,
 * process.exit, a signal handled by the caller), the groups go too.
 */
const groups = new Set<ChildProcess>();
/** Servers still starting (Miniflare before it is ready): disposed by stopEverything. */
const starting = new Set<() => Promise<void>>();

/** Send `signal` to the child's whole process group. */
export function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // the group is already gone
  }
}

// Last resort, synchronous: on any exit of this process, no group it started survives it.
process.on('exit', () => {
  for (const child of groups) signalGroup(child, 'SIGKILL');
});

/**
 * `node <args>` (this Node, 22), or another `command` (the workerd binary), in its own
 * process group, stopped with this process at the latest.
 */
export function spawnGroup(args: string[], opts: SpawnOptions, command: string = process.execPath): ChildProcess {
  const child = spawn(command, args, { ...opts, detached: true });
  groups.add(child);
  child.once('exit', () => {
    // The leader is gone; make sure the rest of its group is too, then forget it.
    signalGroup(child, 'SIGKILL');
    groups.delete(child);
  });
  return child;
}

/** Resolves when `child` has exited (at once if it already has). */
export function exitOf(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));
}

/** Stop a group: SIGTERM to its leader (wrangler stops workerd itself), SIGKILL to the group after `graceMs`. */
export async function stopGroup(child: ChildProcess, graceMs = 5_000): Promise<void> {
  const exited = exitOf(child);
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
  signalGroup(child, 'SIGKILL'); // anything the leader left behind (it should leave nothing)
}

/** Run `dispose` if a stop is asked for while `work` is still under way (a server starting). */
export async function whileStarting<T>(dispose: () => Promise<void>, work: Promise<T>): Promise<T> {
  starting.add(dispose);
  try {
    return await work;
  } finally {
    starting.delete(dispose);
  }
}

/** Stop every process group and every starting server this process has (for Ctrl+C handlers). */
export async function stopEverything(): Promise<void> {
  await Promise.allSettled([...[...groups].map((child) => stopGroup(child)), ...[...starting].map((dispose) => dispose())]);
}
