/**
 * What `npm start`, `npm run serve` and `npm run reset` share: where local state lives,
 * the root token and data key (environment, else .dev.vars, else new ones written there) and the
 * banner. Both servers keep state in the same place, so they see the same workspaces
 * and keys (run one at a time).
 *
 * GREENLIGHT_LOCAL_DIR moves everything local (state, keys file, run file) elsewhere
 * (default .wrangler/); the tests use it to run `npm start` on scratch state.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ROOT_DIR } from './local.ts';
import type { DemoKeys } from './demo-keys.ts';

export const PORT = Number(process.env.PORT ?? 8787);
export const LOCAL_DIR = process.env.GREENLIGHT_LOCAL_DIR ?? join(ROOT_DIR, '.wrangler');
export const STATE_DIR = join(LOCAL_DIR, 'state');
/** The demo workspace's keys, written on first run and checked on every start (demo-keys.ts). */
export const KEYS_FILE = join(LOCAL_DIR, 'demo-keys.json');
/** Which process serves this state, and where: `{ pid, url }`, while it runs. */
export const RUN_FILE = join(LOCAL_DIR, 'server.json');
export const DEV_VARS = join(ROOT_DIR, '.dev.vars');

/** A path as the user would type it from the repository root. */
export const shown = (path: string): string => (path.startsWith(ROOT_DIR) ? relative(ROOT_DIR, path) : path);

/** `name` from the environment, else the one in .dev.vars, else a new one (`make()`) written there. */
function devSecret(name: string, make: () => string): string {
  if (process.env[name]) return process.env[name];
  const text = existsSync(DEV_VARS) ? readFileSync(DEV_VARS, 'utf8') : '';
  const existing = new RegExp(`^${name}=(.+)$`, 'm').exec(text)?.[1];
  if (existing) return existing.trim();
  const value = make();
  writeFileSync(DEV_VARS, `${text}${name}=${value}\n`, { mode: 0o600 });
  return value;
}

/** GREENLIGHT_ROOT_TOKEN from the environment, else the one in .dev.vars, else a new one written there. */
export const rootToken = (): string => devSecret('GREENLIGHT_ROOT_TOKEN', () => `glroot_${randomBytes(24).toString('base64url')}`);

/** GREENLIGHT_DATA_KEY (seals webhook signing secrets at rest), found or made like the root token. */
export const dataKey = (): string => devSecret('GREENLIGHT_DATA_KEY', () => randomBytes(32).toString('base64url'));

/**
 * The secrets and variables a local server runs with: local development lets webhooks
 * reach receivers on this machine (a deployment refuses private targets).
 */
export const localVars = (): Record<string, string> => ({
  GREENLIGHT_ROOT_TOKEN: rootToken(),
  GREENLIGHT_DATA_KEY: dataKey(),
  WEBHOOK_ALLOW_PRIVATE: 'true',
});

export function banner(url: string, keys: DemoKeys, how: string, notes: string[] = []): string {
  return `
Greenlight is running (${how}).

  Web:       ${url}/
  API:       ${url}/trpc
  State:     ${STATE_DIR}

  Workspace "${keys.workspace}" keys (checked against the server; kept in ${shown(KEYS_FILE)}):
    admin     ${keys.admin}
    approver  ${keys.approver}
    agent     ${keys.agent}
${notes.length > 0 ? `\n${notes.map((n) => `  Note: ${n}`).join('\n')}\n` : ''}
  Root token (creates workspaces): ${process.env.GREENLIGHT_ROOT_TOKEN ? 'from the GREENLIGHT_ROOT_TOKEN environment variable' : 'in .dev.vars'}

  Try the SDK quick start (it reads the keys above) in another terminal:
    npm run quickstart

  Something wrong with local state? Stop this and run \`npm run reset\`.

Press Ctrl+C to stop.`;
}
