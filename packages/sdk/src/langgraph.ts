/**
 * @greenlight/sdk/langgraph: a bridge between a LangGraph JS thread's human-in-the-loop
 * interrupts (@langchain/langgraph 1.7) and Greenlight.
 *
 * - `review(graph, config)`: the thread's pending interrupts (HITL middleware requests
 *   or prebuilt HumanInterrupts, adapters/interrupts.ts) become one task, a step per
 *   action request (`custom`, the action's name as `tool`, its arguments as `input`;
 *   actions named in `respondTools` become `clarify` steps a reviewer answers).
 * - `resume(graph, config)`: waits for the decisions, claims the approved steps (so one
 *   resume, of one process, hands each out, once), re-reads the thread and refuses when
 *   its pending requests are not exactly the ones reviewed, then resumes it with a
 *   `Command` keyed by interrupt id: approve, edit (the reviewer's input), reject (with
 *   the reason) or respond (the answer). A resume with nothing pending, or with requests
 *   that changed since the review, is refused (CONFLICT), and the graph is not invoked.
 *
 * LangGraph runs the approved call itself (its node or middleware): Greenlight binds
 * what the resume says to the exact requests shown, once, and records the hand-off.
 * One open task per thread (session `langgraph:<session>:<thread_id>`): each round of
 * interrupts is appended to it, and it is closed when the thread asks nothing more.
 */
import { Command, type StateSnapshot } from '@langchain/langgraph';
import type { RunnableConfig } from '@langchain/core/runnables';
import { canonicalJson, paramsHash, sha256Hex, type ClaimedStep, type Step, type StepInput } from '@greenlight/core';
import type { GreenlightClient } from './index.ts';
import { GreenlightError } from './errors.ts';
import { DEFAULT_LEASE_SECONDS, claimSteps, failClaimed, handOff, isBound, notRun } from './adapters/claim.ts';
import { propose, sessionName } from './adapters/session.ts';
import { answerFor, readInterrupt, resumeValue, type Answer, type ReadInterrupt } from './adapters/interrupts.ts';
import { toolStep, verdictOf, type StepDetails, type ToolCall } from './adapters/steps.ts';

export type { ActionRequest, Answer, ReadInterrupt } from './adapters/interrupts.ts';
export { answerFor, readInterrupt, resumeValue } from './adapters/interrupts.ts';

/**
 * The resume the bridge sends: a Command with `resume` only (no state update, no goto),
 * which is why its update and node types are `never`: every compiled graph takes it.
 */
type ResumeCommand = Command<unknown, never, never>;

/** What the bridge needs of a compiled graph (with a checkpointer): its state, and invoke. */
export type ResumableGraph = {
  getState(config: RunnableConfig): Promise<StateSnapshot>;
  invoke(input: ResumeCommand, config: RunnableConfig): Promise<unknown>;
};

export type LangGraphOptions = {
  client: GreenlightClient;
  /** Names the app or agent (default `default`); with the thread id and the interrupts it finds a review's task again. */
  session?: string;
  /** How long resume() waits for the decisions (ms, default 10 minutes); then resume() rejects with TIMEOUT and the approvals stay open for a later resume. */
  timeoutMs?: number;
  /** Lease (s) held on the approved steps while the graph runs them (default 60). */
  leaseSeconds?: number;
  /** Action names that ask the human something ("ask_user"): planned as clarify steps, answered with `respond`. */
  respondTools?: string[];
  /** Title, explanation, risk or metadata for an action's step. */
  describe?: (call: ToolCall) => StepDetails;
};

/** A pending interrupt of the thread, read. */
type Pending = { id: string | undefined; value: unknown; read: ReadInterrupt };
/** One action request, its step as planned, and where it is in its interrupt. */
type Planned = { interrupt: Pending; index: number; input: StepInput; hash: string; step: Step };
export type Review = { taskId: string; steps: { interruptId: string | undefined; index: number; action: string; stepId: string; status: Step['status'] }[] };

const DEFAULT_TIMEOUT_MS = 10 * 60_000;

const refuse = (message: string, reason: string) => new GreenlightError(message, { code: 'CONFLICT', reason });

/** The thread id of a config, for the task's key and metadata. */
const threadOf = (config: RunnableConfig): string => {
  const t = (config.configurable as { thread_id?: unknown } | undefined)?.thread_id;
  if (typeof t !== 'string' && typeof t !== 'number') throw new GreenlightError('the config names no configurable.thread_id: a thread is needed to resume', { code: 'BAD_REQUEST' });
  return String(t);
};

/** Greenlight for LangGraph threads: `review()` and `resume()`. See the module comment. */
export function greenlight(opts: LangGraphOptions) {
  const { client } = opts;
  const session = opts.session ?? 'default';
  const leaseSeconds = opts.leaseSeconds ?? DEFAULT_LEASE_SECONDS;
  const respond = new Set(opts.respondTools ?? []);

  /** The thread's pending interrupts, read; one the bridge cannot read is refused (BAD_REQUEST). */
  async function pending(graph: ResumableGraph, config: RunnableConfig): Promise<Pending[]> {
    const snapshot = await graph.getState(config);
    const out: Pending[] = [];
    for (const i of snapshot.tasks.flatMap((t) => t.interrupts)) {
      const read = readInterrupt(i.value);
      if (!read) throw new GreenlightError(`interrupt ${i.id ?? '(no id)'} is neither a HITL request nor a HumanInterrupt: the bridge cannot answer it`, { code: 'BAD_REQUEST' });
      out.push({ id: i.id, value: i.value, read });
    }
    if (out.length > 1 && out.some((p) => p.id === undefined)) throw new GreenlightError('several interrupts without ids cannot be resumed one by one', { code: 'BAD_REQUEST' });
    return out;
  }

  /** The step for one action request: a clarify step for a respond tool, else a custom tool step. */
  async function stepFor(p: Pending, index: number): Promise<StepInput> {
    const r = p.read.requests[index]!;
    // Keyed by the interrupt's id and value: the thread asking again under the same id with
    // other arguments is another step of the thread's task, never the one already decided.
    const key = `i${(await sha256Hex(canonicalJson({ id: p.id ?? null, value: p.value }))).slice(0, 32)}.${index}`;
    const call = { callId: key, toolName: r.name, input: r.args };
    const details = { ...(r.description ? { explanation: r.description } : {}), ...opts.describe?.(call) };
    if (respond.has(r.name)) {
      const question = r.description ?? `${r.name}: ${canonicalJson(r.args)}`;
      return { key, kind: 'clarify', title: details.title ?? r.name, params: { questions: [question.slice(0, 20_000)] }, dependsOn: [], metadata: { source: 'langgraph', action: r.name } };
    }
    return toolStep(call, 'langgraph', details);
  }

  /** Plan (or find) the task for the pending interrupts; the key covers their ids and values, so a changed request is a new task. */
  async function plan(config: RunnableConfig, interrupts: Pending[]): Promise<{ taskId: string; planned: Planned[] }> {
    const thread = threadOf(config);
    const entries: { p: Pending; index: number; input: StepInput }[] = [];
    for (const p of interrupts) for (const index of p.read.requests.keys()) entries.push({ p, index, input: await stepFor(p, index) });
    const batch = (await sha256Hex(canonicalJson({ thread, interrupts: interrupts.map((p) => ({ id: p.id ?? null, value: p.value })) }))).slice(0, 40);
    const r = await propose(client, {
      session: await sessionName('langgraph', session, thread),
      title: `LangGraph: thread ${thread}`,
      metadata: { source: 'langgraph', session, threadId: thread },
      steps: entries.map((e) => e.input),
      idempotencyKey: `langgraph:${session}:${batch}`,
    });
    const planned: Planned[] = [];
    for (const [i, e] of entries.entries()) planned.push({ interrupt: e.p, index: e.index, input: e.input, hash: await paramsHash(e.input.params), step: r.steps[i]! });
    return { taskId: r.taskId, planned };
  }

  /**
   * Put the thread's pending interrupts in front of reviewers: one task, a step per action request.
   * @throws GreenlightError CONFLICT `nothing_pending` when the thread waits for nothing.
   */
  async function review(graph: ResumableGraph, config: RunnableConfig): Promise<Review> {
    const interrupts = await pending(graph, config);
    if (interrupts.length === 0) throw refuse(`thread ${threadOf(config)} has no pending interrupt to review`, 'nothing_pending');
    const { taskId, planned } = await plan(config, interrupts);
    return { taskId, steps: planned.map((p) => ({ interruptId: p.interrupt.id, index: p.index, action: p.interrupt.read.requests[p.index]!.name, stepId: p.step.id, status: p.step.status })) };
  }

  /**
   * Resume the thread with the Greenlight decisions on its pending requests (see the
   * module comment); returns what graph.invoke returns.
   * @throws GreenlightError CONFLICT `nothing_pending` (no request pending), `stale` (the
   *   pending requests changed after the review), `already_resumed` (an approved step was
   *   handed out before: another resume took it); TIMEOUT (no decision in time: resume again
   *   later); the graph's own error, after the handed-out steps are failed with it.
   */
  async function resume(graph: ResumableGraph, config: RunnableConfig, o: { signal?: AbortSignal; timeoutMs?: number } = {}): Promise<unknown> {
    const interrupts = await pending(graph, config);
    if (interrupts.length === 0) throw refuse(`thread ${threadOf(config)} has no pending interrupt: there is nothing to resume`, 'nothing_pending');
    const { taskId, planned } = await plan(config, interrupts);
    const timeoutMs = o.timeoutMs ?? opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    // A wait that times out throws and leaves the approvals open: resume again later, and the decisions made meanwhile apply.
    const decided: Step[] = await Promise.all(planned.map(async (p) => (await client.waitForDecision(p.step.id, { timeoutMs, ...(o.signal ? { signal: o.signal } : {}) })).step));

    // Only the approved steps of these requests: the thread's task holds earlier rounds too.
    const approvedIds = decided.filter((d) => verdictOf(d).kind === 'approved').map((d) => d.id);
    const claims = new Map((approvedIds.length > 0 ? await claimSteps(client, taskId, approvedIds, leaseSeconds) : []).map((c) => [c.stepId, c]));
    const held: ClaimedStep[] = [];
    const answers = new Map<Pending, Answer[]>(interrupts.map((p) => [p, []]));
    const giveBack = async (why: string) => {
      for (const c of [...held, ...claims.values()]) await notRun(client, c, why).catch(() => {});
    };
    for (const [i, p] of planned.entries()) {
      const step = decided[i]!;
      const verdict = verdictOf(step);
      if (verdict.kind === 'pending') throw new GreenlightError(`step ${step.id} still awaits a decision`, { code: 'INTERNAL_SERVER_ERROR' });
      const claimed = claims.get(step.id);
      claims.delete(step.id);
      if (verdict.kind === 'approved') {
        if (!claimed || !isBound(claimed, step, p.hash)) {
          if (claimed) held.push(claimed);
          await giveBack('the resume was refused: an approved step was not handed out to it');
          throw refuse(`the approved step ${step.key} was already handed out (it is ${(await client.steps.get.query({ stepId: step.id })).status}): this thread was resumed before`, 'already_resumed');
        }
        held.push(claimed);
      }
      answers.get(p.interrupt)!.push(answerFor(verdict, p.interrupt.read.requests[p.index]!));
    }

    let resumeWith: unknown;
    try {
      const values = interrupts.map((p) => resumeValue(p.read, answers.get(p)!));
      resumeWith = interrupts.length === 1 && interrupts[0]!.id === undefined ? values[0] : Object.fromEntries(interrupts.map((p, i) => [p.id!, values[i]]));
    } catch (err) {
      await giveBack(`the resume was refused: ${String(err)}`);
      throw new GreenlightError(`cannot answer the thread's requests: ${err instanceof Error ? err.message : String(err)}`, { code: 'BAD_REQUEST', cause: err });
    }

    // The thread may have moved on while the reviewers decided: resume only the very requests reviewed.
    const now = await pending(graph, config);
    if (canonicalJson(now.map((p) => [p.id ?? null, p.value])) !== canonicalJson(interrupts.map((p) => [p.id ?? null, p.value]))) {
      await giveBack('the resume was refused: the thread changed after the review');
      throw refuse(`thread ${threadOf(config)}'s pending requests changed after the review: no pending request matches the decisions`, 'stale');
    }
    let result: unknown;
    try {
      result = await graph.invoke(new Command<unknown, never, never>({ resume: resumeWith }), o.signal ? { ...config, signal: o.signal } : config);
    } catch (err) {
      for (const c of held) await failClaimed(client, c, `the graph failed after the resume: ${err instanceof Error ? err.message : String(err)}`, 'graph_error').catch(() => {});
      throw err;
    }
    for (const c of held) await handOff(client, c, 'langgraph');
    // The thread asks nothing more for now: its task is done (a later round opens a new one).
    if ((await graph.getState(config)).tasks.every((t) => t.interrupts.length === 0)) await client.tasks.close.mutate({ taskId }).catch(() => {});
    return result;
  }

  return { review, resume };
}
