/**
 * Start and stop a local Greenlight server (`wrangler dev` on workerd) from Node.
 * Used by `npm start` and by the end-to-end tests, so both run the same thing.
 * (`npm run serve` runs the same Worker without the dev proxy: see miniflare.ts.)
 * wrangler runs in its own process group (local.ts), so stopping it, failing to start
 * it, or this process ending never leaves a workerd behind on the port.
 */
import type { ChildProcess } from 'node:child_process';
import { ensureWebBuilt } from './web.ts';
import { freePort, OFFLINE_ENV, ROOT_DIR, spawnGroup, stopGroup, waitHealthy, WRANGLER_JS, type LocalServer } from './local.ts';

export { call, freePort, ROOT_DIR } from './local.ts';

/**
 * Run `wrangler dev` offline on 127.0.0.1 and wait until /healthz answers.
 * `envFile` holds GREENLIGHT_ROOT_TOKEN; `persistTo` is where SQLite state lives.
 */
export type ServerOptions = {
  port: number;
  persistTo?: string;
  envFile?: string;
  quiet?: boolean;
  timeoutMs?: number;
  /** Another entry module than wrangler.toml's main (the bench's apps/api/src/bench-worker.ts). */
  main?: string;
};
export type Server = LocalServer & { child: ChildProcess; output: () => string };

export async function startServer({ port, persistTo, envFile, quiet = true, timeoutMs = 60_000, main }: ServerOptions): Promise<Server> {
  ensureWebBuilt();
  const inspectorPort = await freePort();
  const args = [
    // The entry right after `dev`: after --env-file (an array option) it would be read as a second env file.
    WRANGLER_JS,
    'dev',
    ...(main ? [main] : []),
    '-c',
    'wrangler.toml',
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--inspector-port',
    String(inspectorPort),
    '--show-interactive-dev-session=false',
    '--log-level',
    quiet ? 'warn' : 'info',
  ];
  if (persistTo) args.push('--persist-to', persistTo);
  if (envFile) args.push('--env-file', envFile);
  const child = spawnGroup(args, {
    cwd: ROOT_DIR,
    stdio: ['ignore', quiet ? 'pipe' : 'inherit', quiet ? 'pipe' : 'inherit'],
    env: { ...process.env, ...OFFLINE_ENV },
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitHealthy(url, {
      timeoutMs,
      what: 'wrangler dev',
      failed: () => (child.exitCode !== null ? `exit code ${child.exitCode}` : undefined),
    });
  } catch (e) {
    await stopGroup(child, 2_000);
    throw new Error(`${(e as Error).message}\n${output}`);
  }
  return {
    url,
    child,
    output: () => output,
    stop: () => stopGroup(child),
  };
}
