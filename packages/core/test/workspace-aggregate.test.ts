/**
 * The workspace aggregate (keys, policy versions, limits, webhooks, deliveries,
 * idempotency, rate limits, usage): random WorkspaceCommand sequences through the one
 * `execute`, with time moving forward. After every command its invariants must hold,
 * an error must leave the state as it was, and the input state is never mutated.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_POLICY,
  DEFAULT_RATE_LIMITS,
  emptyWorkspaceState,
  executeWorkspace,
  idempotencySlot,
  IDEMPOTENCY_WINDOW_MS,
  WEBHOOK_MAX_ATTEMPTS,
  ZERO_USAGE,
  type Event,
  type WebhookEvent,
  type WorkspaceCommand,
  type WorkspaceEnv,
  type WorkspaceState,
} from '../src/index.ts';

const ids = ['a', 'b', 'c', 'd'];
const idArb = fc.constantFrom(...ids);
const principalArb = fc.constantFrom('alice', 'bob', 'Alice', 'a1ice', 'carol');
const roleArb = fc.constantFrom('admin' as const, 'approver' as const, 'agent' as const);
const usageArb = fc.record({ inputTokens: fc.nat(1000), outputTokens: fc.nat(1000), costUsd: fc.constantFrom(0, 0.25, 1) });
const limitsArb = fc.record({
  perKey: fc.record({ ratePerSecond: fc.constantFrom(1, 10), burst: fc.integer({ min: 1, max: 4 }) }),
  perWorkspace: fc.record({ ratePerSecond: fc.constantFrom(1, 10), burst: fc.integer({ min: 1, max: 6 }) }),
});
const outcomeArb = fc.oneof(
  fc.constant({ status: 200 }),
  fc.constant({ status: 500, error: 'HTTP 500' }),
  fc.constant({ error: 'timeout' }),
  fc.constant({ error: 'refused target: private address', refused: true as const }),
);
const approvalEvent = (seq: number): Event => ({ seq, type: 'approval.requested', taskId: 't', stepId: 's', approvalId: 'ap', actor: 'x', at: 0, hash: 'h', data: {} }) as unknown as Event;

const cmdArb: fc.Arbitrary<WorkspaceCommand> = fc.oneof(
  fc.record({ type: fc.constant('key.create' as const), id: idArb, principal: principalArb, role: roleArb, secretHash: fc.constant('h') }),
  fc.record({ type: fc.constant('key.revoke' as const), id: idArb }),
  fc.record({ type: fc.constant('key.use' as const), id: idArb }),
  fc.record({ type: fc.constant('policy.set' as const), policy: fc.constant(DEFAULT_POLICY) }),
  fc.record({ type: fc.constant('limits.set' as const), limits: limitsArb }),
  fc.record({ type: fc.constant('usage.add' as const), delta: usageArb }),
  fc.record({ type: fc.constant('rate.take' as const), keyId: idArb }),
  fc.record({
    type: fc.constant('webhook.create' as const),
    id: idArb,
    url: fc.constantFrom('https://example.com/hook', 'http://127.0.0.1/x', 'https://hooks.example.org/a/b'),
    events: fc.constant<WebhookEvent[]>(['approval.requested']),
    format: fc.constantFrom('json' as const, 'slack' as const),
    sealedSecret: fc.constant('sealed'),
  }),
  fc.record({ type: fc.constant('webhook.delete' as const), id: idArb }),
  fc.record({ type: fc.constant('deliveries.enqueue' as const), events: fc.nat(50).map((n) => [approvalEvent(n + 1)]) }),
  fc.record({
    type: fc.constant('delivery.attempted' as const),
    id: fc.nat(20).map((n) => `d${n}`),
    outcome: outcomeArb,
    retryBaseMs: fc.constant(1000),
    random: fc.double({ min: 0, max: 0.999, noNaN: true }),
  }),
  fc.record({ type: fc.constant('idempotency.check' as const), principal: principalArb, key: idArb, requestHash: fc.constantFrom('r1', 'r2') }),
  fc.record({ type: fc.constant('idempotency.remember' as const), principal: principalArb, key: idArb, requestHash: fc.constantFrom('r1', 'r2'), value: fc.constant({ done: true }) }),
);
const stepArb = fc.record({ cmd: cmdArb, advance: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 2000 }), fc.constant(IDEMPOTENCY_WINDOW_MS)) });

function start(): WorkspaceState {
  const s = emptyWorkspaceState({ id: 'ws', policy: DEFAULT_POLICY, policyVersion: 1, limits: DEFAULT_RATE_LIMITS, usage: ZERO_USAGE });
  return { ...s, keys: { root: { id: 'root', principal: 'admin', role: 'admin', createdAt: 0, secretHash: 'h0' } } };
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}

describe('workspace aggregate properties', () => {
  it('random command sequences keep every invariant, and an error changes nothing', () => {
    fc.assert(
      fc.property(fc.array(stepArb, { minLength: 5, maxLength: 60 }), (steps) => {
        let state = start();
        let now = 1_000;
        let n = 0;
        let usage = { ...ZERO_USAGE };
        const env = (): WorkspaceEnv => ({ now, newId: () => `d${n++ % 21}`, allowPrivateTargets: false });
        for (const { cmd, advance } of steps) {
          now += advance;
          const before = deepFreeze(state);
          const snap = JSON.stringify(before);
          const r = executeWorkspace(before, cmd, env());
          expect(JSON.stringify(before)).toBe(snap);
          if (!r.ok) {
            expect(['BAD_REQUEST', 'NOT_FOUND', 'CONFLICT', 'TOO_MANY_REQUESTS']).toContain(r.error.code);
            continue;
          }
          const next = r.value.state;
          // Someone can always manage the workspace.
          expect(Object.values(next.keys).some((k) => k.role === 'admin' && k.revokedAt === undefined)).toBe(true);
          // A revocation is final and keeps its first time; no key vanishes.
          for (const [id, k] of Object.entries(before.keys)) {
            expect(next.keys[id]).toBeDefined();
            if (k.revokedAt !== undefined) expect(next.keys[id]!.revokedAt).toBe(k.revokedAt);
          }
          // The policy version moves by one, on policy.set only, with its event.
          expect(next.settings.policyVersion).toBe(before.settings.policyVersion + (cmd.type === 'policy.set' ? 1 : 0));
          if (cmd.type === 'policy.set') expect(r.value.events).toEqual([{ type: 'policy.set', data: { version: next.settings.policyVersion, policy: cmd.policy } }]);
          if (cmd.type === 'usage.add')
            usage = { inputTokens: usage.inputTokens + cmd.delta.inputTokens, outputTokens: usage.outputTokens + cmd.delta.outputTokens, costUsd: usage.costUsd + cmd.delta.costUsd };
          expect(next.settings.usage.inputTokens).toBe(usage.inputTokens);
          expect(next.settings.usage.outputTokens).toBe(usage.outputTokens);
          // Webhooks never point at a private target here (allowPrivateTargets is false).
          for (const w of Object.values(next.webhooks)) expect(w.url).not.toContain('127.0.0.1');
          for (const d of Object.values(next.deliveries)) {
            expect(d.attempts).toBeLessThanOrEqual(WEBHOOK_MAX_ATTEMPTS);
            const was = before.deliveries[d.id];
            // Only a pending delivery is due again, and one just (re)scheduled never in the past; a finished one stays finished.
            if (d.status === 'pending' && d !== was) expect(d.nextAttemptAt).toBeGreaterThanOrEqual(now);
            if (d.status !== 'pending') expect(d.nextAttemptAt).toBeUndefined();
            if (was && was.status !== 'pending') expect(d).toBe(was);
            // A deleted webhook has nothing left pending.
            if (!next.webhooks[d.webhookId]) expect(d.status === 'pending' && was?.status === 'pending' && cmd.type === 'webhook.delete').toBe(false);
          }
          if (cmd.type === 'delivery.attempted' && cmd.outcome.error === undefined) expect(next.deliveries[cmd.id]!.status).toBe('delivered');
          // Only admin commands write the log.
          if (['rate.take', 'usage.add', 'key.use', 'idempotency.check', 'idempotency.remember', 'deliveries.enqueue', 'delivery.attempted'].includes(cmd.type)) expect(r.value.events).toEqual([]);
          state = next;
        }
      }),
      { numRuns: 300 },
    );
  });

  it('a remembered answer replays for the same input, conflicts for other input, and is forgotten after 24 h', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.integer({ min: 0, max: 2 * IDEMPOTENCY_WINDOW_MS }), (h1, h2, later) => {
        const env = (now: number): WorkspaceEnv => ({ now, newId: () => 'x', allowPrivateTargets: false });
        const remembered = executeWorkspace(start(), { type: 'idempotency.remember', principal: 'p', key: 'k', requestHash: h1, value: { v: 1 } }, env(0));
        if (!remembered.ok) throw new Error('remember failed');
        const r = executeWorkspace(remembered.value.state, { type: 'idempotency.check', principal: 'p', key: 'k', requestHash: h2 }, env(later));
        if (later >= IDEMPOTENCY_WINDOW_MS) {
          expect(r.ok && r.value.verdict).toEqual({ kind: 'fresh' });
          expect(r.ok && r.value.state.idempotency[idempotencySlot('p', 'k')]).toBeUndefined();
        } else if (h1 === h2) expect(r.ok && r.value.verdict).toEqual({ kind: 'replay', response: '{"v":1}' });
        else expect(!r.ok && r.error.code).toBe('CONFLICT');
      }),
    );
  });

  it('never lets more calls through than the burst plus the refill, and says when to retry', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.constantFrom(1, 2, 10), fc.array(fc.nat(700), { minLength: 1, maxLength: 40 }), (burst, rate, gaps) => {
        let state: WorkspaceState = { ...start(), settings: { ...start().settings, limits: { perKey: { ratePerSecond: rate, burst }, perWorkspace: { ratePerSecond: 1000, burst: 1000 } } } };
        let now = 0;
        let passed = 0;
        for (const gap of gaps) {
          now += gap;
          const r = executeWorkspace(state, { type: 'rate.take', keyId: 'k' }, { now, newId: () => 'x', allowPrivateTargets: false });
          if (r.ok) {
            passed++;
            state = r.value.state;
          } else {
            expect(r.error).toMatchObject({ code: 'TOO_MANY_REQUESTS', reason: 'rate_limited' });
            expect(r.error.retryAfterMs).toBeGreaterThan(0);
          }
        }
        expect(passed).toBeLessThanOrEqual(burst + Math.floor((now / 1000) * rate) + 1);
      }),
    );
  });

  it('an answer with a secret is stored without it, and a leak throws rather than store it readable', () => {
    const env: WorkspaceEnv = { now: 0, newId: () => 'x', allowPrivateTargets: false };
    const secret = { field: 'key', value: 'gl_ws_SECRET', sealed: 'box', hidden: ['SECRET'] };
    const r = executeWorkspace(start(), { type: 'idempotency.remember', principal: 'p', key: 'k', requestHash: 'h', value: { key: 'gl_ws_SECRET', id: 'k1' }, secret }, env);
    expect(r.ok && r.value.state.idempotency[idempotencySlot('p', 'k')]).toEqual({ requestHash: 'h', response: '{"id":"k1"}', sealed: { field: 'key', box: 'box' }, createdAt: 0 });
    expect(() => executeWorkspace(start(), { type: 'idempotency.remember', principal: 'p', key: 'k', requestHash: 'h', value: { key: 'gl_ws_SECRET', note: 'SECRET' }, secret }, env)).toThrow(
      /secret/,
    );
  });

  it('refuses to revoke the last live admin key, and revokes any other once', () => {
    const env: WorkspaceEnv = { now: 5, newId: () => 'x', allowPrivateTargets: false };
    const last = executeWorkspace(start(), { type: 'key.revoke', id: 'root' }, env);
    expect(!last.ok && last.error).toMatchObject({ code: 'CONFLICT', reason: 'last_admin' });
    const added = executeWorkspace(start(), { type: 'key.create', id: 'k2', principal: 'bob', role: 'admin', secretHash: 'h2' }, env);
    if (!added.ok) throw new Error('create failed');
    const revoked = executeWorkspace(added.value.state, { type: 'key.revoke', id: 'root' }, env);
    expect(revoked.ok && revoked.value.events).toEqual([{ type: 'key.revoked', data: { id: 'root', principal: 'admin' } }]);
    const again = revoked.ok ? executeWorkspace(revoked.value.state, { type: 'key.revoke', id: 'root' }, { ...env, now: 9 }) : undefined;
    expect(again?.ok && again.value.events).toEqual([]);
    expect(again?.ok && again.value.state.keys.root!.revokedAt).toBe(5);
  });
});
