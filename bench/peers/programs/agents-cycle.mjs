/**
 * Peer client: the Agents SDK's own client (`AgentClient` from agents/client) against
 * agents-worker.ts (issue 17 item 2). One cycle: the agent's connection calls
 * `requestApproval`, a reviewer's connection calls `decide`, and the cycle ends when the
 * agent's connection has heard the decision. Sequential on one pair of connections, then
 * `concurrency` pairs at once on the same Agent instance.
 *
 *   node agents-cycle.mjs <host:port> <sequential ms> <concurrent ms> <concurrency>
 * Prints one JSON line: { sequential: number[] (ms), concurrent: { done, ms } }.
 */
import { AgentClient } from 'agents/client';

const [host, seqMs, conMs, concurrency] = process.argv.slice(2);

async function connect() {
  const client = new AgentClient({ agent: 'approvals', name: 'bench', host, protocol: 'ws' });
  const waiting = new Map();
  client.addEventListener('message', (e) => {
    if (typeof e.data !== 'string') return;
    const msg = JSON.parse(e.data);
    if (msg.type === 'decided') {
      waiting.get(msg.id)?.();
      waiting.delete(msg.id);
    }
  });
  await new Promise((resolve, reject) => {
    client.addEventListener('open', resolve, { once: true });
    client.addEventListener('error', () => reject(new Error('agents: socket failed')), { once: true });
  });
  return { client, heard: (id) => new Promise((resolve) => waiting.set(id, resolve)) };
}

async function cycle(agent, reviewer) {
  const id = await agent.client.call('requestApproval', ['npm test']);
  const heard = agent.heard(id);
  const ok = await reviewer.client.call('decide', [id, 'approve']);
  if (ok !== true) throw new Error('agents: decide refused');
  await heard;
}

const pairs = [];
for (let i = 0; i < Number(concurrency); i++) pairs.push([await connect(), await connect()]);
const [agent, reviewer] = pairs[0];
for (let i = 0; i < 10; i++) await cycle(agent, reviewer);
const sequential = [];
const seqEnd = performance.now() + Number(seqMs);
while (sequential.length < 300 && performance.now() < seqEnd) {
  const t = performance.now();
  await cycle(agent, reviewer);
  sequential.push(performance.now() - t);
}
let done = 0;
const started = performance.now();
const conEnd = started + Number(conMs);
await Promise.all(
  pairs.map(async ([a, r]) => {
    while (performance.now() < conEnd) {
      await cycle(a, r);
      done++;
    }
  }),
);
console.log(JSON.stringify({ sequential, concurrent: { done, ms: performance.now() - started } }));
for (const [a, r] of pairs) {
  a.client.close();
  r.client.close();
}
