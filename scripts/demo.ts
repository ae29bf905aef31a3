/**
 * What `npm start` and `npm run serve` share: the root token and data key (environment,
 * else .dev.vars, else new ones written there), the `demo` workspace made on first run,
 * the banner, and a clean stop on Ctrl+C. Both keep state in the same place, so they
 * see the same workspaces and keys (run one at a time).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { call, ROOT_DIR, type LocalServer } from './local.ts';

export const PORT = Number(process.env.PORT ?? 8787);
export const STATE_DIR = join(ROOT_DIR, '.wrangler', 'state');
const devVars = join(ROOT_DIR, '.dev.vars');
const demoFile = join(ROOT_DIR, '.wrangler', 'demo-keys.json');

/** `name` from the environment, else the one in .dev.vars, else a new one (`make()`) written there. */
function devSecret(name: string, make: () => string): string {
  if (process.env[name]) return process.env[name];
  const text = existsSync(devVars) ? readFileSync(devVars, 'utf8') : '';
  const existing = new RegExp(`^${name}=(.+)$`, 'm').exec(text)?.[1];
  if (existing) return existing.trim();
  const value = make();
  writeFileSync(devVars, `${text}${name}=${value}\n`, { mode: 0o600 });
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

export type DemoKeys = { workspace: string; admin: string; approver: string; agent: string };

/** The demo workspace's keys: made once, then kept in .wrangler/demo-keys.json beside the state. */
export async function demoKeys(url: string, token: string): Promise<DemoKeys> {
  if (existsSync(demoFile)) return JSON.parse(readFileSync(demoFile, 'utf8')) as DemoKeys;
  const { adminKey } = await call<{ adminKey: string }>(url, token, 'workspaces.create', { id: 'demo', name: 'Demo workspace' });
  const approver = await call<{ key: string }>(url, adminKey, 'keys.create', { principal: 'reviewer', role: 'approver' });
  const agent = await call<{ key: string }>(url, adminKey, 'keys.create', { principal: 'demo-agent', role: 'agent' });
  const keys = { workspace: 'demo', admin: adminKey, approver: approver.key, agent: agent.key };
  mkdirSync(join(ROOT_DIR, '.wrangler'), { recursive: true });
  writeFileSync(demoFile, JSON.stringify(keys, null, 2), { mode: 0o600 });
  return keys;
}

export function banner(url: string, keys: DemoKeys, how: string): string {
  return `
Greenlight is running (${how}).

  Web:       ${url}/
  API:       ${url}/trpc
  State:     ${STATE_DIR}

  Workspace "${keys.workspace}" keys (kept in .wrangler/demo-keys.json):
    admin     ${keys.admin}
    approver  ${keys.approver}
    agent     ${keys.agent}

  Root token (creates workspaces): in .dev.vars

  Try the SDK quick start in another terminal:
    GREENLIGHT_URL=${url} AGENT_KEY=${keys.agent} \\
    APPROVER_KEY=${keys.approver} npm run quickstart

Press Ctrl+C to stop.`;
}

/** Stop the server on Ctrl+C or SIGTERM, then exit. */
export function stopOnSignal(server: LocalServer): void {
  const stop = async () => {
    await server.stop();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
