/**
 * Test harness: the real Worker, called through its fetch handler in workerd, with
 * the real SDK. Each test makes its own workspace, so tests never share state.
 */
import { exports } from 'cloudflare:workers';
import { createClient, verifyChain, type GreenlightClient } from '@greenlight/sdk';

export const ROOT_TOKEN = 'test-root-token';
export const BASE = 'http://greenlight.test';

export const workerFetch: typeof fetch = (input, init) => exports.default.fetch(new Request(input as RequestInfo, init));

export const clientFor = (key: string): GreenlightClient => createClient({ url: BASE, key, fetch: workerFetch });

let counter = 0;
export const uniqueId = (prefix = 'ws'): string => `${prefix}-${Date.now().toString(36)}-${(counter++).toString(36)}`;

export type Team = {
  id: string;
  keys: Record<'admin' | 'agent' | 'agent2' | 'approver' | 'approver2' | 'viewer', string>;
  admin: GreenlightClient;
  agent: GreenlightClient;
  agent2: GreenlightClient;
  approver: GreenlightClient;
  approver2: GreenlightClient;
  viewer: GreenlightClient;
};

/** A fresh workspace with one key per role (and a second agent and approver). */
export async function team(id = uniqueId()): Promise<Team> {
  const root = clientFor(ROOT_TOKEN);
  const { adminKey } = await root.workspaces.create.mutate({ id, name: `Workspace ${id}` });
  const admin = clientFor(adminKey);
  const mk = async (principal: string, role: 'agent' | 'approver' | 'viewer') => (await admin.keys.create.mutate({ principal, role })).key;
  const keys = {
    admin: adminKey,
    agent: await mk('agent-1', 'agent'),
    agent2: await mk('agent-2', 'agent'),
    approver: await mk('alice', 'approver'),
    approver2: await mk('bob', 'approver'),
    viewer: await mk('victor', 'viewer'),
  };
  return {
    id,
    keys,
    admin,
    agent: clientFor(keys.agent),
    agent2: clientFor(keys.agent2),
    approver: clientFor(keys.approver),
    approver2: clientFor(keys.approver2),
    viewer: clientFor(keys.viewer),
  };
}

/** The error a call rejects with, for asserting its code. */
export async function errorOf(p: Promise<unknown>): Promise<{ code: string; reason?: string | undefined; message: string; issues: unknown[] }> {
  try {
    await p;
  } catch (e) {
    return e as { code: string; reason?: string; message: string; issues: unknown[] };
  }
  throw new Error('expected the call to fail, but it succeeded');
}

export const patch = (path: string) => `--- a/${path}\n+++ b/${path}\n@@ -1 +1 @@\n-old\n+new\n`;

/** read + edit_file + run_command, the edit after the read and the command after the edit. */
export const threeStepPlan = () => ({
  title: 'Fix the failing test',
  goal: 'make npm test pass',
  steps: [
    { key: 'read', kind: 'read' as const, title: 'Read the test', params: { tool: 'read_file', paths: ['src/a.test.ts'] } },
    { key: 'edit', kind: 'edit_file' as const, title: 'Fix a.ts', params: { path: 'src/a.ts', patch: patch('src/a.ts') }, dependsOn: ['read'] },
    { key: 'test', kind: 'run_command' as const, title: 'Run the tests', params: { command: 'npm test' }, dependsOn: ['edit'] },
  ],
});

// --- helpers added for the decisions / cancel / auth / input / durability suites ---

export type PlanArgs = Parameters<GreenlightClient['tasks']['plan']['mutate']>[0];
export type WorkspaceEvent = Awaited<ReturnType<GreenlightClient['events']['list']['query']>>['items'][number];

/** Every event of the workspace (or of one task), following the pages. */
export async function allEvents(c: GreenlightClient, taskId?: string): Promise<WorkspaceEvent[]> {
  const out: WorkspaceEvent[] = [];
  let after = 0;
  for (;;) {
    const page = await c.events.list.query({ after, limit: 200, ...(taskId ? { taskId } : {}) });
    out.push(...page.items);
    const last = page.items.at(-1);
    if (page.items.length < 200 || !last) return out;
    after = last.seq;
  }
}

/** The seqs of a workspace's whole log are 1, 2, 3, ... with no gap and no repeat, and each event's hash chains to the one before. */
export function gaplessSeqs(events: WorkspaceEvent[]): boolean {
  return events.every((e, i) => e.seq === i + 1) && verifyChain(events).ok;
}

/** The open approval of the step with `stepKey` in `taskId` (fails the test when there is none). */
export async function openApproval(c: GreenlightClient, taskId: string, stepKey: string) {
  const inbox = await c.approvals.list.query({ taskId, limit: 200 });
  const a = inbox.items.find((x) => x.stepKey === stepKey);
  if (!a) throw new Error(`no open approval for step ${stepKey} of task ${taskId}`);
  return a;
}
