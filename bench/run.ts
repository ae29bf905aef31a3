/**
 * `npm run bench`: SPEC section 10 and issue 17 on this machine, against floors from the
 * same run: each mode's own bare routes, and the machine's floor (a minimal Worker +
 * SQLite object on bare workerd, lib/machine.ts, sampled between suites). Starts each
 * local mode itself (serve: the deploy bundle on bare workerd; Miniflare, for comparison;
 * dev: wrangler dev), runs the suites under a time budget, prints one table and the
 * targets (met, or missed by how much and why), and writes bench/results/latest.json.
 * `-- --peers` also installs and runs LangGraph JS and the Agents SDK (peers/run.ts).
 * Loopback only; about three minutes without peers; see bench/README.md.
 */
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { ROOT_DIR } from '../scripts/local.ts';
import { startMachine, type Machine } from './lib/machine.ts';
import { workerdRssKiB } from './lib/memory.ts';
import { ratioOf, table, writeJson, type Mode, type Row } from './lib/report.ts';
import { startMode, type BenchServer } from './lib/servers.ts';
import { otherTargets, verdicts } from './lib/targets.ts';
import { runPeers, type PeerFigures } from './peers/run.ts';
import { bareCalls } from './suites/bare.ts';
import { agentCycle } from './suites/cycle.ts';
import { hookStartup } from './suites/hook.ts';
import { overhead } from './suites/overhead.ts';
import { push } from './suites/push.ts';
import { roundTrip } from './suites/roundtrip.ts';
import { scale, type ScaleDetail } from './suites/scale.ts';
import { socketPath } from './suites/socket.ts';
import { throughput } from './suites/throughput.ts';

/** The whole run stops starting suites after this, so that it ends inside 4 minutes (peers, when asked for, come after). */
const BUDGET_MS = 195_000;
/** Machine-floor samples: at the start, then after every suite, pooled. */
const MACHINE_FIRST_MS = 2_000;
const MACHINE_EACH_MS = 1_000;
const started = performance.now();
const left = () => BUDGET_MS - (performance.now() - started);

type Outcome = { rows: Row[]; scale?: ScaleDetail };
type Suite = { name: string; modes: Mode[]; maxMs: number; run: (s: BenchServer, maxMs: number) => Promise<Outcome> };
const rowsOnly =
  (fn: (s: BenchServer, maxMs: number) => Promise<Row[]>) =>
  async (s: BenchServer, maxMs: number): Promise<Outcome> => ({ rows: await fn(s, maxMs) });

const suites: Suite[] = [
  { name: 'bare', modes: ['serve', 'miniflare', 'dev'], maxMs: 6_000, run: rowsOnly(bareCalls) },
  { name: 'cycle', modes: ['serve'], maxMs: 14_000, run: rowsOnly(agentCycle) },
  { name: 'round trip', modes: ['serve', 'dev'], maxMs: 9_000, run: rowsOnly(roundTrip) },
  { name: 'socket', modes: ['serve'], maxMs: 8_000, run: rowsOnly(socketPath) },
  { name: 'overhead', modes: ['serve', 'dev'], maxMs: 9_000, run: rowsOnly(overhead) },
  { name: 'push', modes: ['serve', 'dev'], maxMs: 6_000, run: rowsOnly(push) },
  { name: 'hook', modes: ['serve'], maxMs: 15_000, run: rowsOnly(hookStartup) },
  { name: 'throughput', modes: ['serve', 'dev'], maxMs: 36_000, run: rowsOnly(throughput) },
  {
    name: 'scale',
    modes: ['serve'],
    maxMs: 45_000,
    run: async (s, maxMs) => {
      const r = await scale(s, maxMs);
      return { rows: r.rows, scale: r.detail };
    },
  },
];

// For working on one part: BENCH_ONLY=push,scale BENCH_MODES=serve npm run bench
const only = process.env.BENCH_ONLY?.split(',');
// Miniflare first: it runs one short suite (the 'before' of serve's bare call), which a slow serve must not crowd out of the budget.
const modes = (process.env.BENCH_MODES?.split(',') ?? ['miniflare', 'serve', 'dev']).filter((m): m is Mode => m === 'serve' || m === 'miniflare' || m === 'dev');
const withPeers = process.argv.slice(2).includes('--peers');
const rows: Row[] = [];
let scaleDetail: ScaleDetail | undefined;
const skipped: string[] = [];
const servers: Record<string, number> = {};
const rssAfter: Record<string, number | undefined> = {};
let machine: Machine | undefined;
try {
  machine = await startMachine();
  await machine.sample(MACHINE_FIRST_MS);
} catch (e) {
  console.error('[bench] the machine floor (bare workerd) did not start:', e);
}
for (const mode of modes) {
  const todo = suites.filter((x) => x.modes.includes(mode) && (!only || only.includes(x.name)));
  if (todo.length === 0) continue;
  console.error(`[bench] starting ${mode} ...`);
  let server: BenchServer;
  try {
    server = await startMode(mode);
  } catch (e) {
    rows.push({ mode, name: 'server: failed to start', figure: {}, floor: { label: '' }, target: 'starts', pass: false, note: String(e) });
    continue;
  }
  servers[mode] = server.startMs;
  if (machine) server.machine = machine;
  try {
    for (const suite of todo) {
      if (left() < suite.maxMs) {
        skipped.push(`${mode}/${suite.name}`);
        continue;
      }
      const t = performance.now();
      try {
        const outcome = await suite.run(server, suite.maxMs);
        rows.push(...outcome.rows);
        scaleDetail ??= outcome.scale;
      } catch (e) {
        // One broken suite must not hide the others' figures.
        rows.push({ mode, name: `${suite.name}: failed`, figure: {}, floor: { label: '' }, target: 'runs', pass: false, note: String(e) });
        console.error(`[bench] ${mode}/${suite.name} failed:`, e);
      }
      await machine?.sample(MACHINE_EACH_MS);
      const rss = workerdRssKiB();
      rssAfter[`${mode}/${suite.name}`] = rss;
      console.error(`[bench] ${mode}/${suite.name}: ${((performance.now() - t) / 1000).toFixed(1)} s${rss ? `, workerd RSS ${(rss / 1024).toFixed(0)} MiB` : ''}`);
    }
  } finally {
    await server.stop();
  }
}

let peers: PeerFigures[] | undefined;
if (withPeers) {
  console.error('[bench] peers ...');
  const r = await runPeers(8_000, 6_000);
  rows.push(...r.rows);
  peers = r.peers;
}
// Price every row against the machine's floor, from everything sampled over the run.
for (const r of rows) {
  if (r.machineFloor || !r.machine || !machine) continue;
  const f = machine.floor(r.machine);
  if (!f) continue;
  r.machineFloor = f;
  const ratio = ratioOf(r.figure, f);
  if (ratio !== undefined) r.machineRatio = ratio;
}
const machineSummary = machine?.summary();
await machine?.stop();

const out = table(rows);
console.log(`\n${out}\n`);
if (scaleDetail) {
  console.log('Query plans at scale (EXPLAIN QUERY PLAN of the statements the pages run):');
  for (const p of scaleDetail.plans) console.log(`  ${p.fullScan ? 'FULL SCAN ' : ''}${p.query}\n      -> ${p.plan.join('; ')}`);
  console.log(`Memory: ${scaleDetail.memory}`);
}
if (skipped.length) console.log(`Skipped (time budget): ${skipped.join(', ')}`);
if (machineSummary) {
  const { ping, write, rpsOne, rpsMany } = machineSummary;
  console.log(
    `\nMachine floor (bare workerd, minimal Worker + SQLite object, pooled over the run): call p50 ${ping.p50.toFixed(2)} / p99 ${ping.p99.toFixed(2)} ms, write p50 ${write.p50.toFixed(2)} / p99 ${write.p99.toFixed(2)} ms, 32 clients writing ${rpsOne.toFixed(0)}/s on one object, ${rpsMany.toFixed(0)}/s on 32.`,
  );
}
const primary = verdicts(rows, peers, machine);
const others = otherTargets(rows, ['agent cycle', 'throughput: approvals.decide, 32 clients, 1 workspace', 'push: decision committed', 'bare call']);
console.log('\nTargets (issue 17; ratios within this run, on a shared machine: compare within one run):');
for (const v of [...primary, ...others]) console.log(`  ${v.met === undefined ? '·' : v.met ? '✓' : '✗'} ${v.target}: ${v.text}`);
const misses = rows.filter((r) => r.pass === false);
console.log(
  `\n${rows.filter((r) => r.pass).length} met, ${misses.length} missed, ${rows.filter((r) => r.pass === undefined).length} info; ${((performance.now() - started) / 1000).toFixed(0)} s; cpus ${cpus().length}, load ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
const file = join(ROOT_DIR, 'bench', 'results', 'latest.json');
writeJson(file, {
  at: new Date().toISOString(),
  seconds: (performance.now() - started) / 1000,
  cpus: cpus().length,
  loadavg: loadavg(),
  serverStartMs: servers,
  workerdRssKiBAfter: rssAfter,
  rows,
  machine: machineSummary,
  peers,
  targets: [...primary, ...others],
  scale: scaleDetail,
  skipped,
  table: out,
});
console.log(`Wrote ${file}`);
