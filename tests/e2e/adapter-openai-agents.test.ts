/**
 * @greenlight/sdk/openai-agents against a real `wrangler dev`, with the real OpenAI
 * Agents SDK (@openai/agents 0.20) and a scripted Model (no network): a run's
 * interruptions become one task with a step per call; the policy's allow runs a
 * call, a reviewer's reject (made through the API) never runs it and its feedback is
 * the model's message, a modify runs the reviewer's input; the run resumes from its
 * serialized state in a fresh RunState; an approval the caller writes into the state
 * by itself runs nothing; a resume with nothing pending is refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent, RunState, Usage, run, setTracingDisabled, tool, type AgentOutputItem, type Model, type ModelResponse } from '@openai/agents';
import { z } from 'zod';
import { createClient, GreenlightError, type GreenlightClient } from '@greenlight/sdk';
import { greenlight } from '@greenlight/sdk/openai-agents';
import { createWorkspace, startTestServer, type TestServer } from '../support/live-server.ts';
import { decideCall } from '../support/reviewer.ts';

let server: TestServer;
let agentKey: GreenlightClient;
let reviewer: GreenlightClient;

beforeAll(async () => {
  setTracingDisabled(true);
  server = await startTestServer();
  const keys = await createWorkspace(server, 'adapter-agents', { agent: 'agent', reviewer: 'approver' });
  agentKey = createClient({ url: server.url, key: keys.agent });
  reviewer = createClient({ url: server.url, key: keys.reviewer });
  await createClient({ url: server.url, key: keys.admin }).policy.set.mutate({
    policy: { rules: [{ name: 'weather-is-safe', match: { tool: 'get_weather' }, action: 'allow' }] },
  });
});

afterAll(() => server?.stop());

const fnCall = (callId: string, name: string, args: unknown): AgentOutputItem => ({ type: 'function_call', callId, name, arguments: JSON.stringify(args), status: 'completed' });
const say = (text: string): AgentOutputItem => ({ type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text }] });

/** A Model that answers each request with the next scripted turn, and records what it was sent. */
class ScriptedModel implements Model {
  readonly requests: unknown[] = [];
  private turn = 0;
  private readonly turns: AgentOutputItem[][];
  constructor(turns: AgentOutputItem[][]) {
    this.turns = turns;
  }
  async getResponse(request: { input: unknown }): Promise<ModelResponse> {
    this.requests.push(request.input);
    const output = this.turns[this.turn++] ?? [say('done')];
    return { usage: new Usage(), output, responseId: `resp-${this.turn}` };
  }
  // oxlint-disable-next-line require-yield -- a scripted model that is never streamed
  async *getStreamedResponse(): AsyncIterable<never> {
    throw new Error('the scripted model does not stream');
  }
}

/** Tools that record every run. */
function recordingTools() {
  const ran: Record<string, unknown[]> = { get_weather: [], send_email: [], delete_repo: [] };
  const tools = [
    tool({ name: 'get_weather', description: 'weather', parameters: z.object({ city: z.string() }), execute: async (input) => (ran.get_weather!.push(input), 'sunny') }),
    tool({ name: 'send_email', description: 'email', parameters: z.object({ to: z.string() }), execute: async (input) => (ran.send_email!.push(input), 'sent') }),
    tool({ name: 'delete_repo', description: 'delete', parameters: z.object({ repo: z.string() }), execute: async (input) => (ran.delete_repo!.push(input), 'deleted') }),
  ];
  return { ran, tools };
}

/** The text of every tool output the model was sent on its last request. */
function toolOutputs(model: ScriptedModel): Record<string, string> {
  const last = model.requests.at(-1) as { type?: string; callId?: string; output?: unknown }[];
  const out: Record<string, string> = {};
  for (const item of Array.isArray(last) ? last : []) {
    if (item.type === 'function_call_result' && item.callId) out[item.callId] = JSON.stringify(item.output);
  }
  return out;
}

describe('@greenlight/sdk/openai-agents with the Agents SDK', () => {
  it("one task for a run's interruptions: policy allows one, a reviewer rejects one and modifies one; the run resumes from its serialized state", async () => {
    const gl = greenlight({ client: agentKey, session: 'batch' });
    const { ran, tools } = recordingTools();
    const model = new ScriptedModel([
      [fnCall('c-weather', 'get_weather', { city: 'Oslo' }), fnCall('c-mail', 'send_email', { to: 'all@example.com' }), fnCall('c-del', 'delete_repo', { repo: 'prod' })],
      [say('finished')],
    ]);
    const agent = new Agent({ name: 'ops', instructions: 'help', model, tools: tools.map((t) => gl.tool(t)) });

    const first = await run(agent, 'do the three things');
    expect(first.interruptions.map((i) => i.name)).toEqual(['get_weather', 'send_email', 'delete_repo']);
    const review = await gl.review(first.state);
    expect(review.calls.map((c) => [c.callId, c.status])).toEqual([
      ['c-weather', 'approved'],
      ['c-mail', 'awaiting_approval'],
      ['c-del', 'awaiting_approval'],
    ]);
    const saved = first.state.toString(); // kept by the caller, anywhere

    // Decided elsewhere, while the resume waits.
    const resumed = gl.resume(agent, saved);
    await decideCall(reviewer, 'delete_repo', { decision: 'reject', feedback: 'never prod' });
    await decideCall(reviewer, 'send_email', { decision: 'modify', input: { to: 'team@example.com' } });
    const done = await resumed;

    expect(done.finalOutput).toBe('finished');
    expect(ran).toEqual({ get_weather: [{ city: 'Oslo' }], send_email: [{ to: 'team@example.com' }], delete_repo: [] });
    expect(toolOutputs(model)['c-del']).toMatch(/Greenlight: rejected by reviewer: never prod; the call was not run/);
    const task = await agentKey.tasks.get.query({ taskId: review.taskId });
    expect(task.steps.map((s) => [s.key, s.status])).toEqual([
      ['c-weather', 'completed'],
      ['c-mail', 'completed'],
      ['c-del', 'rejected'],
    ]);
    expect(task.steps[1]!.result?.output).toBe('sent');

    // The same saved state resumed again: the calls are decided and handed out, nothing runs twice.
    await gl.resume(agent, saved);
    expect(ran.send_email).toHaveLength(1);
    expect(ran.get_weather).toHaveLength(1);
  });

  it('one open task per run: a second round of interruptions is appended to it, and the task is closed when the run ends', async () => {
    const gl = greenlight({ client: agentKey, session: 'rounds' });
    const { ran, tools } = recordingTools();
    const model = new ScriptedModel([[fnCall('r-1', 'get_weather', { city: 'Rome' })], [fnCall('r-2', 'get_weather', { city: 'Paris' })], [say('both done')]]);
    const agent = new Agent({ name: 'ops', instructions: 'help', model, tools: tools.map((t) => gl.tool(t)) });
    let result = await run(agent, 'weather twice');
    const taskIds = new Set<string>();
    while (result.interruptions.length > 0) {
      taskIds.add((await gl.review(result.state)).taskId);
      result = await gl.resume(agent, result.state.toString());
    }
    expect(result.finalOutput).toBe('both done');
    expect(ran.get_weather).toEqual([{ city: 'Rome' }, { city: 'Paris' }]);
    expect(taskIds.size).toBe(1);
    const task = await agentKey.tasks.get.query({ taskId: [...taskIds][0]! });
    expect(task.steps.map((s) => [s.key, s.status])).toEqual([
      ['r-1', 'completed'],
      ['r-2', 'completed'],
    ]);
    expect(task.open).toBeUndefined();
    expect(task.status).toBe('completed');
  });

  it('an approval the caller writes into the RunState by itself runs nothing: only a Greenlight claim does', async () => {
    const gl = greenlight({ client: agentKey, session: 'bypass' });
    const { ran, tools } = recordingTools();
    const model = new ScriptedModel([[fnCall('c-bypass', 'delete_repo', { repo: 'prod' })], [say('after')]]);
    const agent = new Agent({ name: 'ops', instructions: 'help', model, tools: tools.map((t) => gl.tool(t)) });
    const first = await run(agent, 'delete prod');
    await gl.review(first.state);
    const state = await RunState.fromString(agent, first.state.toString());
    for (const item of state.getInterruptions()) state.approve(item);
    await run(agent, state);
    expect(ran.delete_repo).toEqual([]);
    expect(toolOutputs(model)['c-bypass']).toMatch(/was not approved through Greenlight/);
  });

  it('refuses a resume with nothing pending', async () => {
    const gl = greenlight({ client: agentKey, session: 'nothing' });
    const { tools } = recordingTools();
    const agent = new Agent({ name: 'ops', instructions: 'help', model: new ScriptedModel([[say('no tools needed')]]), tools: tools.map((t) => gl.tool(t)) });
    const result = await run(agent, 'hello');
    const err = await gl.resume(agent, result.state.toString()).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(GreenlightError);
    expect(err).toMatchObject({ code: 'CONFLICT', reason: 'nothing_pending' });
  });
});
