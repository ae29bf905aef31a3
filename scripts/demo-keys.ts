/**
 * The demo workspace's keys, kept in `<local dir>/demo-keys.json` beside the state, and
 * checked against the running server on every start: state and keys file can be lost
 * or deleted separately, and printing keys the server does not know helps nobody.
 *
 * - Saved keys all work: used as they are.
 * - The admin key works, another was revoked: that one is made again with the admin key.
 * - The admin key is unknown (state deleted or replaced) or there is no keys file:
 *   a demo workspace is made with the root token. If `demo` itself still exists (keys
 *   file lost, state kept), its keys cannot be recovered (only their hashes are stored,
 *   and the root token may only create and list workspaces: SPEC §2), so the next free
 *   `demo-N` is made instead and the user is told that `npm run reset` starts over.
 */
import { CODING_AGENT_POLICY_INPUT } from '@greenlight/core';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { call, CallError } from './local.ts';

export type DemoKeys = { workspace: string; admin: string; approver: string; agent: string };
/** The keys, and what was repaired on the way (one sentence each, for the banner). */
export type DemoKeysResult = { keys: DemoKeys; notes: string[] };

const PRINCIPALS = { approver: 'reviewer', agent: 'demo-agent' } as const;

/** The saved keys, or why there are none usable ("missing", "unreadable: ..."). */
function readSaved(file: string): DemoKeys | string {
  if (!existsSync(file)) return 'missing';
  try {
    const k = JSON.parse(readFileSync(file, 'utf8')) as Partial<DemoKeys>;
    if (typeof k.workspace === 'string' && typeof k.admin === 'string' && typeof k.approver === 'string' && typeof k.agent === 'string') {
      return { workspace: k.workspace, admin: k.admin, approver: k.approver, agent: k.agent };
    }
    return 'unreadable: not a keys file';
  } catch (e) {
    return `unreadable: ${(e as Error).message}`;
  }
}

/** Whether the server knows `key`: true, false when it says UNAUTHORIZED; any other failure is thrown. */
export async function works(url: string, key: string): Promise<boolean> {
  try {
    await call(url, key, 'workspaces.get', undefined, 'GET');
    return true;
  } catch (e) {
    if (e instanceof CallError && e.code === 'UNAUTHORIZED') return false;
    throw e;
  }
}

function save(file: string, keys: DemoKeys): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(keys, null, 2)}\n`, { mode: 0o600 });
}

async function mint(url: string, adminKey: string, role: keyof typeof PRINCIPALS): Promise<string> {
  return (await call<{ key: string }>(url, adminKey, 'keys.create', { principal: PRINCIPALS[role], role })).key;
}

/**
 * A new workspace `id` with an admin, an approver and an agent key, under the worked
 * example policy (core's CODING_AGENT_POLICY_INPUT: reads and the test command run by
 * themselves, edits and other commands ask), so the README's walkthrough shows the policy
 * at work. CallError CONFLICT if `id` exists.
 */
export async function createDemoWorkspace(url: string, rootToken: string, id: string): Promise<DemoKeys> {
  const { adminKey } = await call<{ adminKey: string }>(url, rootToken, 'workspaces.create', { id, name: id === 'demo' ? 'Demo workspace' : `Demo workspace (${id})` });
  await call(url, adminKey, 'policy.set', { policy: CODING_AGENT_POLICY_INPUT });
  return { workspace: id, admin: adminKey, approver: await mint(url, adminKey, 'approver'), agent: await mint(url, adminKey, 'agent') };
}

/** The first of demo, demo-2, demo-3, ... that the server does not have. */
async function freeDemoId(url: string, rootToken: string): Promise<string> {
  const taken = new Set<string>();
  let cursor: string | undefined;
  do {
    const page = await call<{ items: { id: string }[]; nextCursor?: string }>(url, rootToken, 'workspaces.list', { limit: 100, ...(cursor ? { cursor } : {}) }, 'GET');
    for (const w of page.items) taken.add(w.id);
    cursor = page.nextCursor;
  } while (cursor);
  let n = 1;
  while (taken.has(n === 1 ? 'demo' : `demo-${n}`)) n++;
  return n === 1 ? 'demo' : `demo-${n}`;
}

/**
 * Keys for a demo workspace that work on the server at `url`, saved to `file`.
 * Errors: CallError when the server cannot be reached or refuses the root token;
 * a file system error when `file` cannot be written.
 */
export async function ensureDemoKeys(url: string, rootToken: string, file: string): Promise<DemoKeysResult> {
  const saved = readSaved(file);
  const notes: string[] = [];
  if (typeof saved !== 'string') {
    if (await works(url, saved.admin)) {
      const keys = { ...saved };
      for (const role of ['approver', 'agent'] as const) {
        if (await works(url, keys[role])) continue;
        keys[role] = await mint(url, keys.admin, role);
        notes.push(`The saved ${role} key was revoked; made a new one.`);
      }
      if (notes.length > 0) save(file, keys);
      return { keys, notes };
    }
    notes.push(`The saved keys for workspace "${saved.workspace}" are unknown to this server (its state was deleted or replaced); made new ones.`);
  } else if (saved !== 'missing') {
    notes.push(`The keys file could not be read (${saved.slice('unreadable: '.length)}); made new keys.`);
  }
  const id = await freeDemoId(url, rootToken);
  if (id !== 'demo') {
    notes.push(
      `Workspace "demo" exists but its keys are lost (only their hashes are stored), so a new workspace "${id}" was made.`,
      'To start over with one "demo" workspace, stop this and run `npm run reset` (deletes all local state).',
    );
  }
  const keys = await createDemoWorkspace(url, rootToken, id);
  save(file, keys);
  return { keys, notes };
}
