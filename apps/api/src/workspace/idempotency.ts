/**
 * Idempotency records: a mutation's first answer, remembered per (principal, key) for
 * IDEMPOTENCY_WINDOW_MS (24 h), replayed to a repeat with the same input, then pruned
 * by the alarm. The verdicts (replay, conflict, expired) and what may be stored are
 * core's `idempotency.check` / `idempotency.remember`; this holds the SQL the alarm
 * needs. An answer that carries a secret (a new key, a webhook's signing secret) is
 * stored without it: the secret is kept only sealed under the caller's own credential
 * (seal.ts), so the SQLite files never hold it readable.
 */
import { IDEMPOTENCY_WINDOW_MS } from '@greenlight/core';

/** Drop every record older than the window (by the created_at index). */
export function pruneIdempotency(sql: SqlStorage, now: number): void {
  sql.exec(`DELETE FROM idempotency WHERE created_at <= ?`, now - IDEMPOTENCY_WINDOW_MS);
}
