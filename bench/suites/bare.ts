/**
 * A bare call through this local mode against the machine's floor, in turns (issue 17
 * item 3): the same HTTP -> Worker -> object RPC (a ping, and one SQLite write), once
 * through Greenlight's bench routes in this mode and once through the minimal Worker on
 * bare workerd (lib/machine.ts). Target for `npm run serve`: within 1.5x.
 */
import { bare, workspace } from '../lib/http.ts';
import type { Row } from '../lib/report.ts';
import type { BenchServer } from '../lib/servers.ts';
import { sampleInTurns, summarize } from '../lib/stats.ts';

export async function bareCalls(s: BenchServer, maxMs: number): Promise<Row[]> {
  const machine = s.machine;
  if (!machine) throw new Error('bare calls: the machine floor did not start');
  const ws = await workspace(s.url, s.rootToken, `bare-${s.mode}`);
  const rows: Row[] = [];
  for (const [what, route, floor] of [
    ['ping', '/bench/ping', () => machine.ping()],
    ['write', '/bench/write', () => machine.write()],
  ] as const) {
    const [mine, base] = await sampleInTurns([() => bare(s.url, ws.agent, route, {}), floor], { count: 500, maxMs: maxMs / 2, warmup: 10 });
    const f = summarize(mine!);
    const m = summarize(base!);
    const ratio = f.p50 / m.p50;
    const target = s.mode === 'serve' && what === 'ping';
    rows.push({
      mode: s.mode,
      name: `bare call: HTTP → Worker → object ${what === 'ping' ? 'RPC (ping)' : 'RPC + one SQLite write'}`,
      figure: f,
      floor: { label: 'the same route is the floor' },
      machineFloor: { label: `bare workerd, same ${what}, in turns`, p50: m.p50, p99: m.p99 },
      machineRatio: ratio,
      target: target ? '≤ 1.5x machine' : 'info',
      ...(target ? { pass: ratio <= 1.5 } : {}),
    });
  }
  return rows;
}
