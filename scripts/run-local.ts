/**
 * The life of a local server started by `npm start` or `npm run serve`, so that the
 * first hour goes calmly whatever happens:
 *
 * - Before starting: refuse, in one sentence, when this folder's state is already
 *   served (the run file names a live process) or the port is taken, naming the port
 *   and how to pick another (PORT=...).
 * - After starting: check the saved demo keys against the server and repair them
 *   (demo-keys.ts), then print the banner.
 * - On any failure: one clear message (no stack trace), the server stopped, exit 1.
 * - On Ctrl+C, SIGTERM or SIGHUP, at any moment (also while starting): the server stopped.
 * Nothing it started outlives it: local.ts stops whole process groups.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { banner, KEYS_FILE, LOCAL_DIR, PORT, RUN_FILE, rootToken, shown } from './demo.ts';
import { ensureDemoKeys } from './demo-keys.ts';
import { freePort, portTaken, stopEverything, type LocalServer } from './local.ts';

export type Launch = (opts: { port: number; token: string }) => Promise<LocalServer>;

/** A user-facing refusal: printed as it is, without a stack. */
export class Refusal extends Error {}

/** The process serving this folder's state, if it is still alive. */
export function liveRun(): { pid: number; url: string } | undefined {
  if (!existsSync(RUN_FILE)) return undefined;
  try {
    const run = JSON.parse(readFileSync(RUN_FILE, 'utf8')) as { pid: number; url: string };
    process.kill(run.pid, 0); // throws when no such process
    return run.pid === process.pid ? undefined : run;
  } catch {
    return undefined; // a run file left by a killed process: stale
  }
}

/** The next free port after `port`, to suggest. */
async function suggestPort(port: number): Promise<number> {
  for (let p = port + 1; p < port + 20 && p < 65536; p++) if (!(await portTaken(p))) return p;
  return freePort();
}

async function isGreenlight(port: number): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(1_000) });
    return res.ok && ((await res.json()) as { ok?: unknown }).ok === true;
  } catch {
    return false;
  }
}

/** Refuse to start on state that is already served, or on a taken port. */
async function preflight(command: string): Promise<void> {
  if (!Number.isInteger(PORT) || PORT < 1 || PORT > 65535) {
    throw new Refusal(`PORT must be a port number from 1 to 65535, not "${process.env.PORT}". For example: PORT=8788 ${command}`);
  }
  const run = liveRun();
  if (run) {
    throw new Refusal(`Greenlight is already running from this folder (process ${run.pid}, ${run.url}).\n` + `Use it, or stop it first (Ctrl+C in its terminal, or kill ${run.pid}).`);
  }
  if (await portTaken(PORT)) {
    const other = await suggestPort(PORT);
    const who = (await isGreenlight(PORT)) ? 'another Greenlight server (with other state)' : 'another program';
    throw new Refusal(`Port ${PORT} on 127.0.0.1 is already in use by ${who}.\n` + `Stop it, or pick another port: PORT=${other} ${command}`);
  }
}

let stopping = false;
/** Whether a signal asked the server to stop (its exit is then expected, not a crash). */
export const isStopping = (): boolean => stopping;

/**
 * Start a server with `launch`, make its demo keys work, print the banner, and keep it
 * running until a signal. `command` is how the user ran it ("npm start"), for messages.
 * Exits the process with 1 after any failure, having stopped the server.
 */
export async function runLocal(command: string, how: string, launch: Launch): Promise<LocalServer> {
  let server: LocalServer | undefined;
  let ours = false;
  const cleanUp = async () => {
    await Promise.allSettled([server?.stop(), stopEverything()]);
    if (ours) rmSync(RUN_FILE, { force: true });
  };
  process.on('exit', () => {
    if (ours) rmSync(RUN_FILE, { force: true });
  });
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    console.log(`\nStopping Greenlight (${signal}) ...`);
    void cleanUp().then(() => process.exit(0));
  };
  for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(s, onSignal);

  try {
    await preflight(command);
    mkdirSync(LOCAL_DIR, { recursive: true });
    writeFileSync(RUN_FILE, JSON.stringify({ pid: process.pid, url: `http://127.0.0.1:${PORT}` }));
    ours = true;
    const token = rootToken();
    console.log(`Starting Greenlight on http://127.0.0.1:${PORT} ...`);
    server = await launch({ port: PORT, token });
    const { keys, notes } = await ensureDemoKeys(server.url, token, KEYS_FILE);
    if (stopping) return server;
    console.log(banner(server.url, keys, how, notes));
    return server;
  } catch (e) {
    if (stopping) return new Promise<never>(() => undefined); // the signal handler exits
    // Lost the race for the port after the check: say it the same way.
    const raced = !(e instanceof Refusal) && /EADDRINUSE|address already in use/i.test((e as Error).message);
    const message =
      e instanceof Refusal
        ? e.message
        : raced
          ? `Port ${PORT} on 127.0.0.1 was taken while Greenlight started.\nStop what uses it, or pick another port: PORT=${await suggestPort(PORT)} ${command}`
          : `Could not start Greenlight: ${(e as Error).message}`;
    console.error(`\n${message.trimEnd()}`);
    if (!(e instanceof Refusal)) console.error(`\nIf local state is the problem, \`npm run reset\` starts fresh (deletes ${shown(LOCAL_DIR)}/state and the keys file).`);
    await cleanUp();
    process.exit(1);
  }
}
