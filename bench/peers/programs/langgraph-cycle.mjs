/**
 * Peer: LangGraph JS with its SQLite checkpointer, in process (issue 17 item 2). One cycle
 * is what an approval costs an agent built on LangGraph: a new thread is invoked and
 * stops at `interrupt()` (state checkpointed to SQLite), is resumed with
 * `new Command({ resume: 'approve' })`, runs the approved node, and `getState` reads the
 * result. Written from the LangGraph JS docs (human-in-the-loop, interrupts, persistence).
 *
 * Run by bench/peers/run.ts inside the scratch folder (where the pinned packages are):
 *   node langgraph-cycle.mjs <sqlite file> <sequential ms> <concurrent ms> <concurrency>
 * Prints one JSON line: { sequential: number[] (ms), concurrent: { done, ms } }.
 */
import { randomUUID } from 'node:crypto';
import { Annotation, Command, END, interrupt, START, StateGraph } from '@langchain/langgraph';
import { SqliteSaver } from '@langchain/langgraph-checkpoint-sqlite';

const [file, seqMs, conMs, concurrency] = process.argv.slice(2);

const State = Annotation.Root({
  tool: Annotation(),
  decision: Annotation(),
  done: Annotation(),
});

const graph = new StateGraph(State)
  // The approval: pauses the thread until a decision is passed back in.
  .addNode('approval', (state) => ({ decision: interrupt({ tool: state.tool }) }))
  // The tool call itself, once approved (the agent's "claim and complete").
  .addNode('run', (state) => ({ done: state.decision === 'approve' }))
  .addEdge(START, 'approval')
  .addEdge('approval', 'run')
  .addEdge('run', END)
  .compile({ checkpointer: SqliteSaver.fromConnString(file) });

async function cycle() {
  const config = { configurable: { thread_id: randomUUID() } };
  const first = await graph.invoke({ tool: 'npm test' }, config);
  if (!first.__interrupt__?.length) throw new Error('langgraph: the graph did not stop at the interrupt');
  await graph.invoke(new Command({ resume: 'approve' }), config);
  const state = await graph.getState(config);
  if (state.values.done !== true) throw new Error('langgraph: the approved node did not run');
}

for (let i = 0; i < 10; i++) await cycle();
const sequential = [];
const seqEnd = performance.now() + Number(seqMs);
while (sequential.length < 300 && performance.now() < seqEnd) {
  const t = performance.now();
  await cycle();
  sequential.push(performance.now() - t);
}
let done = 0;
const started = performance.now();
const conEnd = started + Number(conMs);
await Promise.all(
  Array.from({ length: Number(concurrency) }, async () => {
    while (performance.now() < conEnd) {
      await cycle();
      done++;
    }
  }),
);
console.log(JSON.stringify({ sequential, concurrent: { done, ms: performance.now() - started } }));
