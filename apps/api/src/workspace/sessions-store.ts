/**
 * Rows for sessions and grants (migration 7): the open-task index behind the session
 * lookup and the idle close, and readable copies of grants and proposals. No rules here:
 * the core decides (machine/append.ts, close.ts, grants.ts); this keeps the rows in step.
 */
import type { Grant, GrantProposal, Outcome } from '@greenlight/core';

/**
 * After a task's outcome is saved: its open_tasks row follows `task.open` (the row's
 * active_at is the task's last change), and its grants are copied when an event changed
 * one. Called by Tx.commit for every outcome, so no path can leave the rows behind.
 */
export function syncSessionRows(sql: SqlStorage, outcome: Pick<Outcome, 'task' | 'events'>): void {
  const { task } = outcome;
  if (task.open === true) {
    sql.exec(
      `INSERT INTO open_tasks (task_id, created_by, session, active_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (task_id) DO UPDATE SET active_at = excluded.active_at`,
      task.id,
      task.createdBy,
      task.session ?? null,
      task.updatedAt,
    );
  } else if (task.closed !== undefined || task.cancel !== undefined) {
    sql.exec(`DELETE FROM open_tasks WHERE task_id = ?`, task.id);
  }
  if (outcome.events.some((e) => e.type.startsWith('grant.'))) for (const g of task.grants ?? []) saveGrant(sql, g);
}

function saveGrant(sql: SqlStorage, g: Grant): void {
  sql.exec(
    `INSERT INTO grants (id, task_id, created_at, revoked_at, data) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (id) DO UPDATE SET revoked_at = excluded.revoked_at, data = excluded.data`,
    g.id,
    g.taskId,
    g.createdAt,
    g.revokedAt ?? null,
    JSON.stringify(g),
  );
}

/** The creator's open task of `session`, if there is one. */
export function openTaskOfSession(sql: SqlStorage, createdBy: string, session: string): string | undefined {
  return sql.exec<{ task_id: string }>(`SELECT task_id FROM open_tasks WHERE created_by = ? AND session = ?`, createdBy, session).toArray()[0]?.task_id;
}

/** Open tasks with no change since `before` (epoch ms): the idle close's candidates, oldest first. */
export function idleOpenTasks(sql: SqlStorage, before: number, limit = 100): string[] {
  return sql
    .exec<{ task_id: string }>(`SELECT task_id FROM open_tasks WHERE active_at <= ? ORDER BY active_at LIMIT ?`, before, limit)
    .toArray()
    .map((r) => r.task_id);
}

export function grantTaskId(sql: SqlStorage, grantId: string): string | undefined {
  return sql.exec<{ task_id: string }>(`SELECT task_id FROM grants WHERE id = ?`, grantId).toArray()[0]?.task_id;
}

/** Grants, newest first: of one task, or of the workspace; revoked ones only when asked. */
export function listGrants(sql: SqlStorage, q: { taskId?: string | undefined; includeRevoked: boolean; limit: number }): Grant[] {
  const live = q.includeRevoked ? '' : ' AND revoked_at IS NULL';
  const rows = q.taskId
    ? sql.exec<{ data: string }>(`SELECT data FROM grants WHERE task_id = ?${live} ORDER BY created_at DESC, id DESC LIMIT ?`, q.taskId, q.limit)
    : sql.exec<{ data: string }>(`SELECT data FROM grants WHERE 1 = 1${live} ORDER BY created_at DESC, id DESC LIMIT ?`, q.limit);
  return rows.toArray().map((r) => JSON.parse(r.data) as Grant);
}

export function saveProposal(sql: SqlStorage, p: GrantProposal): void {
  sql.exec(
    `INSERT INTO grant_proposals (id, status, created_at, data) VALUES (?, ?, ?, ?)
     ON CONFLICT (id) DO UPDATE SET status = excluded.status, data = excluded.data`,
    p.id,
    p.status,
    p.createdAt,
    JSON.stringify(p),
  );
}

export function findProposal(sql: SqlStorage, id: string): GrantProposal | undefined {
  const row = sql.exec<{ data: string }>(`SELECT data FROM grant_proposals WHERE id = ?`, id).toArray()[0];
  return row ? (JSON.parse(row.data) as GrantProposal) : undefined;
}

/** Proposals, newest first; only those still waiting unless `all`. */
export function listProposals(sql: SqlStorage, q: { all: boolean; limit: number }): GrantProposal[] {
  const rows = q.all
    ? sql.exec<{ data: string }>(`SELECT data FROM grant_proposals ORDER BY created_at DESC, id DESC LIMIT ?`, q.limit)
    : sql.exec<{ data: string }>(`SELECT data FROM grant_proposals WHERE status = 'proposed' ORDER BY created_at DESC, id DESC LIMIT ?`, q.limit);
  return rows.toArray().map((r) => JSON.parse(r.data) as GrantProposal);
}
