/** The workspace's own settings, one JSON value per key in `meta`. */
import { DEFAULT_POLICY, DEFAULT_RATE_LIMITS, ZERO_USAGE, type Policy, type RateLimits, type Usage } from '@greenlight/core';

export type WorkspaceMeta = { id: string; name: string; createdAt: number; policy: Policy; policyVersion: number; usage: Usage; limits: RateLimits };

export function readMeta(sql: SqlStorage): WorkspaceMeta | undefined {
  const rows = sql.exec<{ key: string; value: string }>(`SELECT key, value FROM meta WHERE key IN ('workspace', 'policy', 'usage', 'limits')`).toArray();
  const get = (k: string) => rows.find((r) => r.key === k)?.value;
  const ws = get('workspace');
  if (!ws) return undefined;
  const policy = get('policy');
  const usage = get('usage');
  const limits = get('limits');
  return {
    ...(JSON.parse(ws) as { id: string; name: string; createdAt: number }),
    ...(policy ? (JSON.parse(policy) as { policy: Policy; policyVersion: number }) : { policy: DEFAULT_POLICY, policyVersion: 1 }),
    usage: usage ? (JSON.parse(usage) as Usage) : ZERO_USAGE,
    limits: limits ? (JSON.parse(limits) as RateLimits) : DEFAULT_RATE_LIMITS,
  };
}

export function writeMeta(sql: SqlStorage, key: 'workspace' | 'policy' | 'usage' | 'limits', value: unknown): void {
  sql.exec(`INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)`, key, JSON.stringify(value));
}
