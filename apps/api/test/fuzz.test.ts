/**
 * Fuzzing the live API: fast-check drives raw HTTP at the real Worker in workerd.
 *
 * Covered, for every procedure of the router (read from `appRouter`, so a new one is
 * fuzzed without touching this file; known ones also get valid inputs, ./fuzz/inputs.ts):
 * - inputs: valid ones built from the ids the run has seen, and mutations of them
 *   (dropped, extra and retyped fields, oversize strings, negative/NaN/Infinity/huge
 *   numbers as numbers, strings or nulls, odd unicode, "__proto__"/"constructor" keys,
 *   arrays where objects belong, ids from a second workspace, stale paramsHashes, old
 *   lease ids, reused idempotency keys);
 * - the wire (./fuzz/wire.ts): GET for a mutation and POST for a query, other methods,
 *   malformed and deeply nested JSON, duplicate keys, odd content types, unknown
 *   procedures, batches (mixed, and over the 50-call limit);
 * - credentials: every role, the root token, none, malformed headers, a wrong secret,
 *   a revoked key, another workspace's key, a workspace that does not exist.
 * Each request has one kind of fault (or none, or all at once), so a failure names its cause.
 * After each request: never a 5xx nor an INTERNAL_SERVER_ERROR; an error leaves the
 * workspace as it was (workspaces.get, tasks.list, open approvals, keys, webhooks, the
 * event count); after a success the event log still runs 1..N with no gap.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chainHash, GENESIS, type ChainBody, type ChainHead } from '@greenlight/core';
import { appRouter } from '../src/router.ts';
import { BASE, ROOT_TOKEN, team, threeStepPlan, workerFetch, type Team } from './harness.ts';
import { GENEROUS, harvest, isObj, keepTimeStill, mutate, newPool, validInput, type Call, type Obj, type Pool } from './fuzz/inputs.ts';
import { describeExchange, enc, errorCode, internalError, succeeded, UNKNOWN_PATHS, wireFor } from './fuzz/wire.ts';

/** Who a procedure is meant for: most requests go out with that credential. */
const NATURAL: Record<string, keyof Team['keys'] | 'root'> = {
  workspaces: 'root',
  'workspaces.get': 'viewer',
  'workspaces.setLimits': 'admin',
  keys: 'admin',
  policy: 'admin',
  webhooks: 'admin',
  'tasks.plan': 'agent',
  'tasks.revise': 'agent',
  'tasks.cancel': 'agent',
  steps: 'agent',
  'tasks.setMode': 'approver',
  approvals: 'approver',
  'tasks.append': 'agent',
  'tasks.close': 'agent',
  grants: 'approver',
  'grants.confirm': 'admin',
  people: 'admin',
  groups: 'admin',
  delegations: 'approver',
};
const FAULTS = ['none', 'none', 'none', 'input', 'input', 'input', 'wire', 'wire', 'credential', 'all'] as const;

/** A plain call for the test's own bookkeeping, waiting out a rate limit. */
async function rpc(key: string, path: string, input?: unknown, method: 'GET' | 'POST' = 'GET'): Promise<unknown> {
  const url = `${BASE}/trpc/${path}`;
  const auth = { authorization: `Bearer ${key}` };
  for (let attempt = 0; ; attempt++) {
    const res =
      method === 'GET'
        ? await workerFetch(input === undefined ? url : `${url}?input=${enc(input)}`, { headers: auth })
        : await workerFetch(url, { method, headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify(input ?? {}) });
    const json = (await res.json()) as { result?: { data: unknown }; error?: unknown };
    if (json.result) return json.result.data;
    if (res.status !== 429 || attempt >= 20) throw new Error(`${path}: ${res.status} ${JSON.stringify(json.error)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Tasks with open approvals, an approved step and a live lease, so valid inputs have ids to use. */
async function seed(w: Team, pool: Pool): Promise<void> {
  harvest(pool, await w.agent.tasks.plan.mutate(threeStepPlan()));
  harvest(pool, await w.agent.tasks.plan.mutate(threeStepPlan()));
  harvest(pool, await w.agent.tasks.plan.mutate({ title: 'Ask', steps: [{ key: 'q', kind: 'clarify', title: 'Which branch?', params: { questions: ['Which branch?'] } }] }));
  harvest(pool, await w.agent.steps.claim.mutate({ max: 1 }));
  harvest(pool, await w.viewer.approvals.list.query({ limit: 200 }));
}

describe('fuzzing the live API', () => {
  it('random and mutated requests to every procedure with every credential: never a 5xx, an error changes nothing, the log stays gapless', async () => {
    const [t, other] = await Promise.all([team(), team()]);
    for (const w of [t, other]) {
      // Generous rate limits (where the procedure exists): the auditor reads after every request.
      await rpc(w.keys.admin, 'workspaces.setLimits', { limits: { perKey: GENEROUS, perWorkspace: GENEROUS } }, 'POST').catch(() => undefined);
      // Leases longer than the run: one expiring between two snapshots would look like a change.
      await w.admin.policy.set.mutate({ policy: { leaseSeconds: 3600 } });
    }
    const auditor = (await t.admin.keys.create.mutate({ principal: 'auditor', role: 'admin' })).key;
    const own = newPool();
    const foreign = newPool();
    await seed(t, own);
    await seed(other, foreign);
    foreign.keys.add((await other.admin.keys.create.mutate({ principal: 'other', role: 'agent' })).id);
    foreign.webhooks.add((await other.admin.webhooks.create.mutate({ url: 'http://127.0.0.1:9/hook', events: ['task.finished'] })).webhook.id);
    const revoked = await t.admin.keys.create.mutate({ principal: 'gone', role: 'agent' });
    await t.admin.keys.revoke.mutate({ id: revoked.id });
    // keys.list shows every key; revoking the ones requests go out with would end the run early.
    const setupKeys = new Set((await t.admin.keys.list.query()).items.map((k) => k.id));

    const creds: Record<string, string | undefined> = {
      ...Object.fromEntries(Object.entries(t.keys).map(([role, key]) => [role, `Bearer ${key}`])),
      root: `Bearer ${ROOT_TOKEN}`,
      none: undefined,
      revoked: `Bearer ${revoked.key}`,
      foreign: `Bearer ${other.keys.admin}`,
      wrongSecret: `Bearer gl_${t.id}_${'A'.repeat(43)}`,
      nowhere: `Bearer gl_no-such-workspace_${'A'.repeat(43)}`,
      notBearer: t.keys.admin,
      basic: `Basic ${t.keys.admin}`,
      lowercase: `bearer ${t.keys.agent}`,
      empty: 'Bearer ',
      twoKeys: `Bearer ${t.keys.admin} ${t.keys.agent}`,
    };
    // Every procedure of the router with its type; procedures are functions carrying `_def`.
    const typeOf = (p: unknown): string => {
      const def: unknown = typeof p === 'function' ? Reflect.get(p, '_def') : undefined;
      return isObj(def) && typeof def.type === 'string' ? def.type : 'unknown';
    };
    const types = new Map(Object.entries(appRouter._def.procedures).map(([path, p]) => [path, typeOf(p)]));
    const procedures = [...types.keys()];

    /** What an error must leave alone. Also refreshes the open approvals valid inputs draw from. */
    const snapshot = async () => {
      const [detail, tasks, approvals, keys, webhooks] = await Promise.all([
        rpc(auditor, 'workspaces.get'),
        rpc(auditor, 'tasks.list', { limit: 200 }),
        rpc(auditor, 'approvals.list', { limit: 200 }),
        // lastUsedAt moves with every call, the auditor's own included.
        rpc(auditor, 'keys.list').then((r) => (r as { items: Obj[] }).items.map(({ lastUsedAt: _, ...k }) => k)),
        rpc(auditor, 'webhooks.list'),
      ]);
      own.open = new Map((approvals as { items: { approvalId: string; paramsHash: string }[] }).items.map((a) => [a.approvalId, a.paramsHash]));
      return { detail, tasks, approvals, keys, webhooks, events: (detail as { counts: { events: number } }).counts.events };
    };
    /** The last event read, so each read can check that the next events chain to it. */
    let chainAt: ChainHead = GENESIS;
    /** Reads the events after `seq`, each must be the next one and chain to it by hash; returns the last seq. */
    const gaplessAfter = async (seq: number): Promise<number> => {
      for (;;) {
        const page = (await rpc(auditor, 'events.list', { after: seq, limit: 200 })) as { items: (ChainBody & { hash: string })[] };
        for (const e of page.items) {
          if (e.seq !== seq + 1) throw new Error(`event log gap: seq ${e.seq} after ${seq}`);
          if (chainAt.seq === seq && chainHash(chainAt.hash, e) !== e.hash) throw new Error(`event ${e.seq} does not chain to event ${seq}`);
          chainAt = { seq: e.seq, hash: e.hash };
          seq = e.seq;
        }
        if (page.items.length < 200) return seq;
      }
    };

    let state = await snapshot();
    expect(await gaplessAfter(0)).toBe(state.events);
    const succeededBy = new Map<string, number>();
    const failedBy = new Map<string, number>();
    const count = (m: Map<string, number>, k: string) => m.set(k.slice(0, 40), (m.get(k.slice(0, 40)) ?? 0) + 1);

    await fc.assert(
      fc.asyncProperty(fc.gen(), async (g) => {
        const fault = g(fc.constantFrom, ...FAULTS);
        const twistInput = fault === 'input' || fault === 'all';
        const twistWire = fault === 'wire' || fault === 'all';
        const twistCred = fault === 'credential' || fault === 'all';
        const calls: Call[] = [];
        const size = twistWire && g(fc.nat, 3) === 0 ? g(fc.constantFrom, 2, 3, 5, 51) : 1;
        for (let i = 0; i < size; i++) {
          const path = twistWire && g(fc.nat, 4) === 0 ? g(fc.constantFrom, ...UNKNOWN_PATHS) : g(fc.constantFrom, ...procedures);
          const valid = validInput(g, path, own, foreign);
          const call = { path, input: twistInput ? mutate(g, valid, own, foreign) : valid };
          keepTimeStill(call);
          calls.push(call);
        }
        const first = calls[0]!;
        const credential = twistCred ? g(fc.constantFrom, ...Object.keys(creds)) : (NATURAL[first.path] ?? NATURAL[first.path.split('.')[0]!] ?? 'viewer');
        const wire = wireFor(g, calls, types, creds[credential], twistWire);
        const res = await workerFetch(wire.url, { method: wire.method, headers: wire.headers, ...(wire.body === undefined ? {} : { body: wire.body }) });
        const text = await res.text();
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        const exchange = () => `fault: ${fault}\n${describeExchange(wire, credential, res.status, text)}`;
        if (res.status >= 500 || internalError(json)) throw new Error(`server error\n${exchange()}`);

        if (succeeded(json)) {
          count(succeededBy, first.path);
          harvest(own, json);
          for (const id of setupKeys) own.keys.delete(id);
          if (calls.length === 1 && (first.path === 'steps.complete' || first.path === 'steps.fail') && isObj(first.input)) own.live.delete(String(first.input.leaseId));
          const seq = await gaplessAfter(state.events);
          state = await snapshot();
          if (seq !== state.events) throw new Error(`${state.events} events but the last seq is ${seq}\n${exchange()}`);
        } else {
          count(failedBy, errorCode(json, res.status));
          const after = await snapshot();
          try {
            expect(after).toEqual(state);
          } catch (e) {
            throw new Error(`an error changed the workspace\n${exchange()}\n${(e as Error).message.slice(0, 3000)}`);
          }
        }
      }),
      // Stops at the first failure: requests depend on the state earlier ones left, so shrinking would not replay.
      { numRuns: 1500, endOnFailure: true },
    );

    expect(await gaplessAfter(0)).toBe((await snapshot()).events);
    const total = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
    console.info(`fuzz: ${total(succeededBy)} succeeded ${JSON.stringify(Object.fromEntries(succeededBy))}; ${total(failedBy)} failed ${JSON.stringify(Object.fromEntries(failedBy))}`);
    // The run reached real state changes, not only rejections.
    expect(total(succeededBy)).toBeGreaterThan(total(failedBy) / 4);
    const reached = (...paths: string[]) => paths.some((p) => (succeededBy.get(p) ?? 0) > 0);
    expect([reached('tasks.plan'), reached('approvals.decide', 'approvals.decideMany'), reached('steps.claim'), reached('steps.complete', 'steps.fail')]).toEqual([true, true, true, true]);
  }, 120_000);
});
