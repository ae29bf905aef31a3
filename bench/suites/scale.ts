/**
 * Scale: a workspace with 10,000 tasks and about 120,000 events, seeded through the real
 * operations inside the object. The pages the API serves (inbox, task, task list,
 * events at the start and at the end of the log) are timed in turns with the same
 * pages on a workspace of 50 tasks: O(page) means the big one costs about the same.
 * SQLite's plan for every statement those pages run is checked for full scans. And
 * the resident memory an object costs once it has been used and gone idle.
 */
import type { QueryPlan } from '../../apps/api/src/workspace/bench.ts';
import { bare, call, seed, workspace, type Keys, type OpenApproval } from '../lib/http.ts';
import { workerdRssKiB } from '../lib/memory.ts';
import type { Row } from '../lib/report.ts';
import type { BenchServer } from '../lib/servers.ts';
import { sampleInTurns, summarize } from '../lib/stats.ts';

const TASKS = 10_000;
const SMALL = 50;
const IDLE_OBJECTS = 128;

export type ScaleDetail = { tasks: number; events: number; databaseBytes: number; seedMs: number; plans: QueryPlan[]; memory: string };
type Stats = { databaseBytes: number; tasks: number; events: number; openApprovals: number };

/** The pages to time, given a workspace and one of its open approvals. */
function pages(url: string, k: Keys, a: OpenApproval, lastSeq: number): [string, () => Promise<unknown>][] {
  return [
    ['inbox: approvals.list, first page of 50', () => call(url, k.approver, 'approvals.list', { limit: 50 }, 'GET')],
    ['task page: tasks.get', () => call(url, k.approver, 'tasks.get', { taskId: a.taskId }, 'GET')],
    ['tasks.list, first page of 50', () => call(url, k.approver, 'tasks.list', { limit: 50 }, 'GET')],
    ['events.list, start of the log (50)', () => call(url, k.approver, 'events.list', { after: 0, limit: 50 }, 'GET')],
    ['events.list, end of the log (50)', () => call(url, k.approver, 'events.list', { after: Math.max(0, lastSeq - 50), limit: 50 }, 'GET')],
    ['events.list of one task', () => call(url, k.approver, 'events.list', { taskId: a.taskId, limit: 50 }, 'GET')],
  ];
}

export async function scale(s: BenchServer, maxMs: number): Promise<{ rows: Row[]; detail: ScaleDetail }> {
  const started = performance.now();
  const big = await workspace(s.url, s.rootToken, `scale-${s.mode}`);
  const small = await workspace(s.url, s.rootToken, `scale-small-${s.mode}`);
  const rssBeforeSeed = workerdRssKiB();
  const seeded = await seed(s.url, big.agent, TASKS, { maxMs: maxMs * 0.6 });
  const rssAfterSeed = workerdRssKiB();
  await seed(s.url, small.agent, SMALL);
  const bigStats = await bare<Stats>(s.url, big.agent, '/bench/stats');
  const smallStats = await bare<Stats>(s.url, small.agent, '/bench/stats');
  const first = async (k: Keys) => (await call<{ items: OpenApproval[] }>(s.url, k.approver, 'approvals.list', { limit: 1 }, 'GET')).items[0]!;
  const bigPages = pages(s.url, big, await first(big), bigStats.events);
  const smallPages = pages(s.url, small, await first(small), smallStats.events);

  const rows: Row[] = [];
  const each = Math.max(2_000, (maxMs - (performance.now() - started) - 8_000) / bigPages.length);
  for (const [i, [name, fn]] of bigPages.entries()) {
    const [b, sm] = await sampleInTurns([fn, smallPages[i]![1]], { count: 60, maxMs: each });
    const f = summarize(b!);
    const fl = summarize(sm!);
    const ratio = f.p50 / fl.p50;
    rows.push({
      mode: s.mode,
      name: `scale: ${name}, at ${bigStats.tasks.toLocaleString('en')} tasks / ${bigStats.events.toLocaleString('en')} events`,
      figure: f,
      floor: { label: `same page at ${SMALL} tasks`, ...fl },
      ratio,
      machine: { writes: 0, pings: 1 },
      target: '≤ 1.5x (O(page))',
      pass: ratio <= 1.5,
    });
  }
  const { plans } = await bare<{ plans: QueryPlan[] }>(s.url, big.agent, '/bench/explain');
  const scans = plans.filter((p) => p.fullScan);
  rows.push({
    mode: s.mode,
    name: `scale: query plans of those pages (${plans.length} statements)`,
    figure: {},
    floor: { label: 'EXPLAIN QUERY PLAN' },
    target: 'no full scan',
    pass: scans.length === 0,
    note: scans.length ? `full scans: ${scans.map((p) => p.query).join(' | ')}` : 'every statement searches an index',
  });

  // Memory: workerd's RSS before and after waking fresh objects, after they go idle.
  let memory = 'not observable here (no /proc)';
  const before = workerdRssKiB();
  if (before !== undefined) {
    const woken = await Promise.all(Array.from({ length: IDLE_OBJECTS }, (_, i) => call(s.url, s.rootToken, 'workspaces.create', { id: `idle-${s.mode}-${i}`, name: 'idle' })));
    await new Promise((r) => setTimeout(r, 1_000));
    const after = workerdRssKiB() ?? before;
    const per = (after - before) / woken.length;
    const seeding =
      rssBeforeSeed !== undefined && rssAfterSeed !== undefined
        ? `seeding the ${bigStats.tasks}-task workspace (${(bigStats.databaseBytes / 1024 / 1024).toFixed(0)} MiB of SQLite) moved workerd's RSS by ${((rssAfterSeed - rssBeforeSeed) / 1024).toFixed(1)} MiB; `
        : '';
    memory = `${seeding}${woken.length} more workspaces created and left idle 1 s added ${((after - before) / 1024).toFixed(1)} MiB: ~${per.toFixed(0)} KiB per idle object (RSS deltas of the whole workerd process, ${(after / 1024).toFixed(0)} MiB at the end: approximate and allocator-noisy; objects share one isolate, so no per-object heap is observable locally). The object keeps no rows in memory between calls: each call reads what it needs from SQLite.`;
  }
  return {
    rows,
    detail: { tasks: bigStats.tasks, events: bigStats.events, databaseBytes: bigStats.databaseBytes, seedMs: seeded.ms, plans, memory },
  };
}
