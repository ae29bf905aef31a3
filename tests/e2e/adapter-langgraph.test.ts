/**
 * @greenlight/sdk/langgraph against a real `wrangler dev`, with the real LangGraph JS
 * (@langchain/langgraph 1.7): a plain graph with MemorySaver whose node asks for review
 * with interrupt() (the HITL middleware's request shape, and the prebuilt HumanInterrupt)
 * and runs the tools as the resume says. A call the policy allows runs, a reviewer's
 * reject (made through the API) never runs it, a modify runs the reviewer's input, an
 * ask_user action is answered; a resume with nothing pending, a second resume, and a
 * stale approval (the thread's request changed) are refused and run nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Annotation, END, MemorySaver, START, StateGraph, interrupt } from '@langchain/langgraph';
import { createClient, type GreenlightClient } from '@greenlight/sdk';
import { greenlight } from '@greenlight/sdk/langgraph';
import { createWorkspace, startTestServer, type TestServer } from '../support/live-server.ts';
import { decideCall, openApprovalsFor } from '../support/reviewer.ts';

let server: TestServer;
let agent: GreenlightClient;
let reviewer: GreenlightClient;

beforeAll(async () => {
  server = await startTestServer();
  const keys = await createWorkspace(server, 'adapter-langgraph', { agent: 'agent', reviewer: 'approver' });
  agent = createClient({ url: server.url, key: keys.agent });
  reviewer = createClient({ url: server.url, key: keys.reviewer });
  await createClient({ url: server.url, key: keys.admin }).policy.set.mutate({
    policy: { rules: [{ name: 'reads-are-safe', match: { tool: 'read_table' }, action: 'allow' }] },
  });
});

afterAll(() => server?.stop());

type Call = { name: string; args: Record<string, unknown> };
type Decision = { type: 'approve' } | { type: 'edit'; editedAction: { name: string; arguments: Record<string, unknown> } } | { type: 'reject' | 'respond'; message?: string };

const State = Annotation.Root({
  calls: Annotation<Call[]>,
  results: Annotation<string[]>({ reducer: (a, b) => a.concat(b), default: () => [] }),
});

/** A graph whose one node asks for review of its calls (HITL shape), then does what the decisions say; `ran` records real runs. */
function hitlGraph() {
  const ran: Call[] = [];
  const graph = new StateGraph(State)
    .addNode('act', (s) => {
      const { decisions } = interrupt<unknown, { decisions: Decision[] }>({
        actionRequests: s.calls.map((c) => ({ name: c.name, arguments: c.args })),
        reviewConfigs: [
          { actionName: 'drop_table', allowedDecisions: ['approve', 'edit', 'reject'] },
          { actionName: 'read_table', allowedDecisions: ['approve', 'reject'] },
          { actionName: 'ask_user', allowedDecisions: ['respond', 'reject'] },
        ],
      });
      const results: string[] = [];
      decisions.forEach((d, i) => {
        const call = s.calls[i]!;
        if (d.type === 'approve') ran.push(call);
        else if (d.type === 'edit') ran.push({ name: d.editedAction.name, args: d.editedAction.arguments });
        results.push(`${call.name}: ${d.type}${'message' in d && d.message ? ` (${d.message})` : ''}`);
      });
      return { results };
    })
    .addEdge(START, 'act')
    .addEdge('act', END)
    .compile({ checkpointer: new MemorySaver() });
  return { graph, ran };
}

const thread = (id: string) => ({ configurable: { thread_id: id } });

describe('@greenlight/sdk/langgraph with LangGraph', () => {
  it('maps the interrupt to one task; allow, reject, modify and an answer each resume the thread as decided', async () => {
    const gl = greenlight({ client: agent, session: 'hitl', respondTools: ['ask_user'] });
    const { graph, ran } = hitlGraph();
    const config = thread('t-1');
    const calls: Call[] = [
      { name: 'read_table', args: { table: 'users' } },
      { name: 'drop_table', args: { table: 'users' } },
      { name: 'drop_table', args: { table: 'logs' } },
      { name: 'ask_user', args: { question: 'which region?' } },
    ];
    await graph.invoke({ calls }, config);
    const review = await gl.review(graph, config);
    expect(review.steps.map((s) => [s.action, s.status])).toEqual([
      ['read_table', 'approved'],
      ['drop_table', 'awaiting_approval'],
      ['drop_table', 'awaiting_approval'],
      ['ask_user', 'awaiting_approval'],
    ]);

    const resumed = gl.resume(graph, config);
    const [users, logs] = (await openApprovalsFor(reviewer, 'drop_table', 2, 20_000, review.taskId)).sort((a, b) => a.stepKey.localeCompare(b.stepKey));
    await reviewer.approvals.decide.mutate({ approvalId: users!.approvalId, paramsHash: users!.paramsHash, decision: 'reject', feedback: 'users stay' });
    await reviewer.approvals.decide.mutate({ approvalId: logs!.approvalId, paramsHash: logs!.paramsHash, decision: 'modify', params: { tool: 'drop_table', input: { table: 'logs_2019' } } });
    const { items } = await reviewer.approvals.list.query({ taskId: review.taskId });
    const ask = items.find((a) => a.kind === 'clarify')!;
    await reviewer.approvals.decide.mutate({ approvalId: ask.approvalId, paramsHash: ask.paramsHash, decision: 'answer', answer: 'eu-west' });
    const out = (await resumed) as { results: string[] };

    expect(ran).toEqual([
      { name: 'read_table', args: { table: 'users' } },
      { name: 'drop_table', args: { table: 'logs_2019' } },
    ]);
    expect(out.results).toEqual(['read_table: approve', 'drop_table: reject (Greenlight: rejected by reviewer: users stay; the call was not run)', 'drop_table: edit', 'ask_user: respond (eu-west)']);
    const task = await agent.tasks.get.query({ taskId: review.taskId });
    expect(task.steps.map((s) => s.status)).toEqual(['completed', 'rejected', 'completed', 'completed']);
    // The thread asks nothing more: its open task is closed.
    expect(task.status).toBe('completed_with_errors');
    expect(task.steps[2]!.result?.output).toMatchObject({ handedTo: 'langgraph' });

    // Nothing is pending now: a second resume is refused and the graph is not invoked again.
    await expect(gl.resume(graph, config)).rejects.toMatchObject({ code: 'CONFLICT', reason: 'nothing_pending' });
    expect(ran).toHaveLength(2);
  });

  it('refuses a resume with nothing pending on a thread that never asked', async () => {
    const gl = greenlight({ client: agent, session: 'none' });
    const { graph } = hitlGraph();
    await expect(gl.resume(graph, thread('never-ran'))).rejects.toMatchObject({ code: 'CONFLICT', reason: 'nothing_pending' });
  });

  it('a stale approval does not apply: the thread asked again with other arguments, and only a decision on those resumes it', async () => {
    const gl = greenlight({ client: agent, session: 'stale' });
    const { graph, ran } = hitlGraph();
    const config = thread('t-stale');
    await graph.invoke({ calls: [{ name: 'drop_table', args: { table: 'tmp' } }] }, config);
    const first = await gl.review(graph, config);
    // The thread starts over with another call before anyone decided.
    await graph.invoke({ calls: [{ name: 'drop_table', args: { table: 'prod' } }] }, config);
    const [old] = (await reviewer.approvals.list.query({ taskId: first.taskId })).items;
    await reviewer.approvals.decide.mutate({ approvalId: old!.approvalId, paramsHash: old!.paramsHash, decision: 'approve' });

    // The approval of `tmp` answers nothing now: the resume waits on `prod`, and gives up.
    await expect(gl.resume(graph, config, { timeoutMs: 1_000 })).rejects.toMatchObject({ code: 'TIMEOUT' });
    expect(ran).toEqual([]);
    // Both rounds are steps of the thread's one open task; the approved `tmp` step was never handed out.
    const second = await gl.review(graph, config);
    expect(second.taskId).toBe(first.taskId);
    expect(second.steps[0]!.stepId).not.toBe(first.steps[0]!.stepId);
    expect(second.steps[0]!.status).toBe('awaiting_approval');
    const task = await agent.tasks.get.query({ taskId: first.taskId });
    expect(task.steps.map((s) => [s.params, s.status])).toEqual([
      [{ tool: 'drop_table', input: { table: 'tmp' } }, 'approved'],
      [{ tool: 'drop_table', input: { table: 'prod' } }, 'awaiting_approval'],
    ]);
  });

  it('refuses a resume whose reviewed requests are no longer pending (the thread moved on while it waited): the graph is not invoked, the claim is failed', async () => {
    const gl = greenlight({ client: agent, session: 'moved' });
    const { graph, ran } = hitlGraph();
    const config = thread('t-moved');
    await graph.invoke({ calls: [{ name: 'drop_table', args: { table: 'tmp' } }] }, config);
    const { taskId } = await gl.review(graph, config);
    const resumed = gl.resume(graph, config);
    const refused = resumed.then(
      () => undefined,
      (e: unknown) => e,
    );
    const [tmp] = (await reviewer.approvals.list.query({ taskId })).items;
    await graph.invoke({ calls: [{ name: 'drop_table', args: { table: 'prod' } }] }, config);
    await reviewer.approvals.decide.mutate({ approvalId: tmp!.approvalId, paramsHash: tmp!.paramsHash, decision: 'approve' });
    expect(await refused).toMatchObject({ code: 'CONFLICT', reason: 'stale' });
    expect(ran).toEqual([]);
    const [step] = (await agent.tasks.get.query({ taskId })).steps;
    expect(step).toMatchObject({ params: { input: { table: 'tmp' } }, status: 'failed', result: { error: { code: 'not_run' } } });
  });

  it('answers the prebuilt HumanInterrupt shape: accept, edit and a refusal as a response', async () => {
    const gl = greenlight({ client: agent, session: 'human-interrupt' });
    const ran: unknown[] = [];
    const graph = new StateGraph(State)
      .addNode('act', (s) => {
        const responses = interrupt<unknown, { type: string; args: unknown }[]>(
          s.calls.map((c) => ({ action_request: { action: c.name, args: c.args }, config: { allow_accept: true, allow_edit: true, allow_respond: true, allow_ignore: true } })),
        );
        const results = responses.map((r, i) => {
          if (r.type === 'accept') ran.push(s.calls[i]!.args);
          if (r.type === 'edit') ran.push((r.args as { args: unknown }).args);
          return `${s.calls[i]!.name}: ${r.type}${typeof r.args === 'string' ? ` (${r.args})` : ''}`;
        });
        return { results };
      })
      .addEdge(START, 'act')
      .addEdge('act', END)
      .compile({ checkpointer: new MemorySaver() });
    const config = thread('t-human');
    await graph.invoke(
      {
        calls: [
          { name: 'read_table', args: { table: 'a' } },
          { name: 'send_email', args: { to: 'all' } },
          { name: 'delete_repo', args: { repo: 'x' } },
        ],
      },
      config,
    );
    const resumed = gl.resume(graph, config);
    await decideCall(reviewer, 'send_email', { decision: 'modify', input: { to: 'team' } });
    await decideCall(reviewer, 'delete_repo', { decision: 'reject', feedback: 'keep it' });
    const out = (await resumed) as { results: string[] };
    expect(ran).toEqual([{ table: 'a' }, { to: 'team' }]);
    expect(out.results).toEqual(['read_table: accept', 'send_email: edit', 'delete_repo: response (Greenlight: rejected by reviewer: keep it; the call was not run)']);
  });
});
