/**
 * `npm start`: run Greenlight locally under `wrangler dev` (workerd, SQLite state in
 * .wrangler/state), make a `demo` workspace on first run, print the URL and keys.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { call, ROOT_DIR, startServer } from './server.ts';

const port = Number(process.env.PORT ?? 8787);
const persistTo = join(ROOT_DIR, '.wrangler', 'state');
const devVars = join(ROOT_DIR, '.dev.vars');
const demoFile = join(ROOT_DIR, '.wrangler', 'demo-keys.json');

/** GREENLIGHT_ROOT_TOKEN from the environment, else the one in .dev.vars, else a new one written there. */
function rootToken() {
  if (process.env.GREENLIGHT_ROOT_TOKEN) return process.env.GREENLIGHT_ROOT_TOKEN;
  const existing = existsSync(devVars) ? /^GREENLIGHT_ROOT_TOKEN=(.+)$/m.exec(readFileSync(devVars, 'utf8'))?.[1] : undefined;
  if (existing) return existing.trim();
  const token = `glroot_${randomBytes(24).toString('base64url')}`;
  writeFileSync(devVars, `${existsSync(devVars) ? readFileSync(devVars, 'utf8') : ''}GREENLIGHT_ROOT_TOKEN=${token}\n`, { mode: 0o600 });
  return token;
}

const token = rootToken();
mkdirSync(join(ROOT_DIR, '.wrangler'), { recursive: true });
// The token reaches the Worker through an env file, never the command line.
const envFile = join(ROOT_DIR, '.wrangler', 'start.env');
writeFileSync(envFile, `GREENLIGHT_ROOT_TOKEN=${token}\n`, { mode: 0o600 });

console.log(`Starting Greenlight on http://127.0.0.1:${port} ...`);
const server = await startServer({ port, persistTo, envFile, quiet: true });

type DemoKeys = { workspace: string; admin: string; approver: string; agent: string };

async function demoKeys(): Promise<DemoKeys> {
  if (existsSync(demoFile)) return JSON.parse(readFileSync(demoFile, 'utf8')) as DemoKeys;
  const { adminKey } = await call<{ adminKey: string }>(server.url, token, 'workspaces.create', { id: 'demo', name: 'Demo workspace' });
  const approver = await call<{ key: string }>(server.url, adminKey, 'keys.create', { principal: 'reviewer', role: 'approver' });
  const agent = await call<{ key: string }>(server.url, adminKey, 'keys.create', { principal: 'demo-agent', role: 'agent' });
  const keys = { workspace: 'demo', admin: adminKey, approver: approver.key, agent: agent.key };
  writeFileSync(demoFile, JSON.stringify(keys, null, 2), { mode: 0o600 });
  return keys;
}

const keys = await demoKeys();
console.log(`
Greenlight is running.

  Web:       ${server.url}/
  API:       ${server.url}/trpc
  State:     ${persistTo}

  Workspace "${keys.workspace}" keys (kept in .wrangler/demo-keys.json):
    admin     ${keys.admin}
    approver  ${keys.approver}
    agent     ${keys.agent}

  Root token (creates workspaces): in .dev.vars

  Try the SDK quick start in another terminal:
    GREENLIGHT_URL=${server.url} AGENT_KEY=${keys.agent} \\
    APPROVER_KEY=${keys.approver} npm run quickstart

Press Ctrl+C to stop.`);

const stop = async () => {
  await server.stop();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
server.child.on('exit', (code) => {
  console.error(`wrangler dev exited (${code}).\n${server.output()}`);
  process.exit(code ?? 1);
});
