/**
 * Workspace keys. A secret is shown once and stored only as its SHA-256; the lookup
 * is by that hash and the final comparison is constant-time.
 */
import { formatKey, sha256Hex, type Key, type Role } from '@greenlight/core';

type KeyRow = { id: string; principal: string; role: string; secret_hash: string; created_at: number; revoked_at: number | null; last_used_at: number | null };

const toKey = (r: KeyRow): Key => ({
  id: r.id,
  principal: r.principal,
  role: r.role as Role,
  createdAt: r.created_at,
  ...(r.revoked_at !== null ? { revokedAt: r.revoked_at } : {}),
  ...(r.last_used_at !== null ? { lastUsedAt: r.last_used_at } : {}),
});

/** 32 random bytes, base64url: the secret part of `gl_<workspace>_<secret>`. */
export function newSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** A new key: as shown once (`key`), its secret part, and the SHA-256 that is all the object stores. */
export async function mintKey(workspaceId: string): Promise<{ key: string; secret: string; secretHash: string }> {
  const secret = newSecret();
  return { key: formatKey(workspaceId, secret), secret, secretHash: await sha256Hex(secret) };
}

export function insertKey(sql: SqlStorage, k: { id: string; principal: string; role: Role; secretHash: string; now: number }): Key {
  sql.exec(`INSERT INTO keys (id, principal, role, secret_hash, created_at) VALUES (?, ?, ?, ?, ?)`, k.id, k.principal, k.role, k.secretHash, k.now);
  return { id: k.id, principal: k.principal, role: k.role, createdAt: k.now };
}

const encoder = new TextEncoder();

/** The live key whose secret hashes to `secretHash`, compared in constant time. */
export function findKey(sql: SqlStorage, secretHash: string): Key | undefined {
  const row = sql.exec<KeyRow>(`SELECT * FROM keys WHERE secret_hash = ? AND revoked_at IS NULL`, secretHash).toArray()[0];
  if (!row) return undefined;
  const a = encoder.encode(row.secret_hash);
  const b = encoder.encode(secretHash);
  return a.byteLength === b.byteLength && crypto.subtle.timingSafeEqual(a, b) ? toKey(row) : undefined;
}

export const listKeys = (sql: SqlStorage): Key[] => sql.exec<KeyRow>(`SELECT * FROM keys ORDER BY created_at, id`).toArray().map(toKey);

export function revokeKey(sql: SqlStorage, id: string, now: number): Key | undefined {
  const row = sql.exec<KeyRow>(`UPDATE keys SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ? RETURNING *`, now, id).toArray()[0];
  return row ? toKey(row) : undefined;
}

export function liveKeyById(sql: SqlStorage, id: string): Key | undefined {
  const row = sql.exec<KeyRow>(`SELECT * FROM keys WHERE id = ? AND revoked_at IS NULL`, id).toArray()[0];
  return row ? toKey(row) : undefined;
}

/** Record use, at most once a minute per key, so reads do not each cost a write. */
export function touchKey(sql: SqlStorage, key: Key, now: number): void {
  if (key.lastUsedAt !== undefined && now - key.lastUsedAt < 60_000) return;
  sql.exec(`UPDATE keys SET last_used_at = ? WHERE id = ?`, now, key.id);
}

/** secret -> SHA-256, so a busy key is hashed once per object; at most 256 entries, memory only. */
export class SecretHashes {
  private readonly memo = new Map<string, string>();

  async of(secret: string): Promise<string> {
    let hash = this.memo.get(secret);
    if (hash === undefined) {
      hash = await sha256Hex(secret);
      if (this.memo.size >= 256) this.memo.clear();
      this.memo.set(secret, hash);
    }
    return hash;
  }
}
