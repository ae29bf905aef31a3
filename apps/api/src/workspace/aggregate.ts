/**
 * The shell around core's workspace aggregate: load the slices a command reads, run
 * `execute`, store what changed. Records are compared by identity (execute copies what
 * it changes and keeps the rest), so a save writes only the rows a command touched.
 * Runs inside the caller's transaction, or as one synchronous step (no await inside).
 */
import {
  emptyWorkspaceState,
  executeWorkspace,
  readsOf,
  type DeliveryRecord,
  type WorkspaceExecuted,
  type IdempotencyRecord,
  type KeyRecord,
  type Result,
  type WebhookEvent,
  type WebhookFormat,
  type WebhookRecord,
  type WorkspaceCommand,
  type WorkspaceSlice,
  type WorkspaceEnv,
  type WorkspaceState,
} from '@greenlight/core';
import { writeMeta, type WorkspaceMeta } from './meta.ts';
import { sealedKid } from './seal.ts';
import { sqlTag } from './sql.ts';

type KeyRow = { id: string; principal: string; role: string; secret_hash: string; created_at: number; revoked_at: number | null; last_used_at: number | null };
type WebhookRow = { id: string; url: string; events: string; format: string; secret: string; created_at: number };
export type DeliveryRow = {
  id: string;
  webhook_id: string;
  event_seq: number;
  event: string;
  body: string;
  status: string;
  attempts: number;
  next_attempt_at: number | null;
  last_status: number | null;
  last_error: string | null;
  created_at: number;
  delivered_at: number | null;
};
type IdemRow = { principal: string; key: string; request_hash: string; response: string; sealed_field: string | null; sealed: string | null; created_at: number };

const byId = <T extends { id: string }>(items: T[]): Record<string, T> => Object.fromEntries(items.map((i) => [i.id, i]));

export const keyRecord = (r: KeyRow): KeyRecord => ({
  id: r.id,
  principal: r.principal,
  role: r.role as KeyRecord['role'],
  createdAt: r.created_at,
  secretHash: r.secret_hash,
  ...(r.revoked_at !== null ? { revokedAt: r.revoked_at } : {}),
  ...(r.last_used_at !== null ? { lastUsedAt: r.last_used_at } : {}),
});

const webhookRecord = (r: WebhookRow): WebhookRecord => ({
  id: r.id,
  url: r.url,
  events: JSON.parse(r.events) as WebhookEvent[],
  format: r.format as WebhookFormat,
  createdAt: r.created_at,
  sealedSecret: r.secret,
});

export const deliveryRecord = (r: DeliveryRow): DeliveryRecord => ({
  id: r.id,
  webhookId: r.webhook_id,
  eventSeq: r.event_seq,
  event: r.event as WebhookEvent,
  status: r.status as DeliveryRecord['status'],
  attempts: r.attempts,
  createdAt: r.created_at,
  body: r.body,
  ...(r.next_attempt_at !== null && r.status === 'pending' ? { nextAttemptAt: r.next_attempt_at } : {}),
  ...(r.last_status !== null ? { lastStatus: r.last_status } : {}),
  ...(r.last_error !== null ? { lastError: r.last_error } : {}),
  ...(r.delivered_at !== null ? { deliveredAt: r.delivered_at } : {}),
});

/** Slices the caller already holds (the limiter's buckets, the key it just authenticated): not read again. */
export type Given = Partial<Pick<WorkspaceState, WorkspaceSlice>>;

/** The state a command reads: settings (and, once read, all the webhooks) from the cached meta, the named slices from SQLite, buckets from memory. */
export function loadState(sql: SqlStorage, meta: WorkspaceMeta, command: WorkspaceCommand, given: Given = {}): WorkspaceState {
  const { id, policy, policyVersion, limits, usage } = meta;
  const state = { ...emptyWorkspaceState({ id, policy, policyVersion, limits, usage }), ...given };
  const q = sqlTag(sql);
  for (const slice of readsOf(command)) {
    if (slice in given) continue;
    if (slice === 'keys') {
      const rows = command.type === 'key.use' ? q<KeyRow>`SELECT * FROM keys WHERE id = ${command.id}` : q<KeyRow>`SELECT * FROM keys`;
      state.keys = byId(rows.map(keyRecord));
    }
    if (slice === 'webhooks') {
      // One webhook by id for its own create/delete; all of them (read once, then the meta's copy) for deliveries.enqueue.
      state.webhooks =
        command.type === 'webhook.delete' || command.type === 'webhook.create'
          ? byId(q<WebhookRow>`SELECT * FROM webhooks WHERE id = ${command.id}`.map(webhookRecord))
          : (meta.webhooks ??= byId(q<WebhookRow>`SELECT * FROM webhooks`.map(webhookRecord)));
    }
    if (slice === 'deliveries') {
      const rows =
        command.type === 'webhook.delete'
          ? q<DeliveryRow>`SELECT * FROM deliveries WHERE webhook_id = ${command.id} AND status = 'pending'`
          : command.type === 'delivery.attempted'
            ? q<DeliveryRow>`SELECT * FROM deliveries WHERE id = ${command.id}`
            : [];
      state.deliveries = byId(rows.map(deliveryRecord));
    }
    if (slice === 'idempotency' && (command.type === 'idempotency.check' || command.type === 'idempotency.remember')) {
      const row = q<IdemRow>`SELECT * FROM idempotency WHERE principal = ${command.principal} AND key = ${command.key}`[0];
      if (row) state.idempotency = { [`${row.principal}\u0000${row.key}`]: idemRecord(row) };
    }
  }
  return state;
}

const idemRecord = (r: IdemRow): IdempotencyRecord => ({
  requestHash: r.request_hash,
  response: r.response,
  createdAt: r.created_at,
  ...(r.sealed_field !== null && r.sealed !== null ? { sealed: { field: r.sealed_field, box: r.sealed } } : {}),
});

/** Write what execute changed; settings and webhooks also go into the object's cached meta, so the copy never differs from storage. */
export function saveState(sql: SqlStorage, meta: WorkspaceMeta, before: WorkspaceState, after: WorkspaceState): void {
  const q = sqlTag(sql);
  const s = after.settings;
  if (s.policy !== before.settings.policy || s.policyVersion !== before.settings.policyVersion) {
    writeMeta(sql, 'policy', { policy: s.policy, policyVersion: s.policyVersion });
  }
  if (s.usage !== before.settings.usage) writeMeta(sql, 'usage', s.usage);
  if (s.limits !== before.settings.limits) writeMeta(sql, 'limits', s.limits);
  Object.assign(meta, { policy: s.policy, policyVersion: s.policyVersion, usage: s.usage, limits: s.limits });
  for (const k of changed(before.keys, after.keys)) {
    q`INSERT INTO keys (id, principal, role, secret_hash, created_at, revoked_at, last_used_at)
      VALUES (${k.id}, ${k.principal}, ${k.role}, ${k.secretHash}, ${k.createdAt}, ${k.revokedAt ?? null}, ${k.lastUsedAt ?? null})
      ON CONFLICT (id) DO UPDATE SET revoked_at = excluded.revoked_at, last_used_at = excluded.last_used_at`;
  }
  for (const w of changed(before.webhooks, after.webhooks)) {
    if (sealedKid(w.sealedSecret) === undefined) throw new Error('a webhook secret must be stored sealed');
    q`INSERT INTO webhooks (id, url, events, format, secret, created_at)
      VALUES (${w.id}, ${w.url}, ${JSON.stringify(w.events)}, ${w.format}, ${w.sealedSecret}, ${w.createdAt})`;
  }
  for (const id of removed(before.webhooks, after.webhooks)) q`DELETE FROM webhooks WHERE id = ${id}`;
  if (meta.webhooks && after.webhooks !== before.webhooks) meta.webhooks = patched(meta.webhooks, before.webhooks, after.webhooks);
  for (const d of changed(before.deliveries, after.deliveries)) {
    q`INSERT INTO deliveries (id, webhook_id, event_seq, event, body, status, attempts, next_attempt_at, last_status, last_error, created_at, delivered_at)
      VALUES (${d.id}, ${d.webhookId}, ${d.eventSeq}, ${d.event}, ${d.body}, ${d.status}, ${d.attempts}, ${d.nextAttemptAt ?? null},
              ${d.lastStatus ?? null}, ${d.lastError ?? null}, ${d.createdAt}, ${d.deliveredAt ?? null})
      ON CONFLICT (id) DO UPDATE SET status = excluded.status, attempts = excluded.attempts, next_attempt_at = excluded.next_attempt_at,
        last_status = excluded.last_status, last_error = excluded.last_error, delivered_at = excluded.delivered_at`;
  }
  for (const slot of removed(before.idempotency, after.idempotency)) {
    const [principal = '', key = ''] = slot.split('\u0000');
    q`DELETE FROM idempotency WHERE principal = ${principal} AND key = ${key}`;
  }
  for (const [slot, r] of Object.entries(after.idempotency)) {
    if (before.idempotency[slot] === r) continue;
    const [principal = '', key = ''] = slot.split('\u0000');
    q`INSERT OR REPLACE INTO idempotency (principal, key, request_hash, response, sealed_field, sealed, created_at)
      VALUES (${principal}, ${key}, ${r.requestHash}, ${r.response}, ${r.sealed?.field ?? null}, ${r.sealed?.box ?? null}, ${r.createdAt})`;
  }
}

const changed = <T>(before: Readonly<Record<string, T>>, after: Readonly<Record<string, T>>): T[] =>
  Object.entries(after)
    .filter(([id, v]) => before[id] !== v)
    .map(([, v]) => v);
const removed = <T>(before: Readonly<Record<string, T>>, after: Readonly<Record<string, T>>): string[] => Object.keys(before).filter((id) => !(id in after));
/** `all` with what changed between `before` and `after` (which may hold only some of its records) applied: a new object, `all` untouched. */
const patched = <T extends { id: string }>(all: Readonly<Record<string, T>>, before: Readonly<Record<string, T>>, after: Readonly<Record<string, T>>): Record<string, T> => {
  const next = { ...all };
  for (const v of changed(before, after)) next[v.id] = v;
  for (const id of removed(before, after)) delete next[id];
  return next;
};

/**
 * Load, executeWorkspace, save: one workspace command against storage. The caller appends the
 * answered events (Tx.run does). `buckets` are the limiter's, kept in memory.
 */
export function runCommand(sql: SqlStorage, meta: WorkspaceMeta, command: WorkspaceCommand, env: WorkspaceEnv, given?: Given): Result<WorkspaceExecuted> {
  const before = loadState(sql, meta, command, given);
  const r = executeWorkspace(before, command, env);
  if (r.ok) saveState(sql, meta, before, r.value.state);
  return r;
}
