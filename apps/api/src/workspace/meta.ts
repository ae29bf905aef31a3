/**
 * The workspace's own settings, one JSON value per key in `meta`. Reads go through
 * core's schemas, once, when the object loads them (the pipeline caches the result): a
 * value stored by an older build gets today's defaults for what it lacks (migration 9
 * rewrote the stored ones), and a value that no schema accepts is an error naming its key,
 * never a half-typed object.
 */
import { z } from 'zod';
import { DEFAULT_POLICY, DEFAULT_RATE_LIMITS, Policy, RateLimits, Usage, ZERO_USAGE, type WebhookRecord } from '@greenlight/core';

export type WorkspaceMeta = {
  id: string;
  name: string;
  createdAt: number;
  policy: Policy;
  policyVersion: number;
  usage: Usage;
  limits: RateLimits;
  /**
   * Every webhook, by id, once a call has read them all (deliveries.enqueue, after each
   * append) and kept in step by saveState, as the settings are; undefined until then.
   * Not stored under meta: the rows stay in `webhooks`, this only spares re-reading them.
   */
  webhooks?: Record<string, WebhookRecord>;
};

/** Each meta key's stored shape: core's schemas, so the stored JSON and the API agree on one definition. */
export const STORED_META = {
  workspace: z.object({ id: z.string(), name: z.string(), createdAt: z.number().int() }),
  policy: z.object({ policy: Policy, policyVersion: z.number().int().min(1) }),
  usage: Usage,
  limits: RateLimits,
} as const;
export type MetaKey = keyof typeof STORED_META;

/** One stored value through its schema; throws naming the key when it is not JSON or not of its shape. */
export function readStored<K extends MetaKey>(key: K, text: string): z.infer<(typeof STORED_META)[K]> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`workspace meta "${key}" is not JSON`);
  }
  const parsed = STORED_META[key].safeParse(json);
  if (!parsed.success) throw new Error(`workspace meta "${key}" is not of its stored shape: ${z.prettifyError(parsed.error)}`);
  return parsed.data as z.infer<(typeof STORED_META)[K]>;
}

export function readMeta(sql: SqlStorage): WorkspaceMeta | undefined {
  const rows = sql.exec<{ key: string; value: string }>(`SELECT key, value FROM meta WHERE key IN ('workspace', 'policy', 'usage', 'limits')`).toArray();
  const get = (k: MetaKey) => rows.find((r) => r.key === k)?.value;
  const ws = get('workspace');
  if (!ws) return undefined;
  const policy = get('policy');
  const usage = get('usage');
  const limits = get('limits');
  return {
    ...readStored('workspace', ws),
    ...(policy ? readStored('policy', policy) : { policy: DEFAULT_POLICY, policyVersion: 1 }),
    usage: usage ? readStored('usage', usage) : ZERO_USAGE,
    limits: limits ? readStored('limits', limits) : DEFAULT_RATE_LIMITS,
  };
}

export function writeMeta(sql: SqlStorage, key: MetaKey, value: unknown): void {
  sql.exec(`INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)`, key, JSON.stringify(value));
}

/**
 * Migration 9: rewrite every stored setting in today's shape (core's schemas fill what an
 * older build did not store: a policy without leaseSeconds, limits without perWorkspace,
 * usage without costUsd), so what is stored is what is read.
 */
export function upgradeStoredMeta(sql: SqlStorage): void {
  for (const key of ['policy', 'usage', 'limits'] as const) {
    const row = sql.exec<{ value: string }>(`SELECT value FROM meta WHERE key = ?`, key).toArray()[0];
    if (row) writeMeta(sql, key, readStored(key, row.value));
  }
}
