/**
 * Workspace keys. A secret is shown once and stored only as its SHA-256; the lookup
 * is by that hash and the final comparison is constant-time.
 */
import { formatKey, sha256Hex, type Key, type KeyRecord, type Role } from '@greenlight/core';

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
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}

/** A new key: as shown once (`key`), its secret part, and the SHA-256 that is all the object stores. */
export async function mintKey(workspaceId: string): Promise<{ key: string; secret: string; secretHash: string }> {
  const secret = newSecret();
  return { key: formatKey(workspaceId, secret), secret, secretHash: await sha256Hex(secret) };
}

const encoder = new TextEncoder();

/** The live key whose secret hashes to `secretHash`, compared in constant time (as stored, hash included). */
export function findKey(sql: SqlStorage, secretHash: string): KeyRecord | undefined {
  const row = sql.exec<KeyRow>(`SELECT * FROM keys WHERE secret_hash = ? AND revoked_at IS NULL`, secretHash).toArray()[0];
  if (!row) return undefined;
  const a = encoder.encode(row.secret_hash);
  const b = encoder.encode(secretHash);
  return a.byteLength === b.byteLength && crypto.subtle.timingSafeEqual(a, b) ? { ...toKey(row), secretHash: row.secret_hash } : undefined;
}

export const listKeys = (sql: SqlStorage): Key[] => sql.exec<KeyRow>(`SELECT * FROM keys ORDER BY created_at, id`).toArray().map(toKey);

/** The live key with this id, with its stored hash: a live socket's caller (pipeline.ts callBound). */
export function liveKeyRecordById(sql: SqlStorage, id: string): KeyRecord | undefined {
  const row = sql.exec<KeyRow>(`SELECT * FROM keys WHERE id = ? AND revoked_at IS NULL`, id).toArray()[0];
  return row ? { ...toKey(row), secretHash: row.secret_hash } : undefined;
}

export function liveKeyById(sql: SqlStorage, id: string): Key | undefined {
  const row = sql.exec<KeyRow>(`SELECT * FROM keys WHERE id = ? AND revoked_at IS NULL`, id).toArray()[0];
  return row ? toKey(row) : undefined;
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
