/**
 * Start and stop a local Greenlight server (`wrangler dev` on workerd) from Node.
 * Used by `npm start` and by the end-to-end tests, so both run the same thing.
 * (`npm run serve` runs the same Worker without the dev proxy: see miniflare.ts.)
 *
 * wrangler runs as two Node processes and one or more workerd processes. It is started
 * in its own process group so that every one of them can be stopped together: killing
 * only the first would orphan workerd, still holding the port. Whatever way this
 * process ends (an error, process.exit, Ctrl+C handled by the caller), the group goes too.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { ensureWebBuilt } from './web.ts';
import { freePort, OFFLINE_ENV, ROOT_DIR, waitHealthy, WRANGLER_JS, type LocalServer } from './local.ts';

export { call, freePort, ROOT_DIR } from './local.ts';

/**
 * Run `wrangler dev` offline on 127.0.0.1 and wait until /healthz answers.
 * `envFile` holds GREENLIGHT_ROOT_TOKEN; `persistTo` is where SQLite state lives.
 */
export type ServerOptions = { port: number; persistTo?: string; envFile?: string; quiet?: boolean; timeoutMs?: number };
export type Server = LocalServer & { child: ChildProcess; output: () => string };

/** Process groups of servers this process started and has not yet seen exit. */
const running = new Set<ChildProcess>();

/** Send `signal` to the child's whole process group (wrangler and its workerd). */
function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // the group is already gone
  }
}

// Last resort, synchronous: on any exit of this process, no server it started survives it.
process.on('exit', () => {
  for (const child of running) signalGroup(child, 'SIGKILL');
});

/** Stop one server: SIGTERM to wrangler (it stops workerd itself), SIGKILL to the group after `graceMs`. */
async function stopChild(child: ChildProcess, exited: Promise<unknown>, graceMs = 5_000): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
  // Anything wrangler left behind in its group (it should leave nothing).
  signalGroup(child, 'SIGKILL');
}

/** Stop every server this process started, including one still starting (for Ctrl+C handlers). */
export async function stopAllServers(): Promise<void> {
  await Promise.all(
    [...running].map((child) => stopChild(child, new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(undefined) : child.once('exit', resolve))))),
  );
}

export async function startServer({ port, persistTo, envFile, quiet = true, timeoutMs = 60_000 }: ServerOptions): Promise<Server> {
  ensureWebBuilt();
  const inspectorPort = await freePort();
  const args = [
    WRANGLER_JS, 'dev', '-c', 'wrangler.toml', '--ip', '127.0.0.1', '--port', String(port),
    '--inspector-port', String(inspectorPort), '--show-interactive-dev-session=false', '--log-level', quiet ? 'warn' : 'info',
  ];
  if (persistTo) args.push('--persist-to', persistTo);
  if (envFile) args.push('--env-file', envFile);
  const child = spawn(process.execPath, args, {
    cwd: ROOT_DIR,
    detached: true,
    stdio: ['ignore', quiet ? 'pipe' : 'inherit', quiet ? 'pipe' : 'inherit'],
    env: { ...process.env, ...OFFLINE_ENV },
  });
  running.add(child);
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  const exited = new Promise<unknown>((resolve) =>
    child.once('exit', (code, signal) => {
      // wrangler is gone; make sure workerd is too, then forget the group.
      signalGroup(child, 'SIGKILL');
      running.delete(child);
      resolve({ code, signal });
    }),
  );
  try {
    await waitHealthy(url, {
      timeoutMs,
      what: 'wrangler dev',
      failed: () => (child.exitCode !== null ? `exit code ${child.exitCode}` : undefined),
    });
  } catch (e) {
    await stopChild(child, exited, 2_000);
    throw new Error(`${(e as Error).message}\n${output}`);
  }
  return {
    url,
    child,
    output: () => output,
    stop: () => stopChild(child, exited),
  };
}
