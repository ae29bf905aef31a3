/**
 * Push latency: a decision is committed, how soon does a listening agent hear of it?
 * One live socket (ticket, then /ws) watches the workspace; a reviewer decides open
 * approvals one at a time. For each, the first event on that step is timed two ways:
 * from the event's `at` (the object's clock when the transaction ran; whole ms, so this
 * errs up to 1 ms high) to its arrival, and from sending the decide to the arrival.
 */
import { bare, call, inbox, seed, workspace } from '../lib/http.ts';
import type { Row } from '../lib/report.ts';
import type { BenchServer } from '../lib/servers.ts';
import { sampleInTurns, summarize, wallMs } from '../lib/stats.ts';

type LiveEvent = { type: 'event'; event: { seq: number; at: number; stepId?: string } };

export async function push(s: BenchServer, maxMs: number): Promise<Row[]> {
  const ws = await workspace(s.url, s.rootToken, `push-${s.mode}`);
  const count = 150;
  await seed(s.url, ws.agent, count, { shape: 'inbox' });
  const open = await inbox(s.url, ws.approver, count);
  // Listen from the end of the log: only what happens from now on.
  const { counts } = await call<{ counts: { events: number } }>(s.url, ws.agent, 'workspaces.get', undefined, 'GET');
  const { path } = await call<{ path: string }>(s.url, ws.agent, 'events.ticket');
  const socket = new WebSocket(`${s.url.replace(/^http/, 'ws')}${path}&after=${counts.events}`);
  const waiters = new Map<string, (arrived: number, at: number) => void>();
  await new Promise<void>((resolve, reject) => {
    socket.addEventListener('error', () => reject(new Error('push: live socket failed')));
    socket.addEventListener('message', (e: MessageEvent) => {
      const arrived = wallMs();
      if (typeof e.data !== 'string') return;
      const msg = JSON.parse(e.data) as { type: string } | LiveEvent;
      if (msg.type === 'ready') resolve();
      if (msg.type === 'event' && 'event' in msg && msg.event.stepId) {
        waiters.get(msg.event.stepId)?.(arrived, msg.event.at);
        waiters.delete(msg.event.stepId);
      }
    });
  });
  const committedToArrival: number[] = [];
  let next = 0;
  const decide = async () => {
    const a = open[next++];
    if (!a) return;
    const heard = new Promise<{ arrived: number; at: number }>((r) => waiters.set(a.stepId, (arrived, at) => r({ arrived, at })));
    await call(s.url, ws.approver, 'approvals.decide', { approvalId: a.approvalId, decision: 'approve', paramsHash: a.paramsHash });
    const { arrived, at } = await heard;
    committedToArrival.push(arrived - at);
  };
  // decide (timed: send -> response and the event both in) in turns with one bare write.
  const [sendToHeard, writes] = await sampleInTurns([decide, () => bare(s.url, ws.agent, '/bench/write', {})], { count: count - 5, maxMs, warmup: 5 });
  socket.close();
  committedToArrival.splice(0, 5);
  const push = summarize(committedToArrival);
  const sent = summarize(sendToHeard!);
  const w = summarize(writes!);
  return [
    {
      mode: s.mode,
      name: 'push: decision committed (event.at) → event on the agent’s socket',
      figure: push,
      floor: { label: 'bare write round trip', ...w },
      ratio: push.p50 / w.p50,
      machine: { writes: 1, pings: 0 },
      target: 'p50 < 2 ms',
      pass: push.p50 < 2,
      ...(push.p50 >= 2 ? { missedBy: `${(push.p50 - 2).toFixed(2)} ms` } : {}),
    },
    {
      mode: s.mode,
      name: 'push: decide sent → decide answered and event heard',
      figure: sent,
      floor: { label: 'bare write round trip', ...w },
      ratio: sent.p50 / w.p50,
      machine: { writes: 1, pings: 0 },
      target: 'info',
    },
  ];
}
