/**
 * The approval round trip as an agent and a reviewer live it, through the SDK: the
 * agent plans, waits for the decision over the live socket (waitForDecision), the
 * reviewer approves once the agent is listening, the agent claims and completes.
 * Every HTTP request and socket the SDK makes is counted; the floor is the same number
 * of bare Worker -> object calls in a row (writes for mutations and the socket's ticket
 * redemption, pings for reads), timed in turns with the round trip.
 */
import { createClient } from '@greenlight/sdk';
import { httpFetch } from '../lib/client.ts';
import { bare, workspace } from '../lib/http.ts';
import type { Row } from '../lib/report.ts';
import type { BenchServer } from '../lib/servers.ts';
import { sampleInTurns, summarize } from '../lib/stats.ts';

type Counts = { reads: number; writes: number };

/** Where a trip's time goes, in order: plan; waitForDecision until its socket is live; decide; the decision reaching the agent (and its steps.get); claim; complete. */
const PHASES = ['plan', 'listen', 'decide', 'resolve', 'claim', 'complete'] as const;
type Phase = (typeof PHASES)[number];

/** A WebSocket that reports each socket opened and the server's "ready" (catch-up done). */
function observedWebSocket(onOpen: () => void, onReady: () => void): typeof WebSocket {
  return class extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols);
      onOpen();
      this.addEventListener('message', (e: MessageEvent) => {
        if (typeof e.data === 'string' && e.data.startsWith('{"type":"ready"')) onReady();
      });
    }
  };
}

export async function roundTrip(s: BenchServer, maxMs: number): Promise<Row[]> {
  const ws = await workspace(s.url, s.rootToken, `roundtrip-${s.mode}`);
  const counts: Counts = { reads: 0, writes: 0 };
  const counted: typeof fetch = (input, init) => {
    if ((init?.method ?? 'GET').toUpperCase() === 'GET') counts.reads++;
    else counts.writes++;
    return httpFetch(input, init);
  };
  let ready: () => void = () => undefined;
  const WS = observedWebSocket(
    () => counts.writes++,
    () => ready(),
  );
  const agent = createClient({ url: s.url, key: ws.agent, fetch: counted, WebSocket: WS });
  const reviewer = createClient({ url: s.url, key: ws.approver, fetch: counted });

  const perTrip: Counts[] = [];
  const phases: Record<Phase, number[]> = { plan: [], listen: [], decide: [], resolve: [], claim: [], complete: [] };
  const trip = async () => {
    counts.reads = 0;
    counts.writes = 0;
    const t = [performance.now()];
    const task = await agent.plan({ title: 'bench: round trip', steps: [{ key: 'run', kind: 'run_command', title: 'Run the tests', params: { command: 'npm test' } }] });
    t.push(performance.now());
    const step = task.steps[0]!;
    const listening = new Promise<void>((r) => (ready = r));
    const waiting = agent.waitForDecision(step.id, { timeoutMs: 10_000 });
    await listening;
    t.push(performance.now());
    await reviewer.approvals.decide.mutate({ approvalId: step.approval!.id, decision: 'approve', paramsHash: step.paramsHash });
    t.push(performance.now());
    const outcome = await waiting;
    t.push(performance.now());
    if (outcome.status !== 'approved') throw new Error(`round trip: step is ${outcome.status}, not approved`);
    const [claimed] = (await agent.steps.claim.mutate({ taskId: task.id })).steps;
    t.push(performance.now());
    if (!claimed) throw new Error('round trip: nothing to claim');
    await agent.steps.complete.mutate({ stepId: claimed.stepId, leaseId: claimed.leaseId, output: { exitCode: 0 } });
    t.push(performance.now());
    PHASES.forEach((p, i) => phases[p].push(t[i + 1]! - t[i]!));
    perTrip.push({ ...counts });
  };
  // Learn the shape of a trip first, so the floor has the same number of calls.
  await trip();
  const shape = perTrip[0]!;
  const floor = async () => {
    for (let i = 0; i < shape.writes; i++) await bare(s.url, ws.agent, '/bench/write', {});
    for (let i = 0; i < shape.reads; i++) await bare(s.url, ws.agent, '/bench/ping', {});
  };
  const [trips, floors] = await sampleInTurns([trip, floor], { count: 60, maxMs, warmup: 3 });
  const varied = perTrip.some((c) => c.reads !== shape.reads || c.writes !== shape.writes);
  const f = summarize(trips!);
  const b = summarize(floors!);
  const ratio = f.p50 / b.p50;
  return [
    {
      mode: s.mode,
      name: `round trip: plan → approve → waitForDecision → claim → complete (${shape.writes + shape.reads} calls)`,
      figure: f,
      floor: { label: `${shape.writes} bare writes + ${shape.reads} bare pings`, ...b },
      ratio,
      machine: { writes: shape.writes, pings: shape.reads },
      target: s.mode === 'serve' ? '≤ 5x' : 'info',
      ...(s.mode === 'serve' ? { pass: ratio <= 5 } : {}),
      note: `${shape.writes} writes (incl. 1 socket) + ${shape.reads} reads a trip${varied ? ' (varied between trips)' : ''}; p50 by phase: ${PHASES.map((p) => `${p} ${summarize(phases[p]).p50.toFixed(1)}`).join(', ')} ms`,
    },
  ];
}
