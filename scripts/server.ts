/**
 * Start and stop a local Greenlight server (`wrangler dev` on workerd) from Node.
 * Used by `npm start` and by the end-to-end tests, so both run the same thing.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
export const ROOT_DIR = fileURLToPath(new URL('..', import.meta.url));

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
 * Run `wrangler dev` offline on 127.0.0.1 and wait until /healthz answers.
 * `envFile` holds GREENLIGHT_ROOT_TOKEN; `persistTo` is where SQLite state lives.
 */
export type ServerOptions = { port: number; persistTo?: string; envFile?: string; quiet?: boolean; timeoutMs?: number };
export type Server = { url: string; child: ChildProcess; output: () => string; stop: () => Promise<void> };

export async function startServer({ port, persistTo, envFile, quiet = true, timeoutMs = 60_000 }: ServerOptions): Promise<Server> {
  const wrangler = join(dirname(require.resolve('wrangler/package.json')), 'bin', 'wrangler.js');
  const inspectorPort = await freePort();
  const args = [
    wrangler, 'dev', '-c', 'wrangler.toml', '--ip', '127.0.0.1', '--port', String(port),
    '--inspector-port', String(inspectorPort), '--show-interactive-dev-session=false', '--log-level', quiet ? 'warn' : 'info',
  ];
  if (persistTo) args.push('--persist-to', persistTo);
  if (envFile) args.push('--env-file', envFile);
  const child = spawn(process.execPath, args, {
    cwd: ROOT_DIR,
    stdio: ['ignore', quiet ? 'pipe' : 'inherit', quiet ? 'pipe' : 'inherit'],
    env: {
      ...process.env,
      // Offline and quiet: no Cloudflare lookups, no metrics, no local trace store.
      CLOUDFLARE_CF_FETCH_ENABLED: 'false',
      WRANGLER_SEND_METRICS: 'false',
      X_LOCAL_OBSERVABILITY: 'false',
      TURBO_TELEMETRY_DISABLED: '1',
    },
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  const exited = new Promise<unknown>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited (${child.exitCode}) before it was ready:\n${output}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`wrangler dev was not ready after ${timeoutMs} ms:\n${output}`);
    }
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    child,
    output: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Call one tRPC procedure over plain JSON, as any HTTP client can. */
export async function call<T = unknown>(url: string, key: string, path: string, input?: unknown, method: 'GET' | 'POST' = 'POST'): Promise<T> {
  const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
  const res =
    method === 'GET'
      ? await fetch(`${url}/trpc/${path}${input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(input))}`}`, { headers })
      : await fetch(`${url}/trpc/${path}`, { method, headers, body: JSON.stringify(input ?? {}) });
  const body = (await res.json()) as { result?: { data: T }; error?: { message: string; data?: { code?: string } } };
  if (body.error) throw new Error(`${path}: ${body.error.data?.code ?? res.status}: ${body.error.message}`);
  return body.result!.data;
}
