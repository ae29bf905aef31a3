/**
 * `npm run bench:layers`: where a local call's milliseconds go (issue 17 item 3). The same
 * bare call (HTTP -> Worker -> object RPC ping, and one SQLite write) through each way of
 * running Greenlight locally, sampled in turns in one run, layer by layer:
 *
 *   machine floor        minimal Worker + object on bare workerd (bench/machine/)
 *   serve, no edge       the deploy bundle on bare workerd, socket straight into the Worker
 *   serve                + the edge worker (asset routing): what `npm run serve` runs
 *   Miniflare            the same bundle under Miniflare (entry worker, asset proxy and router)
 *   wrangler dev         `npm start`: Miniflare behind wrangler's Node proxy
 *
 * Each step's extra time is that layer's cost. About 40 s; not part of `npm run bench`.
 */
import { bare, workspace } from './lib/http.ts';
import { startMachine } from './lib/machine.ts';
import { startMode, type BenchServer } from './lib/servers.ts';
import { sampleInTurns, summarize } from './lib/stats.ts';

const machine = await startMachine();
const servers: [string, BenchServer][] = [];
try {
  for (const [label, start] of [
    ['serve, no edge', () => startMode('serve', { edge: false })],
    ['serve', () => startMode('serve')],
    ['Miniflare', () => startMode('miniflare')],
    ['wrangler dev', () => startMode('dev')],
  ] as const) {
    console.error(`[layers] starting ${label} ...`);
    servers.push([label, await start()]);
  }
  const keys = await Promise.all(servers.map(([, s]) => workspace(s.url, s.rootToken, 'layers')));
  for (const [what, route, floor] of [
    ['call (ping)', '/bench/ping', () => machine.ping()],
    ['write', '/bench/write', () => machine.write()],
  ] as const) {
    const fns = [
      floor,
      ...servers.map(
        ([, s], i) =>
          () =>
            bare(s.url, keys[i]!.agent, route, {}),
      ),
    ];
    const samples = await sampleInTurns(fns, { count: 600, maxMs: 12_000, warmup: 20 });
    const base = summarize(samples[0]!);
    console.log(`\n${what}: p50 / p99 ms, and the p50 over the machine floor's`);
    console.log(`  ${'machine floor'.padEnd(16)} ${base.p50.toFixed(3)} / ${base.p99.toFixed(2)}   1.00x  (n=${base.n})`);
    let previous = base.p50;
    servers.forEach(([label], i) => {
      const s = summarize(samples[i + 1]!);
      console.log(`  ${label.padEnd(16)} ${s.p50.toFixed(3)} / ${s.p99.toFixed(2)}   ${(s.p50 / base.p50).toFixed(2)}x  (+${(s.p50 - previous).toFixed(3)} ms over the line above)`);
      previous = s.p50;
    });
  }
} finally {
  await Promise.allSettled([machine.stop(), ...servers.map(([, s]) => s.stop())]);
}
