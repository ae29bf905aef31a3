/**
 * Passkeys and their challenges in the object's SQLite (migration 11): WebAuthn
 * credentials by principal, and single-use, short-lived challenges (for a registration,
 * or bound to one approval and paramsHash). Plain reads and writes; the flows that
 * verify and decide are in stepup.ts.
 */
import type { Passkey } from '@greenlight/core';

/** How long a challenge may be answered (ms): long enough to touch a key, short enough to be useless later. */
export const CHALLENGE_TTL_MS = 5 * 60_000;
/** Passkeys one principal may hold. */
export const PASSKEYS_PER_PRINCIPAL = 20;

type PasskeyRow = { id: string; principal: string; name: string; public_key: string; counter: number; transports: string; created_at: number; last_used_at: number | null };

/** A stored credential: what verification needs, and what a listing shows. */
export type StoredPasskey = Passkey & { publicKey: string; counter: number; transports: string[] };

const toPasskey = (r: PasskeyRow): StoredPasskey => ({
  id: r.id,
  principal: r.principal,
  name: r.name,
  createdAt: r.created_at,
  ...(r.last_used_at !== null ? { lastUsedAt: r.last_used_at } : {}),
  publicKey: r.public_key,
  counter: r.counter,
  transports: JSON.parse(r.transports) as string[],
});

/** The listing form: never the public key or counter. */
export const shown = (p: StoredPasskey): Passkey => ({ id: p.id, principal: p.principal, name: p.name, createdAt: p.createdAt, ...(p.lastUsedAt !== undefined ? { lastUsedAt: p.lastUsedAt } : {}) });

export const passkeysOf = (sql: SqlStorage, principal: string): StoredPasskey[] =>
  sql.exec<PasskeyRow>(`SELECT * FROM passkeys WHERE principal = ? ORDER BY created_at, id LIMIT ?`, principal, PASSKEYS_PER_PRINCIPAL).toArray().map(toPasskey);

export const findPasskey = (sql: SqlStorage, id: string): StoredPasskey | undefined => {
  const row = sql.exec<PasskeyRow>(`SELECT * FROM passkeys WHERE id = ?`, id).toArray()[0];
  return row ? toPasskey(row) : undefined;
};

export function insertPasskey(sql: SqlStorage, p: Omit<StoredPasskey, 'lastUsedAt'>): void {
  sql.exec(
    `INSERT INTO passkeys (id, principal, name, public_key, counter, transports, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
    p.id,
    p.principal,
    p.name,
    p.publicKey,
    p.counter,
    JSON.stringify(p.transports),
    p.createdAt,
  );
}

export const deletePasskey = (sql: SqlStorage, id: string): void => void sql.exec(`DELETE FROM passkeys WHERE id = ?`, id);

/** After a verified assertion: the authenticator's new signature counter, and when it was used. */
export const touchPasskey = (sql: SqlStorage, id: string, counter: number, now: number): void => void sql.exec(`UPDATE passkeys SET counter = ?, last_used_at = ? WHERE id = ?`, counter, now, id);

/** A challenge as stored: for a registration, or for a decision on one approval's paramsHash. */
export type Challenge = { challenge: string; principal: string; expiresAt: number } & ({ purpose: 'register' } | { purpose: 'decide'; approvalId: string; paramsHash: string });

type ChallengeRow = { challenge: string; purpose: string; principal: string; approval_id: string | null; params_hash: string | null; expires_at: number };

/** Store a challenge; expired ones go at the same time, so the table holds only live ones. */
export function insertChallenge(sql: SqlStorage, c: Challenge, now: number): void {
  sql.exec(`DELETE FROM webauthn_challenges WHERE expires_at <= ?`, now);
  const bound = c.purpose === 'decide' ? [c.approvalId, c.paramsHash] : [null, null];
  sql.exec(
    `INSERT INTO webauthn_challenges (challenge, purpose, principal, approval_id, params_hash, expires_at) VALUES (?, ?, ?, ?, ?, ?)`,
    c.challenge,
    c.purpose,
    c.principal,
    ...bound,
    c.expiresAt,
  );
}

/** A live challenge by its value, if any (read before verifying; consumeChallenge decides). */
export function findChallenge(sql: SqlStorage, challenge: string, now: number): Challenge | undefined {
  const r = sql.exec<ChallengeRow>(`SELECT * FROM webauthn_challenges WHERE challenge = ? AND expires_at > ?`, challenge, now).toArray()[0];
  if (!r) return undefined;
  const base = { challenge: r.challenge, principal: r.principal, expiresAt: r.expires_at };
  return r.purpose === 'decide' && r.approval_id !== null && r.params_hash !== null
    ? { ...base, purpose: 'decide', approvalId: r.approval_id, paramsHash: r.params_hash }
    : { ...base, purpose: 'register' };
}

/**
 * Use a challenge up: true only when it was live, for this purpose and principal (and,
 * for a decision, this approval and paramsHash); it is gone either way afterwards only
 * when it matched. Runs inside the call's transaction, so two uses cannot both succeed.
 */
export function consumeChallenge(sql: SqlStorage, c: Challenge, now: number): boolean {
  const cursor =
    c.purpose === 'decide'
      ? sql.exec(
          `DELETE FROM webauthn_challenges WHERE challenge = ? AND purpose = 'decide' AND principal = ? AND approval_id = ? AND params_hash = ? AND expires_at > ?`,
          c.challenge,
          c.principal,
          c.approvalId,
          c.paramsHash,
          now,
        )
      : sql.exec(`DELETE FROM webauthn_challenges WHERE challenge = ? AND purpose = 'register' AND principal = ? AND expires_at > ?`, c.challenge, c.principal, now);
  return cursor.rowsWritten === 1;
}
