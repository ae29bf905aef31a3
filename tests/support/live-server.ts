/**
 * A real `wrangler dev` for one test file: its own state directory and root token,
 * restartable on the same state, removed afterwards; and workspaces with keys on it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Role } from '@greenlight/core';
import { call, freePort, startServer, type Server } from '../../scripts/server.ts';

export type TestServer = {
  /** The current base URL (a restart picks a new port). */
  readonly url: string;
  readonly rootToken: string;
  /** Where wrangler dev keeps the objects' SQLite files (for tests that read them as an attacker would). */
  readonly stateDir: string;
  /** Stop and start again on the same SQLite state, as a crash-free deploy would. */
  restart(opts?: { whileDown?: () => Promise<void> }): Promise<void>;
  stop(): Promise<void>;
};

export async function startTestServer(env: Record<string, string> = {}): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'greenlight-test-'));
  const rootToken = 'test-root-token';
  const envFile = join(dir, 'env');
  writeFileSync(
    envFile,
    Object.entries({ GREENLIGHT_ROOT_TOKEN: rootToken, ...env })
      .map(([k, v]) => `${k}=${v}\n`)
      .join(''),
  );
  const stateDir = join(dir, 'state');
  // freePort's port can be taken by another process before wrangler binds it (test files
  // start servers in parallel): a bind race is retried on a new port, anything else is not.
  const boot = async (): Promise<Server> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await startServer({ port: await freePort(), persistTo: stateDir, envFile });
      } catch (e) {
        if (attempt >= 3 || !/Address already in use/.test((e as Error).message)) throw e;
      }
    }
  };
  let server: Server = await boot();
  return {
    get url() {
      return server.url;
    },
    rootToken,
    stateDir,
    async restart(opts = {}) {
      await server.stop();
      await opts.whileDown?.();
      server = await boot();
    },
    async stop() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A workspace with one key per principal named, by role; returns the admin key and the others. */
export async function createWorkspace<P extends string>(srv: TestServer, id: string, principals: Record<P, Exclude<Role, 'admin'>>): Promise<{ admin: string } & Record<P, string>> {
  const { adminKey } = await call<{ adminKey: string }>(srv.url, srv.rootToken, 'workspaces.create', { id, name: id });
  const keys: Record<string, string> = { admin: adminKey };
  for (const [principal, role] of Object.entries(principals) as [P, Role][]) {
    keys[principal] = (await call<{ key: string }>(srv.url, adminKey, 'keys.create', { principal, role })).key;
  }
  return keys as { admin: string } & Record<P, string>;
}
