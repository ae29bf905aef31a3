/**
 * Crash soak (`npm run soak`, not part of `npm test`): a real `wrangler dev` on
 * loopback with state in a temp dir, 16 concurrent clients (agents, approvers,
 * executors, a canceller, a reader), and the server SIGKILLed at random moments and
 * restarted on the same state, at least five times. Then, through the API: nothing
 * acknowledged is lost, no step ran twice, task statuses and the event log hold.
 * Prints its figures; exits non-zero on any loss, duplicate or broken invariant.
 *
 * SOAK_SECONDS (default 75) bounds the load; SOAK_MAX_OPS (default 40000) the calls.
 * Needs Linux (/proc) to crash the whole server process tree: see soak/crash.ts.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { agent, approver, canceller, executor, newLedger, reader, type Soak } from './soak/actors.ts';
import { killTree } from './soak/crash.ts';
import { CallStats, rpc, sleep } from './soak/rpc.ts';
import { verify } from './soak/verify.ts';
import { freePort, startServer, type Server } from './server.ts';

const SECONDS = Number(process.env.SOAK_SECONDS ?? 75);
const MAX_OPS = Number(process.env.SOAK_MAX_OPS ?? 40_000);
const MIN_KILLS = 5;

const dir = mkdtempSync(join(tmpdir(), 'greenlight-soak-'));
const root = `soak_${randomBytes(18).toString('base64url')}`;
const envFile = join(dir, 'env');
writeFileSync(envFile, `GREENLIGHT_ROOT_TOKEN=${root}\n`, { mode: 0o600 });
const persistTo = join(dir, 'state');
const port = await freePort();
const stats = new CallStats();

/** Start on the same port and state; a port still held by the dead tree gets a few tries. */
async function start(): Promise<Server> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startServer({ port, persistTo, envFile, timeoutMs: 60_000 });
    } catch (e) {
      if (attempt >= 3) throw e;
      await sleep(1_000);
    }
  }
}

/** A setup call that must work (the server is up and nothing is crashing yet). */
async function must<T>(key: string, path: string, input: unknown): Promise<T> {
  const a = await rpc<T>(stats, server.url, key, path, input, 'POST');
  if (a.kind !== 'ok') throw new Error(`setup ${path}: ${JSON.stringify(a)}`);
  return a.data;
}

const t0 = Date.now();
let server = await start();
const kills: { at: number; downMs: number }[] = [];
let exitCode = 1;
try {
  const { adminKey } = await must<{ adminKey: string }>(root, 'workspaces.create', { id: 'soak', name: 'Crash soak' });
  // Generous rate limits where the procedure exists: this is about crashes, not throttling.
  await rpc(stats, server.url, adminKey, 'workspaces.setLimits', { limits: { perKey: { ratePerSecond: 10_000, burst: 10_000 }, perWorkspace: { ratePerSecond: 10_000, burst: 10_000 } } }, 'POST');
  // Leases short enough to run out (and be retried or failed) within the run; approvals that
  // expire by alarm, deletes soonest: approvers leave those alone (actors.ts), so timeouts decide them.
  const unattended = { name: 'unattended-deletes', match: { kind: 'delete_file' }, action: 'ask', timeoutSeconds: 10, defaultOnTimeout: 'skip' };
  await must(adminKey, 'policy.set', { policy: { leaseSeconds: 12, timeoutSeconds: 40, defaultOnTimeout: 'reject', maxAttempts: 3, rules: [unattended] } });
  const keyFor = async (name: string, role: 'agent' | 'approver' | 'viewer') => ({ name, key: (await must<{ key: string }>(adminKey, 'keys.create', { principal: name, role })).key });

  const ledger = newLedger();
  const loadStart = Date.now();
  const until = loadStart + SECONDS * 1000;
  const stopped = () => Date.now() >= until || stats.total('ok') + stats.total('refused') + stats.total('unknown') >= MAX_OPS;
  const soak: Soak = { url: server.url, stats, ledger, stopped };
  const clients = [
    ...(await Promise.all([0, 1, 2, 3].map((i) => keyFor(`agent-${i}`, 'agent')))).map((c) => agent(soak, c)),
    ...(await Promise.all([0, 1, 2, 3].map((i) => keyFor(`approver-${i}`, 'approver')))).map((c) => approver(soak, c)),
    ...(await Promise.all([0, 1, 2, 3, 4, 5].map((i) => keyFor(`executor-${i}`, 'agent')))).map((c) => executor(soak, c)),
    canceller(soak, await keyFor('canceller', 'approver')),
    reader(soak, await keyFor('reader', 'viewer')),
  ];

  // Crash at random moments, spread so at least MIN_KILLS fit in the run.
  while (!stopped() || kills.length < MIN_KILLS) {
    const left = until - Date.now();
    const due = kills.length < MIN_KILLS ? Math.max(500, left / (MIN_KILLS - kills.length) - 7_000) : 8_000;
    await sleep(500 + Math.random() * due);
    if (stopped() && kills.length >= MIN_KILLS) break;
    const at = Date.now();
    await killTree(server.child.pid!);
    await sleep(Math.random() * 1_000);
    server = await start();
    kills.push({ at: at - loadStart, downMs: Date.now() - at });
  }
  await Promise.all(clients);
  const loadMs = Date.now() - loadStart;

  const findings = await verify(stats, server.url, adminKey, ledger);
  const ops = [...stats.byPath].sort().map(([p, c]) => `  ${p.padEnd(22)} ok ${c.ok}, refused ${c.refused}, unanswered ${c.unknown}`);
  const retried = ledger.reports.filter((r) => r.op === 'fail' && r.stepStatus === 'approved').length;
  const lines = [
    `soak: ${(loadMs / 1000).toFixed(1)} s of load, ${((Date.now() - t0) / 1000).toFixed(1)} s in all, 16 clients`,
    `kills: ${kills.length} (SIGKILL of the whole server tree) at ${kills.map((k) => `${(k.at / 1000).toFixed(1)} s`).join(', ')}; down ${kills.map((k) => `${(k.downMs / 1000).toFixed(1)} s`).join(', ')}`,
    `calls: ${stats.total('ok')} answered ok, ${stats.total('refused')} refused (4xx), ${stats.total('unknown')} unanswered (server down or 5xx)`,
    ...ops,
    `acknowledged: ${ledger.plans.length} plans, ${ledger.decisions.length} decisions, ${ledger.claims.length} claims, ` +
      `${ledger.reports.filter((r) => r.op === 'complete').length} completes, ${ledger.reports.filter((r) => r.op === 'fail').length} fails (${retried} retried), ` +
      `${ledger.cancels.length} cancels, ${ledger.revisions} revisions`,
    `final state: ${findings.tasks} tasks, ${findings.steps} steps, ${findings.events} events; by alarm: ${findings.expiredApprovals} approvals timed out, ` +
      `${findings.expiredLeases} steps failed lease_expired; ${ledger.claims.filter((c) => c.attempt > 1).length} claims were retries (attempt > 1)`,
    `5xx answers: ${stats.serverErrors.length}`,
    ...stats.serverErrors.slice(0, 10).map((e) => `  ${e}`),
    `lost = ${findings.lost.length}`,
    ...findings.lost.slice(0, 20).map((x) => `  ${x}`),
    `duplicates = ${findings.duplicates.length}`,
    ...findings.duplicates.slice(0, 20).map((x) => `  ${x}`),
    `broken invariants = ${findings.invariants.length}`,
    ...findings.invariants.slice(0, 20).map((x) => `  ${x}`),
  ];
  console.log(lines.join('\n'));
  const clean = findings.lost.length === 0 && findings.duplicates.length === 0 && findings.invariants.length === 0 && kills.length >= MIN_KILLS;
  exitCode = clean ? 0 : 1;
  if (clean) rmSync(dir, { recursive: true, force: true });
  else console.log(`soak: FAILED; state kept in ${dir}`);
} finally {
  // The whole tree: a plain stop can leave workerd behind when wrangler's own process went first.
  if (server.child.pid) await killTree(server.child.pid);
}
process.exit(exitCode);
