/**
 * Sign-in sessions (OIDC, docs/sign-in.md): who signed in, with which role and strength,
 * until when. Like a key, a session's secret is stored only as its SHA-256, and the
 * lookup is by that hash. A session ends at its absolute expiry (SIGNIN_TTL_MS from
 * sign-in), after SIGNIN_IDLE_MS unused, or at sign-out; its secret is replaced every
 * SIGNIN_ROTATE_MS (the previous one still works SIGNIN_ROTATE_GRACE_MS, for requests
 * already in flight).
 */
import { SIGNIN_IDLE_MS, SIGNIN_ROTATE_GRACE_MS, SIGNIN_TTL_MS, type OidcSignIn, type Role } from '@greenlight/core';
import type { Caller } from './caller.ts';

type SignInRow = {
  id: string;
  secret_hash: string;
  prev_secret_hash: string | null;
  rotated_at: number;
  principal: string;
  email: string;
  role: string;
  auth_strength: string;
  groups: string;
  created_at: number;
  expires_at: number;
  last_seen_at: number;
  revoked_at: number | null;
};

/** A live session as the object keeps it. */
export type SignIn = OidcSignIn & { id: string; createdAt: number; expiresAt: number; rotatedAt: number; current: boolean };

const toSignIn = (r: SignInRow, secretHash: string): SignIn => ({
  id: r.id,
  principal: r.principal,
  email: r.email,
  role: r.role as Role,
  authStrength: r.auth_strength === 'mfa' ? 'mfa' : 'sso',
  groups: JSON.parse(r.groups) as string[],
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  rotatedAt: r.rotated_at,
  current: r.secret_hash === secretHash,
});

/** Start a session for a verified sign-in; the caller made the secret and hashed it. */
export function startSignIn(sql: SqlStorage, id: string, secretHash: string, who: OidcSignIn, now: number): SignIn {
  // Ended sessions are dropped as new ones start: the table holds live sessions and a day of ended ones.
  sql.exec(`DELETE FROM signins WHERE expires_at < ? OR revoked_at < ?`, now - 86_400_000, now - 86_400_000);
  const expiresAt = now + SIGNIN_TTL_MS;
  sql.exec(
    `INSERT INTO signins (id, secret_hash, prev_secret_hash, rotated_at, principal, email, role, auth_strength, groups, created_at, expires_at, last_seen_at, revoked_at)
     VALUES (?, ?, NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)`,
    id,
    secretHash,
    now,
    who.principal,
    who.email,
    who.role,
    who.authStrength,
    JSON.stringify(who.groups),
    now,
    expiresAt,
    now,
  );
  return { ...who, id, createdAt: now, expiresAt, rotatedAt: now, current: true };
}

/**
 * The live session whose current secret (or previous one, within the grace after a
 * rotation) hashes to `secretHash`, marked used now; undefined when there is none, or
 * it expired, idled out or was signed out.
 */
export function findSignIn(sql: SqlStorage, secretHash: string, now: number): SignIn | undefined {
  const row = sql
    .exec<SignInRow>(
      `SELECT * FROM signins
       WHERE (secret_hash = ? OR (prev_secret_hash = ? AND rotated_at > ?))
         AND revoked_at IS NULL AND expires_at > ? AND last_seen_at > ?`,
      secretHash,
      secretHash,
      now - SIGNIN_ROTATE_GRACE_MS,
      now,
      now - SIGNIN_IDLE_MS,
    )
    .toArray()[0];
  if (!row) return undefined;
  sql.exec(`UPDATE signins SET last_seen_at = ? WHERE id = ?`, now, row.id);
  return toSignIn(row, secretHash);
}

/** A live session by id (the live socket's ticket names it), not marked used. */
export function liveSignInById(sql: SqlStorage, id: string, now: number): { id: string; principal: string } | undefined {
  return sql
    .exec<{ id: string; principal: string }>(`SELECT id, principal FROM signins WHERE id = ? AND revoked_at IS NULL AND expires_at > ? AND last_seen_at > ?`, id, now, now - SIGNIN_IDLE_MS)
    .toArray()[0];
}

/** Replace a session's secret: the new hash is current, the old one works for the grace period only. */
export function rotateSignIn(sql: SqlStorage, id: string, newSecretHash: string, now: number): void {
  sql.exec(`UPDATE signins SET prev_secret_hash = secret_hash, secret_hash = ?, rotated_at = ? WHERE id = ? AND revoked_at IS NULL`, newSecretHash, now, id);
}

/** End a session (sign-out): every later use of its secrets is refused. Idempotent. */
export function endSignIn(sql: SqlStorage, id: string, now: number): void {
  sql.exec(`UPDATE signins SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`, now, id);
}

/** A sign-in session as a caller; `person` is whom its principal is linked to (people.ts findPerson), itself when unlinked. */
export const signInCaller = (s: SignIn, person = s.principal): Caller => ({
  id: s.id,
  principal: s.principal,
  role: s.role,
  createdAt: s.createdAt,
  identitySource: 'oidc',
  authStrength: s.authStrength,
  person,
  groups: s.groups,
});
