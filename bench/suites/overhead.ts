/**
 * Procedure overhead: a tRPC mutation against a bare route calling the same object
 * method (target: within 1.2x), for a tiny mutation (events.ticket) and a real one
 * (tasks.plan); what the SDK's client adds over a plain JSON call of the same
 * procedure; and what `run_worker_first` saves: the same bare ping with and without the
 * asset lookup in front.
 */
import type { PlanInput } from '@greenlight/core';
import { createClient } from '@greenlight/sdk';
import { httpFetch } from '../lib/client.ts';
import { bare, call, workspace } from '../lib/http.ts';
import type { Row } from '../lib/report.ts';
import type { BenchServer } from '../lib/servers.ts';
import { sampleInTurns, summarize } from '../lib/stats.ts';

const PLAN: PlanInput = {
  title: 'bench: one command',
  // Defaults spelled out, so the bare route (no zod in front) gets what the procedure would.
  steps: [{ key: 'run', kind: 'run_command', title: 'Run the tests', params: { command: 'npm test' }, dependsOn: [] }],
};

export async function overhead(s: BenchServer, maxMs: number): Promise<Row[]> {
  const ws = await workspace(s.url, s.rootToken, `overhead-${s.mode}`);
  const bounds = { count: 300, maxMs: maxMs / 3 };
  const rows: Row[] = [];

  const [tTicket, bTicket] = await sampleInTurns([() => call(s.url, ws.agent, 'events.ticket'), () => bare(s.url, ws.agent, '/bench/ticket', {})], bounds);
  const [tPlan, bPlan] = await sampleInTurns([() => call(s.url, ws.agent, 'tasks.plan', PLAN), () => bare(s.url, ws.agent, '/bench/plan', PLAN)], { ...bounds, count: 150 });
  for (const [name, fig, floor, label] of [
    ['overhead: tRPC events.ticket (tiny mutation)', tTicket!, bTicket!, 'bare route, same method'],
    ['overhead: tRPC tasks.plan, 1 step', tPlan!, bPlan!, 'bare route, same method'],
  ] as const) {
    const f = summarize(fig);
    const b = summarize(floor);
    rows.push({ mode: s.mode, name, figure: f, floor: { label, ...b }, ratio: f.p50 / b.p50, machine: { writes: 1, pings: 0 }, target: '≤ 1.2x', pass: f.p50 / b.p50 <= 1.2 });
  }

  // batch: true uses httpBatchLink, which waits a setTimeout(0) to gather a batch; the default does not.
  const batched = createClient({ url: s.url, key: ws.agent, fetch: httpFetch, batch: true });
  const unbatched = createClient({ url: s.url, key: ws.agent, fetch: httpFetch });
  const [viaBatched, viaUnbatched, plain] = await sampleInTurns([() => batched.events.ticket.mutate(), () => unbatched.events.ticket.mutate(), () => call(s.url, ws.agent, 'events.ticket')], bounds);
  const j = summarize(plain!);
  for (const [name, samples] of [
    ['client: events.ticket through the SDK, batch: true', viaBatched!],
    ['client: events.ticket through the SDK (default, unbatched)', viaUnbatched!],
  ] as const) {
    const k = summarize(samples);
    rows.push({ mode: s.mode, name, figure: k, floor: { label: 'same procedure, plain JSON call', ...j }, ratio: k.p50 / j.p50, machine: { writes: 1, pings: 0 }, target: 'info' });
  }

  const [viaAssets, direct] = await sampleInTurns([() => bare(s.url, ws.agent, '/bench-via-assets/ping', {}), () => bare(s.url, ws.agent, '/bench/ping', {})], bounds);
  const a = summarize(viaAssets!);
  const d = summarize(direct!);
  rows.push({
    mode: s.mode,
    name: 'routing: bare ping through the asset lookup',
    figure: a,
    floor: { label: 'same, run_worker_first', ...d },
    ratio: a.p50 / d.p50,
    machine: { writes: 0, pings: 1 },
    target: 'info',
    note: `run_worker_first saves ${(a.p50 - d.p50).toFixed(2)} ms a request (p50)`,
  });
  return rows;
}
