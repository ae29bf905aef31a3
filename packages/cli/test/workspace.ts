/**
 * A real server (`wrangler dev`) with one workspace and its admin, agent and approver keys,
 * and a scratch project directory, for the tests that run the real CLI against it.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, type Approval, type GreenlightClient } from '@greenlight/sdk';
import { call, freePort, startServer, type Server } from '../../../scripts/server.ts';

export type Workspace = {
  server: Server;
  dir: string;
  project: string;
  keys: { admin: string; agent: string; approver: string };
  reviewer: GreenlightClient;
  stop: () => Promise<void>;
};

export async function startWorkspace(id: string): Promise<Workspace> {
  const root = `${id}-root-token`;
  const dir = mkdtempSync(join(tmpdir(), `greenlight-${id}-`));
  const project = join(dir, 'project');
  mkdirSync(join(project, 'src'), { recursive: true });
  writeFileSync(join(dir, 'env'), `GREENLIGHT_ROOT_TOKEN=${root}\n`);
  const server = await startServer({ port: await freePort(), persistTo: join(dir, 'state'), envFile: join(dir, 'env') });
  const { adminKey } = await call<{ adminKey: string }>(server.url, root, 'workspaces.create', { id, name: id });
  const mk = async (principal: string, role: string) => (await call<{ key: string }>(server.url, adminKey, 'keys.create', { principal, role })).key;
  const keys = { admin: adminKey, agent: await mk('claude', 'agent'), approver: await mk('ana', 'approver') };
  return {
    server,
    dir,
    project,
    keys,
    reviewer: createClient({ url: server.url, key: keys.approver }),
    async stop() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The first open approval that matches, once the CLI process (slow to start on a busy machine) has asked. */
export async function waitForApproval(reviewer: GreenlightClient, match: (a: Approval) => boolean, what: string): Promise<Approval> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const found = (await reviewer.approvals.list.query({ limit: 200 })).items.find(match);
    if (found) return found;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no approval for ${what}`);
}
