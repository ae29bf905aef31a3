/**
 * `npm run bench`: SPEC section 10 on this machine, against the floor from the same run.
 * Starts each local mode itself (serve: Miniflare without the dev proxy; dev: wrangler
 * dev), runs the suites under a time budget, prints one table and writes
 * bench/results/latest.json. Loopback only; about two minutes; see bench/README.md.
 */
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { ROOT_DIR } from '../scripts/local.ts';
import { workerdRssKiB } from './lib/memory.ts';
import { table, writeJson, type Mode, type Row } from './lib/report.ts';
import { startMode, type BenchServer } from './lib/servers.ts';
import { hookStartup } from './suites/hook.ts';
import { overhead } from './suites/overhead.ts';
import { push } from './suites/push.ts';
import { roundTrip } from './suites/roundtrip.ts';
import { scale, type ScaleDetail } from './suites/scale.ts';
import { socketPath } from './suites/socket.ts';
import { throughput } from './suites/throughput.ts';

/** The whole run stops starting suites after this, so it ends well inside 3 minutes. */
const BUDGET_MS = 150_000;
const started = performance.now();
const left = () => BUDGET_MS - (performance.now() - started);

type Outcome = { rows: Row[]; scale?: ScaleDetail };
type Suite = { name: string; modes: Mode[]; maxMs: number; run: (s: BenchServer, maxMs: number) => Promise<Outcome> };
const rowsOnly =
  (fn: (s: BenchServer, maxMs: number) => Promise<Row[]>) =>
  async (s: BenchServer, maxMs: number): Promise<Outcome> => ({ rows: await fn(s, maxMs) });

const suites: Suite[] = [
  { name: 'round trip', modes: ['serve', 'dev'], maxMs: 12_000, run: rowsOnly(roundTrip) },
  { name: 'socket', modes: ['serve'], maxMs: 10_000, run: rowsOnly(socketPath) },
  { name: 'overhead', modes: ['serve', 'dev'], maxMs: 12_000, run: rowsOnly(overhead) },
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
const modes = (process.env.BENCH_MODES?.split(',') ?? ['serve', 'dev']).filter((m): m is Mode => m === 'serve' || m === 'dev');
const rows: Row[] = [];
let scaleDetail: ScaleDetail | undefined;
const skipped: string[] = [];
const servers: Record<string, number> = {};
const rssAfter: Record<string, number | undefined> = {};
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
      const rss = workerdRssKiB();
      rssAfter[`${mode}/${suite.name}`] = rss;
      console.error(`[bench] ${mode}/${suite.name}: ${((performance.now() - t) / 1000).toFixed(1)} s${rss ? `, workerd RSS ${(rss / 1024).toFixed(0)} MiB` : ''}`);
    }
  } finally {
    await server.stop();
  }
}

const out = table(rows);
console.log(`\n${out}\n`);
if (scaleDetail) {
  console.log('Query plans at scale (EXPLAIN QUERY PLAN of the statements the pages run):');
  for (const p of scaleDetail.plans) console.log(`  ${p.fullScan ? 'FULL SCAN ' : ''}${p.query}\n      -> ${p.plan.join('; ')}`);
  console.log(`Memory: ${scaleDetail.memory}`);
}
if (skipped.length) console.log(`Skipped (time budget): ${skipped.join(', ')}`);
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
  scale: scaleDetail,
  skipped,
  table: out,
});
console.log(`Wrote ${file}`);
