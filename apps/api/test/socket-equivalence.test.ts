/**
 * The socket path answers as HTTP does (docs/socket-rpc.md): fast-check generates
 * sequences of calls, valid and not (wrong types, extra fields, unknown ids, stale
 * hashes, other roles, unknown procedures), and each sequence runs against two fresh
 * workspaces seeded the same way, one over HTTP and one over the socket. The answers
 * must match: the value (with ids, times and hashes replaced by the order they first
 * appear in, since two workspaces mint different ones), or the error's code, message,
 * issues and reason.
 */
import fc from 'fast-check';
import { SOCKET_OPS, isSocketOp } from '@greenlight/core';
import { GreenlightError, type GreenlightClient } from '@greenlight/sdk';
import { describe, expect, it } from 'vitest';
import { team, threeStepPlan, type Team } from './harness.ts';
import { openCallSocket, type CallSocket } from './socket.ts';

type Who = 'agent' | 'approver' | 'viewer';
/** A place in a template filled from the workspace's own ids. */
type Ref = { $ref: 'task' | 'step0' | 'step1' | 'step2' | 'approval' | 'hash' | 'lease' | 'leaseStep' };
type Command = { who: Who; op: string; input: unknown };
type State = { task: string; steps: string[]; approval: string; hash: string; lease: string; leaseStep: string };
type Answer = { ok: true; value: unknown } | { ok: false; code: string; message: string; issues: unknown[]; reason: string | undefined };

const ref = (r: Ref['$ref']): Ref => ({ $ref: r });
const isRef = (v: unknown): v is Ref => typeof v === 'object' && v !== null && '$ref' in v;

const junk = fc.oneof(fc.constant(null), fc.boolean(), fc.integer({ min: -5, max: 5000 }), fc.string({ maxLength: 12 }), fc.constant([]), fc.constant({}), fc.jsonValue({ maxDepth: 2 }));
const stepRef = fc.constantFrom(ref('step0'), ref('step1'), ref('step2'), ref('leaseStep'));
const idOrJunk = (r: fc.Arbitrary<Ref>) => fc.oneof({ weight: 4, arbitrary: r }, { weight: 1, arbitrary: junk });
const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
/** A strict object, sometimes with an unknown field or a field dropped. */
const shape = (fields: Record<string, fc.Arbitrary<unknown>>) =>
  fc.tuple(fc.record(fields, { requiredKeys: [] }), fc.nat(9)).map(([o, n]) => (n === 0 ? { ...o, extra: true } : n === 1 ? Object.fromEntries(Object.entries(o).slice(1)) : o));
const stepInput = fc.record({
  key: fc.constantFrom('a', 'b', 'c'),
  kind: fc.constantFrom('read', 'run_command', 'custom', 'nope'),
  title: fc.string({ minLength: 0, maxLength: 8 }),
  params: fc.oneof(fc.record({ command: fc.constantFrom('ls', 'npm test') }), junk),
});

const INPUTS: Record<string, fc.Arbitrary<unknown>> = {
  'tasks.plan': fc.oneof(fc.constant(threeStepPlan()), shape({ title: fc.oneof(fc.string({ maxLength: 8 }), junk), steps: fc.oneof(fc.array(stepInput, { maxLength: 3 }), junk) }), junk),
  'tasks.append': shape({ taskId: idOrJunk(fc.constant(ref('task'))), steps: fc.oneof(fc.array(stepInput, { maxLength: 2 }), junk) }),
  'tasks.get': fc.oneof(shape({ taskId: idOrJunk(fc.constant(ref('task'))) }), junk),
  'tasks.list': fc.oneof(shape({ status: fc.constantFrom('active', 'completed', 'zzz'), limit: fc.integer({ min: -1, max: 300 }) }), fc.constant(undefined)),
  'tasks.cancel': shape({ taskId: idOrJunk(fc.constant(ref('task'))), reason: maybe(fc.string({ maxLength: 8 })) }),
  'steps.get': fc.oneof(shape({ stepId: idOrJunk(stepRef) }), shape({ taskId: idOrJunk(fc.constant(ref('task'))), key: fc.constantFrom('read', 'edit', 'zz') })),
  'steps.claim': fc.oneof(shape({ taskId: idOrJunk(fc.constant(ref('task'))), max: fc.integer({ min: -1, max: 60 }), leaseSeconds: fc.constantFrom(600, 3600, 1) }), fc.constant(undefined)),
  'steps.heartbeat': shape({ stepId: idOrJunk(stepRef), leaseId: idOrJunk(fc.constant(ref('lease'))), leaseSeconds: fc.constantFrom(600, 3600, 2) }),
  'steps.complete': shape({ stepId: idOrJunk(stepRef), leaseId: idOrJunk(fc.constant(ref('lease'))), output: fc.jsonValue({ maxDepth: 2 }) }),
  'steps.fail': shape({
    stepId: idOrJunk(stepRef),
    leaseId: idOrJunk(fc.constant(ref('lease'))),
    error: fc.oneof(fc.record({ code: fc.constantFrom('E1', 'boom'), message: fc.string({ maxLength: 8 }), retryable: fc.boolean() }), junk),
  }),
  'approvals.list': fc.oneof(shape({ status: fc.constantFrom('open', 'decided', 'zz'), taskId: idOrJunk(fc.constant(ref('task'))) }), fc.constant(undefined)),
  'approvals.decide': shape({
    approvalId: idOrJunk(fc.constant(ref('approval'))),
    decision: fc.constantFrom('approve', 'reject', 'skip', 'maybe'),
    paramsHash: fc.oneof({ weight: 3, arbitrary: fc.constant(ref('hash')) }, { weight: 1, arbitrary: fc.stringMatching(/^[0-9a-f]{64}$/) }),
  }),
  'events.list': fc.oneof(shape({ after: fc.integer({ min: -1, max: 20 }), limit: fc.integer({ min: 0, max: 201 }), taskId: fc.constant(ref('task')) }), fc.constant(undefined)),
  'tasks.nope': junk,
};
// Keyed mutations sometimes carry an idempotency key, some of them repeated.
const command: fc.Arbitrary<Command> = fc
  .tuple(fc.constantFrom(...(Object.keys(INPUTS) as string[])), fc.constantFrom<Who>('agent', 'agent', 'agent', 'approver', 'viewer'), fc.nat(5))
  .chain(([op, who, k]) =>
    INPUTS[op]!.map((input) => {
      const keyed = isSocketOp(op) && SOCKET_OPS[op] === 'keyed' && typeof input === 'object' && input !== null && !Array.isArray(input) && k < 2;
      // The natural caller for a decision is a reviewer.
      return { who: op.startsWith('approvals.decide') && who === 'agent' ? 'approver' : who, op, input: keyed ? { ...input, idempotencyKey: `idem-${k}` } : input };
    }),
  );

/** A workspace seeded like its twin: the same keys, one three-step plan, generous limits. */
async function seed(): Promise<{ t: Team; state: State }> {
  const t = await team();
  await t.admin.workspaces.setLimits.mutate({ limits: { perKey: { ratePerSecond: 100_000, burst: 100_000 }, perWorkspace: { ratePerSecond: 100_000, burst: 100_000 } } });
  const task = await t.agent.plan(threeStepPlan());
  const [open] = (await t.approver.approvals.list.query({ taskId: task.id })).items;
  return { t, state: { task: task.id, steps: task.steps.map((s) => s.id), approval: open?.approvalId ?? 'none', hash: open?.paramsHash ?? 'none', lease: 'none', leaseStep: 'none' } };
}

function fill(v: unknown, s: State): unknown {
  if (isRef(v)) {
    const r = v.$ref;
    return r === 'step0' || r === 'step1' || r === 'step2' ? s.steps[Number(r.slice(4))] : s[r];
  }
  if (Array.isArray(v)) return v.map((x) => fill(x, s));
  if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fill(x, s)]));
  return v;
}

/** Remember the lease a claim handed out, so later calls can use (and misuse) it. */
function learn(state: State, op: string, a: Answer): void {
  if (op !== 'steps.claim' || !a.ok) return;
  const first = (a.value as { steps: { stepId: string; leaseId: string }[] }).steps[0];
  if (first) Object.assign(state, { lease: first.leaseId, leaseStep: first.stepId });
}

async function overHttp(client: GreenlightClient, op: string, input: unknown): Promise<Answer> {
  const [a, b] = op.split('.') as [string, string];
  const kind = isSocketOp(op) && SOCKET_OPS[op] === 'read' ? 'query' : op === 'tasks.nope' ? 'query' : 'mutate';
  const proc = (client as unknown as Record<string, Record<string, Record<string, (i: unknown) => Promise<unknown>>>>)[a]![b]![kind]!;
  try {
    return { ok: true, value: await proc(input) };
  } catch (e) {
    const err = GreenlightError.from(e);
    return { ok: false, code: err.code, message: err.message, issues: err.issues, reason: err.reason };
  }
}

async function overSocket(socket: CallSocket, op: string, input: unknown): Promise<Answer> {
  const r = await socket.call(op, input);
  return r.ok ? { ok: true, value: r.value } : { ok: false, code: r.error.code, message: r.error.message, issues: r.error.issues ?? [], reason: r.error.reason };
}

const ID = /[0-9A-HJKMNP-TV-Z]{26}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{64}/g;

/** Ids, hashes and the workspace's name replaced by the order they first appear in; times by T. */
function normalizer(workspaceId: string) {
  const seen = new Map<string, string>();
  const norm = (v: unknown): unknown => {
    if (typeof v === 'string')
      return v.replaceAll(workspaceId, 'WS').replace(ID, (m) => {
        if (!seen.has(m)) seen.set(m, `#${seen.size}`);
        return seen.get(m)!;
      });
    if (typeof v === 'number') return v > 1e12 ? 'T' : v;
    if (Array.isArray(v)) return v.map(norm);
    if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, norm(x)]));
    return v;
  };
  return norm;
}

describe('socket calls answer as HTTP does', () => {
  it('the same generated calls give the same answers over HTTP and over the socket, in twin workspaces', async () => {
    const seen = { values: 0, errors: new Set<string>() };
    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 3, maxLength: 8 }), async (commands) => {
        const [h, s] = [await seed(), await seed()];
        const sockets = { agent: await openCallSocket(s.t.agent), approver: await openCallSocket(s.t.approver), viewer: await openCallSocket(s.t.viewer) };
        const [nh, ns] = [normalizer(h.t.id), normalizer(s.t.id)];
        // The seeds' own ids come first, in the same order, so the ordinals line up.
        nh([h.state.task, h.state.steps, h.state.approval]);
        ns([s.state.task, s.state.steps, s.state.approval]);
        try {
          for (const c of commands) {
            const viaHttp = await overHttp(h.t[c.who], c.op, fill(c.input, h.state));
            const viaSocket = await overSocket(sockets[c.who], c.op, fill(c.input, s.state));
            expect({ op: c.op, answer: ns(viaSocket) }).toEqual({ op: c.op, answer: nh(viaHttp) });
            if (viaHttp.ok) seen.values++;
            else seen.errors.add(viaHttp.code);
            learn(h.state, c.op, viaHttp);
            learn(s.state, c.op, viaSocket);
          }
        } finally {
          for (const w of Object.values(sockets)) w.ws.close();
        }
      }),
      { numRuns: 25 },
    );
    // The runs compared answers of both kinds, not only one refusal over and over.
    expect(seen.values).toBeGreaterThan(10);
    expect([...seen.errors]).toEqual(expect.arrayContaining(['BAD_REQUEST', 'NOT_FOUND', 'FORBIDDEN']));
  }, 60_000);
});
