/**
 * Idempotency records: a mutation's first answer, remembered per (principal, key) for
 * IDEMPOTENCY_WINDOW_MS (24 h), replayed to a repeat with the same input, then pruned
 * by the alarm. An answer that carries a secret (a new key, a webhook's signing secret)
 * is stored without it: the secret is kept only sealed under the caller's own
 * credential (seal.ts), so the SQLite files never hold it readable and only the caller
 * that made the first call can have it again.
 */
import { fillStoredRisks, IDEMPOTENCY_WINDOW_MS } from '@greenlight/core';

/**
 * The secret in an answer: the top-level field that holds it, its value, its sealed
 * form, and any other string (a key's bare secret part) that must not be stored either.
 */
export type AnswerSecret = { field: string; value: string; sealed: string; hidden?: string[] };

export type Prior =
  | { kind: 'none' }
  | { kind: 'conflict' }
  | { kind: 'replay'; response: string; sealed?: { field: string; box: string } };

type Row = { request_hash: string; response: string; sealed_field: string | null; sealed: string | null; created_at: number };

/** The live record for (principal, key), if any; an expired one is dropped here and counts as none. */
export function findPrior(sql: SqlStorage, principal: string, key: string, requestHash: string, now: number): Prior {
  const row = sql
    .exec<Row>(`SELECT request_hash, response, sealed_field, sealed, created_at FROM idempotency WHERE principal = ? AND key = ?`, principal, key)
    .toArray()[0];
  if (!row) return { kind: 'none' };
  if (row.created_at <= now - IDEMPOTENCY_WINDOW_MS) {
    sql.exec(`DELETE FROM idempotency WHERE principal = ? AND key = ?`, principal, key);
    return { kind: 'none' };
  }
  if (row.request_hash !== requestHash) return { kind: 'conflict' };
  return { kind: 'replay', response: row.response, ...(row.sealed_field !== null && row.sealed !== null ? { sealed: { field: row.sealed_field, box: row.sealed } } : {}) };
}

/**
 * Remember an answer. With `secret`, its field is left out of the stored JSON and kept
 * only sealed; if the secret would still appear anywhere in what is stored, this throws
 * (the call rolls back) rather than write it readable.
 */
export function remember(sql: SqlStorage, principal: string, key: string, requestHash: string, value: unknown, now: number, secret?: AnswerSecret): void {
  let stored = value;
  if (secret) {
    if (typeof value !== 'object' || value === null || !(secret.field in value)) throw new Error(`answer has no secret field ${secret.field}`);
    const { [secret.field]: _secret, ...rest } = value as Record<string, unknown>;
    stored = rest;
  }
  const json = JSON.stringify(stored);
  if (secret && [secret.value, ...(secret.hidden ?? [])].some((s) => json.includes(s))) throw new Error('refusing to store a secret readable in an idempotency record');
  sql.exec(
    `INSERT INTO idempotency (principal, key, request_hash, response, sealed_field, sealed, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
    principal, key, requestHash, json, secret?.field ?? null, secret?.sealed ?? null, now,
  );
}

/**
 * The remembered answer, with its secret put back when the caller could open it. Steps in
 * an answer remembered before risks existed get theirs (core fillStoredRisks), so the
 * replay passes the output check instead of failing as a 500.
 */
export function replayed<T>(response: string, secret?: { field: string; value: string }): T {
  const value = fillStoredRisks(JSON.parse(response)) as Record<string, unknown>;
  return (secret ? { ...value, [secret.field]: secret.value } : value) as T;
}

/** Drop every record older than the window (by the created_at index). */
export function pruneIdempotency(sql: SqlStorage, now: number): void {
  sql.exec(`DELETE FROM idempotency WHERE created_at <= ?`, now - IDEMPOTENCY_WINDOW_MS);
}

/** When the oldest record expires (epoch ms), for the alarm; undefined when there is none. */
export function earliestIdempotencyExpiry(sql: SqlStorage): number | undefined {
  const t = sql.exec<{ t: number | null }>(`SELECT MIN(created_at) AS t FROM idempotency`).one().t;
  return t === null ? undefined : t + IDEMPOTENCY_WINDOW_MS;
}
