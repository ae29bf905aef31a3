/**
 * The full agent cycle (issue 17 item 5), the figure the peers are compared with: an
 * agent plans one step, a reviewer decides it, the agent is notified (waitForDecision,
 * bound to the step's approval, so a decision that lands before its socket is up still
 * counts), then claims and completes it. The reviewer decides as soon as the step
 * exists, as a quick person or bot would; the agent's wait runs meanwhile. All through
 * the SDK, over `node:http` (lib/client.ts).
 *
 * - sequential: one agent, cycle after cycle; p50 / p99.
 * - 32 agents on one workspace, each with its own client, cycling at once: cycles/s.
 * The agent holds its call socket (connect(): plan, its wait, claim and complete travel as
 * socket messages, docs/socket-rpc.md); only the reviewer's decide is HTTP.
 * Every HTTP request and socket of a cycle is counted, so the machine floor is the same
 * number of bare-workerd calls (lib/machine.ts).
 */
import { createClient, type GreenlightClient } from '@greenlight/sdk';
import { httpFetch } from '../lib/client.ts';
import { workspace } from '../lib/http.ts';
import type { Row } from '../lib/report.ts';
import type { BenchServer } from '../lib/servers.ts';
import { summarize, throughput } from '../lib/stats.ts';

export const AGENTS = 32;
const STEP = { key: 'run', kind: 'run_command', title: 'Run the tests', params: { command: 'npm test' } } as const;

type Counts = { reads: number; writes: number };

/** One cycle; throws when the step did not end approved and completed. */
async function cycle(agent: GreenlightClient, reviewer: GreenlightClient): Promise<void> {
  const task = await agent.plan({ title: 'bench: agent cycle', steps: [STEP] });
  const step = task.steps[0]!;
  if (!step.approval) throw new Error(`agent cycle: the policy decided the step (${step.status}); the bench needs it to ask`);
  const [outcome] = await Promise.all([
    agent.waitForDecision(step.id, { approvalId: step.approval.id, timeoutMs: 10_000 }),
    reviewer.approvals.decide.mutate({ approvalId: step.approval.id, decision: 'approve', paramsHash: step.paramsHash }),
  ]);
  if (outcome.status !== 'approved') throw new Error(`agent cycle: step is ${outcome.status}, not approved`);
  const [claimed] = (await agent.steps.claim.mutate({ taskId: task.id })).steps;
  if (!claimed) throw new Error('agent cycle: nothing to claim');
  await agent.steps.complete.mutate({ stepId: claimed.stepId, leaseId: claimed.leaseId, output: { exitCode: 0 } });
}

export async function agentCycle(s: BenchServer, maxMs: number): Promise<Row[]> {
  const ws = await workspace(s.url, s.rootToken, `cycle-${s.mode}`);
  const counts: Counts = { reads: 0, writes: 0 };
  const counted: typeof fetch = (input, init) => {
    if ((init?.method ?? 'GET').toUpperCase() === 'GET') counts.reads++;
    else counts.writes++;
    return httpFetch(input, init);
  };
  // A socket opened is a write (its ticket); each call sent over the held socket is counted as one call (a read: most of
  // a cycle's socket messages are, and a bare-workerd call is the lower floor, so the ratio is not flattered).
  const CountedWS = class extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols);
      counts.writes++;
    }
    override send(...message: Parameters<WebSocket['send']>): void {
      counts.reads++;
      super.send(...message);
    }
  };
  const reviewer = createClient({ url: s.url, key: ws.approver, fetch: counted });
  const agent = createClient({ url: s.url, key: ws.agent, fetch: counted, WebSocket: CountedWS });
  if (!(await agent.connect())) throw new Error('agent cycle: the call socket did not open');
  for (let i = 0; i < 5; i++) await cycle(agent, reviewer);

  // Sequential.
  const samples: number[] = [];
  const shapes: Counts[] = [];
  const seqDeadline = performance.now() + maxMs * 0.45;
  while (samples.length < 150 && performance.now() < seqDeadline) {
    counts.reads = 0;
    counts.writes = 0;
    const t = performance.now();
    await cycle(agent, reviewer);
    samples.push(performance.now() - t);
    shapes.push({ ...counts });
  }
  const shape = shapes[0] ?? { reads: 0, writes: 0 };
  const f = summarize(samples);

  // 32 agents at once, one workspace; each agent its own client (and sockets).
  const agents = Array.from({ length: AGENTS }, () => createClient({ url: s.url, key: ws.agent, fetch: httpFetch }));
  await Promise.all(agents.map((a) => a.connect()));
  const reviewers = Array.from({ length: AGENTS }, () => createClient({ url: s.url, key: ws.approver, fetch: httpFetch }));
  const r = await throughput(AGENTS, maxMs * 0.4, async (c) => (await cycle(agents[c]!, reviewers[c]!), true));
  const calls = shape.reads + shape.writes;
  agent.disconnect();
  for (const a of agents) a.disconnect();
  return [
    {
      mode: s.mode,
      name: `agent cycle, sequential: plan → decide → notified → claim → complete (${calls} calls)`,
      figure: f,
      floor: { label: 'see the round trip row' },
      machine: { writes: shape.writes, pings: shape.reads },
      target: 'info',
      note: `${shape.writes} writes (incl. the socket) + ${shape.reads} reads a cycle; ${f.n} cycles`,
    },
    {
      mode: s.mode,
      name: `agent cycles/s, ${AGENTS} agents on one workspace`,
      figure: { rps: r.rps },
      floor: { label: '' },
      machine: { rps: 'one', per: calls },
      target: 'info',
      note: `${r.done} cycles in ${(r.ms / 1000).toFixed(1)} s`,
    },
  ];
}
