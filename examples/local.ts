/**
 * Where the examples find a local Greenlight and its keys, as `npm start` leaves them:
 * the URL from GREENLIGHT_URL, else the running server's run file, else
 * http://127.0.0.1:$PORT (8787); keys from the environment, else the demo keys that
 * `npm start` checked and saved in .wrangler/demo-keys.json (GREENLIGHT_LOCAL_DIR moves
 * .wrangler/). And what a new user needs when it goes wrong: one line saying what was
 * tried and what to do, not a stack trace.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GreenlightError } from '@greenlight/sdk';

const repo = new URL('..', import.meta.url).pathname;
const localDir = process.env.GREENLIGHT_LOCAL_DIR ?? join(repo, '.wrangler');
const keysFile = join(localDir, 'demo-keys.json');

type Saved = { workspace?: string; admin?: string; approver?: string; agent?: string };

function readJson<T>(file: string): T | undefined {
  try {
    return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as T) : undefined;
  } catch {
    return undefined;
  }
}

/** The base URL of the local server (no trailing slash). */
export function localUrl(): string {
  const run = readJson<{ url?: string }>(join(localDir, 'server.json'));
  return (process.env.GREENLIGHT_URL ?? run?.url ?? `http://127.0.0.1:${process.env.PORT ?? 8787}`).replace(/\/+$/, '');
}

/**
 * A key for `role`: the first of the environment variables `env` that is set, else the
 * saved demo key. Prints one line and exits 1 when there is none.
 */
export function localKey(role: 'agent' | 'approver' | 'admin', env: string[], who: string): string {
  for (const name of env) if (process.env[name]) return process.env[name]!;
  const saved = readJson<Saved>(keysFile)?.[role];
  if (saved) return saved;
  fail(who, `no ${role} key: run \`npm start\` first (it saves the demo keys in ${keysFile}), or set ${env[0]}`);
}

/** Print one line and exit 1. */
export function fail(who: string, line: string): never {
  console.error(`[${who}] ${line}`);
  process.exit(1);
}

/** Exit with one clear line unless a Greenlight answers at `url`/healthz (within 3 s). */
export async function requireServer(url: string, who: string): Promise<void> {
  try {
    const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(3_000) });
    if (res.ok) return;
    fail(who, `${url}/healthz answered HTTP ${res.status}: is that a Greenlight server? (set GREENLIGHT_URL or PORT)`);
  } catch (e) {
    const code = (e as { cause?: { code?: string } }).cause?.code ?? (e as Error).name;
    fail(who, `cannot reach Greenlight at ${url} (${code}): is \`npm start\` running? (set GREENLIGHT_URL or PORT if it is elsewhere)`);
  }
}

/** One line for any failure: what the server said (code and message), or the URL that could not be reached. */
export function explain(err: unknown, url: string): string {
  // Only the client's own errors are about the server; anything else is a bug here, said as it is.
  if (!(err instanceof GreenlightError) && (err as Error | undefined)?.name !== 'TRPCClientError') return String((err as Error | undefined)?.message ?? err);
  const e = GreenlightError.from(err);
  // The SDK's message already names the procedure's URL and the network's reason.
  if (e.code === 'NETWORK_ERROR') return `${e.message}: is \`npm start\` running at ${url}? (set GREENLIGHT_URL or PORT if it is elsewhere)`;
  if (e.code === 'UNAUTHORIZED') return `${url} refused the key (${e.message}): restart \`npm start\` (it checks and repairs the saved demo keys), or check the key you set`;
  return `${e.code}: ${e.message}`;
}
