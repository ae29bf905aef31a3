/**
 * Test helpers for the hosts' hooks: recorded payloads (fixtures/<host>/*.json, written
 * from each host's documentation) re-rooted into a test project, and the real
 * `greenlight hook <host>` process run on one of them.
 */
import { readFileSync } from 'node:fs';
import type { Approval, GreenlightClient } from '@greenlight/sdk';
import { spawnCli, type Run, type Running } from './process.ts';
import { waitForApproval, type Workspace } from './workspace.ts';

export type Payload = Record<string, unknown>;

/** The recorded events of `fixtures/<host>/<name>.json`, with `/project` replaced by `dir`. */
export function recorded(host: string, name: string, dir: string): Payload[] {
  const raw = readFileSync(new URL(`./fixtures/${host}/${name}.json`, import.meta.url), 'utf8');
  const text = raw.replace(/"\/project(?=[/"])/g, JSON.stringify(dir).slice(0, -1));
  return (JSON.parse(text) as { events: Payload[] }).events;
}

/** The hook's environment for an agent key on `url`, its leases in the workspace's own directory. */
export const hookEnv = (ws: Workspace, url = ws.server.url, key = ws.keys.agent) => ({
  GREENLIGHT_URL: url,
  GREENLIGHT_KEY: key,
  XDG_CONFIG_HOME: `${ws.dir}/xdg`,
  GREENLIGHT_STATE_DIR: `${ws.dir}/hook-state`,
});

/** Start `greenlight hook <host> ...flags` on one payload. */
export function startHook(ws: Workspace, host: string, payload: Payload, opts: { flags?: string[]; env?: Record<string, string> } = {}): Running {
  return spawnCli(['hook', host, ...(opts.flags ?? [])], { cwd: ws.project, stdin: JSON.stringify(payload), env: { ...hookEnv(ws), ...opts.env } });
}

export const hook = (ws: Workspace, host: string, payload: Payload, opts: { flags?: string[]; env?: Record<string, string> } = {}): Promise<Run> => startHook(ws, host, payload, opts).result;

/** The JSON the hook printed (undefined when it printed nothing). */
export function printed(run: Run): Record<string, unknown> | undefined {
  if (run.code !== 0) throw new Error(`hook exited ${run.code}: ${run.stderr}`);
  return run.stdout.trim() === '' ? undefined : (JSON.parse(run.stdout) as Record<string, unknown>);
}

/** The open approval for a step with this key, once the hook process has asked. */
export async function approvalForKey(reviewer: GreenlightClient, key: string) {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const found = (await reviewer.approvals.list.query({ limit: 200 })).items.find((a) => a.stepKey === key);
    if (found) return found;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no approval for step ${key}`);
}

/**
 * A call without an id that asked and gave up (`--timeout 1`), approved afterwards by the
 * reviewer: its step waits approved and unclaimed, the state a later call under the same
 * key (same turn and command, other input) must never reuse. Returns the approval.
 */
export async function approvedAfterGivingUp(ws: Workspace, host: string, payload: Payload, match: (a: Approval) => boolean, what: string): Promise<Approval> {
  const out = printed(await hook(ws, host, payload, { flags: ['--timeout', '1'] }));
  if (JSON.stringify(out ?? {}).includes('"allow"')) throw new Error(`${what}: the first call was allowed before anyone decided: ${JSON.stringify(out)}`);
  const approval = await waitForApproval(ws.reviewer, match, what);
  await ws.reviewer.approvals.decide.mutate({ approvalId: approval.approvalId, decision: 'approve', paramsHash: approval.paramsHash });
  return approval;
}
