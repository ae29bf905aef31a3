/**
 * The agent's path over the live socket (docs/socket-rpc.md), beside the same path over
 * HTTP, timed in turns in one run: the round trip of suites/roundtrip.ts (plan →
 * approve → waitForDecision → claim → complete) with both clients' calls on their call
 * sockets, and a single read (tasks.get) over the socket against the same read over
 * HTTP and a bare Worker → object ping.
 */
import { createClient, type GreenlightClient } from '@greenlight/sdk';
import { httpFetch } from '../lib/client.ts';
import { bare, workspace } from '../lib/http.ts';
import type { Row } from '../lib/report.ts';
import type { BenchServer } from '../lib/servers.ts';
import { sampleInTurns, summarize } from '../lib/stats.ts';

/** Resolves the next time a socket of this client says "ready" (waitForDecision's socket is live). */
type Ready = { next: () => Promise<void>; WebSocket: typeof WebSocket };
function readiness(): Ready {
  let fire: () => void = () => undefined;
  return {
    next: () => new Promise<void>((r) => (fire = r)),
    WebSocket: class extends WebSocket {
      constructor(url: string, protocols?: string | string[]) {
        super(url, protocols);
        this.addEventListener('message', (e: MessageEvent) => {
          if (typeof e.data === 'string' && e.data.startsWith('{"type":"ready"')) fire();
        });
      }
    },
  };
}

/**
 * One trip. `ready`: wait until the agent's own event socket is live before deciding (the
 * HTTP client's wait opens one); without it (the held call socket carries the wait, and
 * the wait is bound to the approval, so a decision before it listens still counts) the
 * reviewer decides at once.
 */
async function trip(agent: GreenlightClient, reviewer: GreenlightClient, ready?: Ready): Promise<void> {
  const task = await agent.plan({ title: 'bench: socket round trip', steps: [{ key: 'run', kind: 'run_command', title: 'Run the tests', params: { command: 'npm test' } }] });
  const step = task.steps[0]!;
  const listening = ready?.next();
  const waiting = agent.waitForDecision(step.id, { timeoutMs: 10_000 });
  // A wait that fails first must not leave its rejection unhandled while the trip awaits the socket.
  waiting.catch(() => undefined);
  if (listening) await listening;
  await reviewer.approvals.decide.mutate({ approvalId: step.approval!.id, decision: 'approve', paramsHash: step.paramsHash });
  const outcome = await waiting;
  if (outcome.status !== 'approved') throw new Error(`socket round trip: step is ${outcome.status}, not approved`);
  const [claimed] = (await agent.steps.claim.mutate({ taskId: task.id })).steps;
  if (!claimed) throw new Error('socket round trip: nothing to claim');
  await agent.steps.complete.mutate({ stepId: claimed.stepId, leaseId: claimed.leaseId, output: { exitCode: 0 } });
}

export async function socketPath(s: BenchServer, maxMs: number): Promise<Row[]> {
  const ws = await workspace(s.url, s.rootToken, `socket-${s.mode}`);
  const clients = (transport: 'http' | 'socket') => {
    const ready = readiness();
    return {
      ready,
      agent: createClient({ url: s.url, key: ws.agent, fetch: httpFetch, transport, WebSocket: ready.WebSocket }),
      reviewer: createClient({ url: s.url, key: ws.approver, fetch: httpFetch, transport }),
    };
  };
  const overSocket = clients('socket');
  const overHttp = clients('http');
  if (!(await overSocket.agent.connect()) || !(await overSocket.reviewer.connect())) throw new Error('socket path: the call socket did not open');
  try {
    const half = maxMs / 2;
    const [sockTrips, httpTrips] = await sampleInTurns([() => trip(overSocket.agent, overSocket.reviewer), () => trip(overHttp.agent, overHttp.reviewer, overHttp.ready)], {
      count: 40,
      maxMs: half,
      warmup: 3,
    });
    const task = await overHttp.agent.plan({ title: 'bench: socket read', steps: [{ key: 'r', kind: 'read', title: 'Read', params: { tool: 'read_file', paths: ['a'] } }] });
    const [sockReads, httpReads, pings] = await sampleInTurns(
      [() => overSocket.agent.tasks.get.query({ taskId: task.id }), () => overHttp.agent.tasks.get.query({ taskId: task.id }), () => bare(s.url, ws.agent, '/bench/ping', {})],
      { count: 300, maxMs: half, warmup: 10 },
    );
    const st = summarize(sockTrips!);
    const ht = summarize(httpTrips!);
    const sr = summarize(sockReads!);
    const hr = summarize(httpReads!);
    const bp = summarize(pings!);
    const serve = s.mode === 'serve';
    return [
      {
        mode: s.mode,
        name: 'round trip over the call socket (same trip as above; the wait rides the held socket too)',
        figure: st,
        floor: { label: 'the same trip over HTTP, in turns', ...ht },
        ratio: st.p50 / ht.p50,
        target: serve ? '< 1x (faster than HTTP)' : 'info',
        ...(serve ? { pass: st.p50 < ht.p50 } : {}),
      },
      {
        mode: s.mode,
        name: 'one call over the call socket (tasks.get)',
        figure: sr,
        floor: { label: '1 bare ping', ...bp },
        ratio: sr.p50 / bp.p50,
        target: 'info',
        note: `the same call over HTTP: p50 ${hr.p50.toFixed(2)} / p99 ${hr.p99.toFixed(2)} ms`,
      },
    ];
  } finally {
    overSocket.agent.disconnect();
    overSocket.reviewer.disconnect();
  }
}
