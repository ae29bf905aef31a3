/**
 * The workspace aggregate's state and commands: everything about a workspace that is not
 * a task (keys, policy versions, limits, webhooks and their deliveries, idempotency
 * records, rate-limit buckets, usage totals). The state is plain data keyed by id; the
 * shell loads only the slices a command reads (`readsOf`), runs `execute`, and stores
 * the difference. Nothing here does I/O or reads a clock: `now` and ids come in `env`.
 */
import type { Policy } from '../schemas/policy.ts';
import type { Key } from '../schemas/workspace.ts';
import type { Usage } from '../schemas/common.ts';
import type { Delivery, Webhook } from '../schemas/webhook.ts';
import type { Event } from '../schemas/event.ts';
import type { Bucket, RateLimits } from '../ratelimit.ts';
import type { Role, WebhookEvent, WebhookFormat } from '../enums.ts';
import type { ChainHead } from '../audit/chain.ts';

/** The workspace's settings: one value each, always loaded. */
export type WorkspaceSettings = { id: string; policy: Policy; policyVersion: number; limits: RateLimits; usage: Usage };

/** A key as stored: its public record and the SHA-256 of its secret (the secret itself is never kept). */
export type KeyRecord = Key & { secretHash: string };

/** A webhook as stored: its signing secret only sealed under the data key. */
export type WebhookRecord = Webhook & { sealedSecret: string };

/** A queued notification: the public record plus the exact body it sends (signed byte for byte). */
export type DeliveryRecord = Delivery & { body: string };

/** A mutation's remembered first answer; `sealed` holds a secret field, sealed under the first caller's credential. */
export type IdempotencyRecord = { requestHash: string; response: string; sealed?: { field: string; box: string }; createdAt: number };

export type WorkspaceState = {
  settings: WorkspaceSettings;
  keys: Readonly<Record<string, KeyRecord>>;
  webhooks: Readonly<Record<string, WebhookRecord>>;
  deliveries: Readonly<Record<string, DeliveryRecord>>;
  /** By `idempotencySlot(principal, key)`. */
  idempotency: Readonly<Record<string, IdempotencyRecord>>;
  /** Token buckets by key id, and '*' for the whole workspace. Memory only: an eviction forgives. */
  buckets: Readonly<Record<string, Bucket>>;
};

/** The slices of WorkspaceState a shell may load partly; settings are always whole. */
export type WorkspaceSlice = Exclude<keyof WorkspaceState, 'settings'>;

/** A secret in an answer: its top-level field, its value, its sealed form, and other strings (a key's bare part) never to be stored. */
export type AnswerSecret = { field: string; value: string; sealed: string; hidden?: string[] };

/** What a delivery attempt came to: an HTTP status, an error, or a refused target (never contacted). */
export type AttemptOutcome = { status?: number; error?: string; refused?: true };

export type WorkspaceCommand =
  | { type: 'key.create'; id: string; principal: string; role: Role; secretHash: string }
  | { type: 'key.revoke'; id: string }
  /** A key was used: lastUsedAt moves at most once a minute, so reads do not each cost a write. */
  | { type: 'key.use'; id: string }
  | { type: 'policy.set'; policy: Policy }
  | { type: 'limits.set'; limits: RateLimits }
  | { type: 'usage.add'; delta: Usage }
  /** One procedure call takes a token from the key's bucket and the workspace's, both or neither. */
  | { type: 'rate.take'; keyId: string }
  | { type: 'webhook.create'; id: string; url: string; events: WebhookEvent[]; format: WebhookFormat; sealedSecret: string }
  | { type: 'webhook.delete'; id: string }
  /** Queue a delivery for every webhook that wants one of these (just appended) events. */
  | { type: 'deliveries.enqueue'; events: Event[]; chainHead?: ChainHead }
  /** Record one attempt's outcome: delivered, failed for good, or due again after a backoff (`random` in [0, 1) is its jitter). */
  | { type: 'delivery.attempted'; id: string; outcome: AttemptOutcome; retryBaseMs: number; random: number }
  /** Before a mutation with an idempotency key: replay, conflict, or go ahead. */
  | { type: 'idempotency.check'; principal: string; key: string; requestHash: string }
  /** After it: remember the answer (its secret field only sealed). */
  | { type: 'idempotency.remember'; principal: string; key: string; requestHash: string; value: unknown; secret?: AnswerSecret };

/** What execute needs from outside: the time (epoch ms), fresh ids, and whether private webhook targets are allowed (WEBHOOK_ALLOW_PRIVATE). */
export type WorkspaceEnv = { now: number; newId: () => string; allowPrivateTargets: boolean };

/** The idempotency slot of a (principal, key) pair: records are per principal, so one person's keys share them. */
export const idempotencySlot = (principal: string, key: string): string => `${principal}\u0000${key}`;

/**
 * Which slices a command reads and may change; execute sees nothing else (the rest may be
 * empty). Within a slice the shell may load only the records the command names: key.use
 * its key; webhook.create/delete their webhook; webhook.delete that webhook's pending
 * deliveries; delivery.attempted its delivery; idempotency.* their (principal, key) slot.
 * key.create and key.revoke need every key (principal look-alikes, the last admin), and
 * deliveries.enqueue every webhook.
 */
export function readsOf(command: WorkspaceCommand): WorkspaceSlice[] {
  switch (command.type) {
    case 'key.create':
    case 'key.revoke':
    case 'key.use':
      return ['keys'];
    case 'webhook.create':
      return ['webhooks'];
    case 'webhook.delete':
      return ['webhooks', 'deliveries'];
    case 'deliveries.enqueue':
      return ['webhooks'];
    case 'delivery.attempted':
      return ['deliveries'];
    case 'idempotency.check':
    case 'idempotency.remember':
      return ['idempotency'];
    case 'rate.take':
      return ['buckets'];
    case 'policy.set':
    case 'limits.set':
    case 'usage.add':
      return [];
  }
}

/** An empty state around settings: the shell fills the slices a command reads. */
export const emptyWorkspaceState = (settings: WorkspaceSettings): WorkspaceState => ({
  settings,
  keys: {},
  webhooks: {},
  deliveries: {},
  idempotency: {},
  buckets: {},
});
