/**
 * The Registry Durable Object: the one global list of workspace ids, so ids are
 * unique and the root token can list them. It holds nothing else; every request
 * with a workspace key goes straight to that workspace's object.
 */
import { DurableObject } from 'cloudflare:workers';
import { fail, ok, type Result } from '@greenlight/core';
import type { RegistryRpc, WorkspaceEntry } from './contract/rpc.ts';

export type { WorkspaceEntry } from './contract/rpc.ts';

export class Registry extends DurableObject<Env> implements RegistryRpc {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(`CREATE TABLE IF NOT EXISTS workspaces (id TEXT PRIMARY KEY, name TEXT NOT NULL, created_at INTEGER NOT NULL)`);
  }

  register(entry: WorkspaceEntry): Result<WorkspaceEntry> {
    const exists = this.sql.exec(`SELECT 1 FROM workspaces WHERE id = ?`, entry.id).toArray().length > 0;
    if (exists) return fail('CONFLICT', `workspace ${entry.id} already exists`);
    this.sql.exec(`INSERT INTO workspaces (id, name, created_at) VALUES (?, ?, ?)`, entry.id, entry.name, entry.createdAt);
    return ok(entry);
  }

  unregister(id: string): void {
    this.sql.exec(`DELETE FROM workspaces WHERE id = ?`, id);
  }

  list(q: { cursor?: string | undefined; limit: number }): { items: WorkspaceEntry[]; nextCursor?: string } {
    const rows = this.sql
      .exec<{ id: string; name: string; created_at: number }>(`SELECT * FROM workspaces WHERE id > ? ORDER BY id LIMIT ?`, q.cursor ?? '', q.limit + 1)
      .toArray()
      .map((r) => ({ id: r.id, name: r.name, createdAt: r.created_at }));
    const more = rows.length > q.limit;
    const items = more ? rows.slice(0, q.limit) : rows;
    return { items, ...(more ? { nextCursor: items.at(-1)!.id } : {}) };
  }
}
