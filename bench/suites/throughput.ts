/**
 * Throughput: decisions a second with 32 concurrent clients, all on one workspace (one
 * object serializes them) and spread over 32 workspaces (one client each). The floor
 * is the same 32 clients doing bare writes to the same objects. Floor and figure run in
 * alternating short rounds (floor, decide, floor, decide, ...) so both see the same
 * machine; the open approvals the decisions consume are seeded after the first floor
 * round, sized from it, since decisions cannot outrun bare writes by much.
 */
import { bare, call, inbox, seed, workspace, type Keys, type OpenApproval } from '../lib/http.ts';
import type { Row } from '../lib/report.ts';
import type { BenchServer } from '../lib/servers.ts';
import { throughput as measure } from '../lib/stats.ts';

const CLIENTS = 32;
// Many short rounds in turns: other work on the machine drifts over seconds, and falls on all alike.
const ROUNDS = 6;
/** Decisions a second, as a share of the same clients' bare writes (issue 17, item 5). */
const TARGET = 0.9;

type Shape = { name: string; keys: Keys[]; queues: OpenApproval[][]; clientsOf: (c: number) => number };
type Tally = { done: number; ms: number };

const sum = (xs: Tally[]) => xs.reduce((a, x) => ({ done: a.done + x.done, ms: a.ms + x.ms }), { done: 0, ms: 0 });
const rate = (t: Tally) => (t.done / t.ms) * 1000;

/**
 * Rounds of: bare writes (the floor), decisions, and, on one workspace, the object's
 * call() pipeline alone (events.ticket through its bare route: authenticate, read the
 * workspace, rate-limit, one tiny write), which splits a decision's extra cost into
 * pipeline and domain work.
 */
async function rounds(s: BenchServer, shape: Shape, roundMs: number, withPipeline: boolean): Promise<Row[]> {
  const key = (c: number) => shape.keys[shape.clientsOf(c)]!;
  const floorRound = () => measure(CLIENTS, roundMs, async (c) => (await bare(s.url, key(c).agent, '/bench/write', {}), true));
  const pipelineRound = () => measure(CLIENTS, roundMs, async (c) => (await bare(s.url, key(c).approver, '/bench/ticket', {}), true));
  const decideRound = () =>
    measure(CLIENTS, roundMs, async (c) => {
      const a = shape.queues[shape.clientsOf(c)]!.pop();
      if (!a) return false;
      await call(s.url, key(c).approver, 'approvals.decide', { approvalId: a.approvalId, decision: 'approve', paramsHash: a.paramsHash });
      return true;
    });
  const first = await floorRound();
  // 1.5x what the floor rate would consume over all decide rounds, spread over the workspaces, plus slack.
  const need = Math.ceil((rate(first) * roundMs * ROUNDS * 1.5) / 1000 / shape.keys.length) + 20;
  await Promise.all(
    shape.keys.map(async (k, i) => {
      await seed(s.url, k.agent, need, { shape: 'inbox', batch: 1000 });
      shape.queues[i] = await inbox(s.url, k.approver, need);
    }),
  );
  const floors = [first];
  const decides: Tally[] = [];
  const pipelines: Tally[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    decides.push(await decideRound());
    if (withPipeline) pipelines.push(await pipelineRound());
    if (r < ROUNDS - 1) floors.push(await floorRound());
  }
  const d = sum(decides);
  const floor = rate(sum(floors));
  const ranDry = shape.queues.some((q) => q.length === 0);
  const rows: Row[] = [
    {
      mode: s.mode,
      name: `throughput: approvals.decide, ${CLIENTS} clients, ${shape.name}`,
      figure: { rps: rate(d) },
      floor: { label: 'same clients, bare writes', rps: floor },
      ratio: rate(d) / floor,
      machine: { rps: shape.keys.length === 1 ? 'one' : 'many' },
      target: `≥ ${TARGET}x`,
      pass: rate(d) / floor >= TARGET,
      ...(rate(d) / floor < TARGET ? { missedBy: `${(TARGET - rate(d) / floor).toFixed(2)}x` } : {}),
      note: `${d.done} decisions in ${(d.ms / 1000).toFixed(1)} s${ranDry ? '; a queue ran dry (figure is a lower bound)' : ''}`,
    },
  ];
  if (withPipeline) {
    const p = rate(sum(pipelines));
    rows.push({
      mode: s.mode,
      name: `throughput: the object's call() pipeline alone (bare events.ticket), ${shape.name}`,
      figure: { rps: p },
      floor: { label: 'same clients, bare writes', rps: floor },
      ratio: p / floor,
      machine: { rps: 'one' },
      target: 'info',
    });
  }
  return rows;
}

export async function throughput(s: BenchServer, maxMs: number): Promise<Row[]> {
  // Two shapes of up to 3 x ROUNDS rounds each, with room for seeding.
  const roundMs = Math.min(1_000, maxMs / (5 * ROUNDS) / 1.2);
  const one = await workspace(s.url, s.rootToken, `tp-one-${s.mode}`);
  const many = await Promise.all(Array.from({ length: CLIENTS }, (_, i) => workspace(s.url, s.rootToken, `tp-many-${s.mode}-${i}`)));
  return [
    ...(await rounds(s, { name: '1 workspace', keys: [one], queues: [[]], clientsOf: () => 0 }, roundMs, true)),
    ...(await rounds(s, { name: `${CLIENTS} workspaces`, keys: many, queues: many.map(() => []), clientsOf: (c) => c }, roundMs, false)),
  ];
}
