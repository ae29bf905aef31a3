/**
 * The workspace aggregate's one way in: `executeWorkspace(state, command, env)` answers the next
 * state and the events to append, or a typed error that changes nothing. Every rule about
 * keys, policy versions, limits, webhooks, deliveries, idempotency, rate limits and usage
 * lives here; the Durable Object only loads, calls and stores.
 */
import { fail, ok, type Result } from '../result.ts';
import { addUsage, principalClash } from '../schemas/common.ts';
import type { NewEvent } from '../schemas/event.ts';
import { takeToken } from '../ratelimit.ts';
import { checkWebhookTarget } from '../webhook-target.ts';
import { nextAttemptDelay, webhookBody, webhookEventOf, WEBHOOK_MAX_ATTEMPTS } from '../webhooks.ts';
import { IDEMPOTENCY_WINDOW_MS } from '../limits.ts';
import { fillStoredRisks } from '../risk-stored.ts';
import { idempotencySlot, type DeliveryRecord, type IdempotencyRecord, type WorkspaceCommand, type WorkspaceEnv, type WorkspaceState } from './state.ts';

/** Before an idempotent mutation: `fresh` (go ahead) or `replay` with the first answer. A conflict is an error. */
export type IdempotencyVerdict = { kind: 'fresh' } | { kind: 'replay'; response: string; sealed?: { field: string; box: string } };

export type WorkspaceExecuted = {
  state: WorkspaceState;
  events: NewEvent[];
  /** Only for idempotency.check. */
  verdict?: IdempotencyVerdict;
};

/** How long a key's lastUsedAt may lag: reads do not each cost a write. */
export const KEY_USE_RESOLUTION_MS = 60_000;

/** When an idempotency record stops counting (epoch ms): the alarm prunes it then. */
export const idempotencyExpiry = (createdAt: number): number => createdAt + IDEMPOTENCY_WINDOW_MS;

/** The audit log names a webhook target by its origin only: every key may read the log, and a URL's path can be a credential (a Slack incoming webhook's is). */
const originOf = (url: string): string => `${new URL(url).origin}/…`;

const done = (state: WorkspaceState, events: NewEvent[] = []): Result<WorkspaceExecuted> => ok({ state, events });

/**
 * Apply one command. Errors (codes and reasons):
 * - key.create: BAD_REQUEST when the principal reads as an existing one but is not it; CONFLICT for a used id.
 * - key.revoke: NOT_FOUND; CONFLICT `last_admin` for the last live admin key (nothing could manage the workspace after it).
 * - rate.take: TOO_MANY_REQUESTS `rate_limited` with retryAfterMs.
 * - webhook.create: BAD_REQUEST `refused_target` (checkWebhookTarget), CONFLICT for a used id; webhook.delete: NOT_FOUND.
 * - idempotency.check: CONFLICT when the key was used with other input in the last 24 h.
 * - delivery.attempted: NOT_FOUND for an unknown or no longer pending delivery.
 */
export function executeWorkspace(state: WorkspaceState, command: WorkspaceCommand, env: WorkspaceEnv): Result<WorkspaceExecuted> {
  const { settings } = state;
  switch (command.type) {
    case 'key.create': {
      // Ids are fresh UUIDs; a reused one would overwrite (and could un-revoke) a key.
      if (state.keys[command.id]) return fail('CONFLICT', `key ${command.id} already exists`);
      const clash = principalClash(command.principal, new Set(Object.values(state.keys).map((k) => k.principal)));
      if (clash !== undefined) {
        return fail('BAD_REQUEST', `principal "${command.principal}" reads as the existing "${clash}" but is not it: use "${clash}" for the same person, or a clearly different name`, {
          issues: [{ path: ['principal'], message: `reads as the existing principal "${clash}"` }],
        });
      }
      const key = { id: command.id, principal: command.principal, role: command.role, createdAt: env.now, secretHash: command.secretHash };
      return done({ ...state, keys: { ...state.keys, [key.id]: key } }, [{ type: 'key.created', data: { id: key.id, principal: key.principal, role: key.role } }]);
    }
    case 'key.revoke': {
      const key = state.keys[command.id];
      const liveAdmins = Object.values(state.keys).filter((k) => k.role === 'admin' && k.revokedAt === undefined);
      if (liveAdmins.length === 1 && liveAdmins[0]!.id === command.id) {
        return fail('CONFLICT', `key ${command.id} is the workspace's last admin key: create another admin key first, then revoke this one`, { reason: 'last_admin' });
      }
      if (!key) return fail('NOT_FOUND', `key ${command.id} not found`);
      // Idempotent: a revoked key stays revoked at its first time, with no second event.
      if (key.revokedAt !== undefined) return done(state);
      return done({ ...state, keys: { ...state.keys, [key.id]: { ...key, revokedAt: env.now } } }, [{ type: 'key.revoked', data: { id: key.id, principal: key.principal } }]);
    }
    case 'key.use': {
      const key = state.keys[command.id];
      if (!key) return fail('NOT_FOUND', `key ${command.id} not found`);
      if (key.lastUsedAt !== undefined && env.now - key.lastUsedAt < KEY_USE_RESOLUTION_MS) return done(state);
      return done({ ...state, keys: { ...state.keys, [key.id]: { ...key, lastUsedAt: env.now } } });
    }
    case 'policy.set': {
      const policyVersion = settings.policyVersion + 1;
      return done({ ...state, settings: { ...settings, policy: command.policy, policyVersion } }, [{ type: 'policy.set', data: { version: policyVersion, policy: command.policy } }]);
    }
    case 'limits.set':
      return done({ ...state, settings: { ...settings, limits: command.limits } }, [{ type: 'limits.set', data: { limits: command.limits } }]);
    case 'usage.add':
      return done({ ...state, settings: { ...settings, usage: addUsage(settings.usage, command.delta) } });
    case 'rate.take': {
      const mine = takeToken(state.buckets[command.keyId], settings.limits.perKey, env.now);
      const all = takeToken(state.buckets['*'], settings.limits.perWorkspace, env.now);
      if (!mine.ok || !all.ok) {
        const retryAfterMs = Math.max(mine.retryAfterMs, all.retryAfterMs);
        const which = mine.ok ? 'this workspace' : 'this key';
        return fail('TOO_MANY_REQUESTS', `rate limit for ${which} reached: retry in ${Math.ceil(retryAfterMs / 1000)} s`, { reason: 'rate_limited', retryAfterMs });
      }
      return done({ ...state, buckets: { ...state.buckets, [command.keyId]: mine.bucket, '*': all.bucket } });
    }
    case 'webhook.create': {
      if (state.webhooks[command.id]) return fail('CONFLICT', `webhook ${command.id} already exists`);
      const target = checkWebhookTarget(command.url, { allowPrivate: env.allowPrivateTargets });
      if (!target.ok) {
        const hint = env.allowPrivateTargets ? '' : ' (webhook targets must be public; a deployment allows private ones with WEBHOOK_ALLOW_PRIVATE=true, as local development does)';
        return fail('BAD_REQUEST', `webhook url refused: ${target.reason}${hint}`, { reason: 'refused_target', issues: [{ path: ['url'], message: target.reason }] });
      }
      const hook = { id: command.id, url: target.url, events: command.events, format: command.format, createdAt: env.now, sealedSecret: command.sealedSecret };
      return done({ ...state, webhooks: { ...state.webhooks, [hook.id]: hook } }, [
        { type: 'webhook.created', data: { id: hook.id, url: originOf(hook.url), events: hook.events, format: hook.format } },
      ]);
    }
    case 'webhook.delete': {
      if (!state.webhooks[command.id]) return fail('NOT_FOUND', `webhook ${command.id} not found`);
      const { [command.id]: _gone, ...webhooks } = state.webhooks;
      // Its pending deliveries fail at once: there is nothing left to send them to.
      const deliveries = mapValues(state.deliveries, (d) => (d.webhookId === command.id && d.status === 'pending' ? withoutNext({ ...d, status: 'failed', lastError: 'webhook deleted' }) : d));
      return done({ ...state, webhooks, deliveries }, [{ type: 'webhook.deleted', data: { id: command.id } }]);
    }
    case 'deliveries.enqueue': {
      const added: Record<string, DeliveryRecord> = {};
      const hooks = Object.values(state.webhooks);
      for (const event of command.events) {
        const kind = webhookEventOf(event);
        if (!kind) continue;
        for (const hook of hooks) {
          if (!hook.events.includes(kind)) continue;
          const id = env.newId();
          const body = JSON.stringify(webhookBody(hook.format, settings.id, kind, event, id, command.chainHead));
          added[id] = { id, webhookId: hook.id, eventSeq: event.seq, event: kind, status: 'pending', attempts: 0, nextAttemptAt: env.now, createdAt: env.now, body };
        }
      }
      return done({ ...state, deliveries: { ...state.deliveries, ...added } });
    }
    case 'delivery.attempted': {
      const d = state.deliveries[command.id];
      if (!d || d.status !== 'pending') return fail('NOT_FOUND', `pending delivery ${command.id} not found`);
      const { status, error, refused } = command.outcome;
      // A refused target was never contacted: that is no attempt, and it would be refused again.
      const attempts = refused ? d.attempts : d.attempts + 1;
      const last = status !== undefined ? { lastStatus: status } : {};
      let next: DeliveryRecord;
      if (error === undefined) {
        next = withoutNext({ ...stripLast(d), ...last, status: 'delivered', attempts, deliveredAt: env.now });
      } else if (refused || attempts >= WEBHOOK_MAX_ATTEMPTS) {
        next = withoutNext({ ...stripLast(d), ...last, status: 'failed', attempts, lastError: error });
      } else {
        next = { ...stripLast(d), ...last, attempts, lastError: error, nextAttemptAt: env.now + nextAttemptDelay(attempts, command.retryBaseMs, command.random) };
      }
      return done({ ...state, deliveries: { ...state.deliveries, [d.id]: next } });
    }
    case 'idempotency.check': {
      const slot = idempotencySlot(command.principal, command.key);
      const prior = state.idempotency[slot];
      if (!prior) return ok({ state, events: [], verdict: { kind: 'fresh' } });
      if (idempotencyExpiry(prior.createdAt) <= env.now) {
        // Past its window the record counts as none, and goes.
        const { [slot]: _expired, ...idempotency } = state.idempotency;
        return ok({ state: { ...state, idempotency }, events: [], verdict: { kind: 'fresh' } });
      }
      if (prior.requestHash !== command.requestHash) return fail('CONFLICT', `idempotency key ${command.key} was already used with other input`);
      return ok({ state, events: [], verdict: { kind: 'replay', response: prior.response, ...(prior.sealed ? { sealed: prior.sealed } : {}) } });
    }
    case 'idempotency.remember': {
      const record = rememberable(command);
      return done({ ...state, idempotency: { ...state.idempotency, [idempotencySlot(command.principal, command.key)]: { ...record, createdAt: env.now } } });
    }
  }
}

/**
 * The stored form of an answer: a secret field is left out and kept only sealed. Throws
 * (the call rolls back) if the secret would still be readable anywhere in it: a bug, not a caller's mistake.
 */
function rememberable(c: Extract<WorkspaceCommand, { type: 'idempotency.remember' }>): Omit<IdempotencyRecord, 'createdAt'> {
  let stored = c.value;
  if (c.secret) {
    if (typeof c.value !== 'object' || c.value === null || !(c.secret.field in c.value)) throw new Error(`answer has no secret field ${c.secret.field}`);
    const { [c.secret.field]: _secret, ...rest } = c.value as Record<string, unknown>;
    stored = rest;
  }
  const response = JSON.stringify(stored);
  if (c.secret && [c.secret.value, ...(c.secret.hidden ?? [])].some((s) => response.includes(s))) throw new Error('refusing to store a secret readable in an idempotency record');
  return { requestHash: c.requestHash, response, ...(c.secret ? { sealed: { field: c.secret.field, box: c.secret.sealed } } : {}) };
}

function withoutNext(d: DeliveryRecord): DeliveryRecord {
  const { nextAttemptAt: _next, ...rest } = d;
  return rest;
}

function stripLast(d: DeliveryRecord): DeliveryRecord {
  const { lastStatus: _s, lastError: _e, ...rest } = d;
  return rest;
}

function mapValues<V>(o: Readonly<Record<string, V>>, f: (v: V) => V): Record<string, V> {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, f(v)]));
}

/**
 * The remembered answer, with its secret put back when the caller could open it. Steps in
 * an answer remembered before risks existed get theirs (fillStoredRisks), so the replay
 * passes the output check instead of failing as a 500.
 */
export function replayedAnswer<T>(response: string, secret?: { field: string; value: string }): T {
  const value = fillStoredRisks(JSON.parse(response)) as Record<string, unknown>;
  return (secret ? { ...value, [secret.field]: secret.value } : value) as T;
}
