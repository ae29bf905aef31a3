/**
 * Rows in and out of the workspace's SQLite. No rules here: the core decides, this
 * file only reads what a transition needs and writes what it returned.
 */
import {
  approvalView,
  chainHash,
  countByStatus,
  GENESIS,
  type ChainHead,
  stepDeadline,
  type Approval,
  type Event,
  type NewEvent,
  type Outcome,
  type Step,
  type Task,
  type TaskRecord,
  type TaskSummary,
  withStoredRisk,
} from '@greenlight/core';

/** A task or step row as read: its JSON. */
type TaskRow = { data: string };

/** A stored step as readers get it: rows from before risks existed get theirs filled in (core withStoredRisk). */
const parseStep = (data: string): Step => withStoredRisk(JSON.parse(data) as Step);

/**
 * A task with its steps in order, or undefined. One statement (the task's row first, then
 * its steps by steps_by_task), since every call on a task starts here.
 */
export function loadTask(sql: SqlStorage, taskId: string): Task | undefined {
  const rows = sql
    .exec<{ part: number; data: string }>(
      `SELECT 0 AS part, -1 AS idx, data FROM tasks WHERE id = ?1
       UNION ALL SELECT 1 AS part, idx, data FROM steps WHERE task_id = ?1
       ORDER BY part, idx`,
      taskId,
    )
    .toArray();
  const row = rows[0];
  if (row?.part !== 0) return undefined;
  const steps = rows.slice(1).map((r) => parseStep(r.data));
  const { counts: _counts, ...record } = JSON.parse(row.data) as TaskSummary;
  return { ...record, steps };
}

/** The task without its steps (a read that pages them), or undefined. */
export function loadTaskRecord(sql: SqlStorage, taskId: string): TaskRecord | undefined {
  const row = sql.exec<TaskRow>(`SELECT data FROM tasks WHERE id = ?`, taskId).toArray()[0];
  if (!row) return undefined;
  const { counts: _counts, ...record } = JSON.parse(row.data) as TaskSummary;
  return record;
}

/**
 * One page of a task's steps by index (the steps_by_task index: the cost is the page,
 * not the task): after `cursor` in `order`, optionally in one status; `limit` rows.
 */
export function stepPage(sql: SqlStorage, q: { taskId: string; cursor?: number | undefined; limit: number; status?: string | undefined; order: 'asc' | 'desc' }): Step[] {
  const after = q.cursor === undefined ? '' : q.order === 'asc' ? 'AND idx > ?' : 'AND idx < ?';
  const status = q.status === undefined ? '' : 'AND status = ?';
  const args: (string | number)[] = [q.taskId, ...(q.cursor === undefined ? [] : [q.cursor]), ...(q.status === undefined ? [] : [q.status]), q.limit];
  return sql
    .exec<TaskRow>(`SELECT data FROM steps WHERE task_id = ? ${after} ${status} ORDER BY idx ${q.order === 'asc' ? 'ASC' : 'DESC'} LIMIT ?`, ...args)
    .toArray()
    .map((r) => parseStep(r.data));
}

/** A task's newest `newest` steps and every step awaiting approval, in plan order, and how many steps it has. */
export function stepWindow(sql: SqlStorage, taskId: string, newest: number): { steps: Step[]; total: number } {
  const total = sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM steps WHERE task_id = ?`, taskId).one().n;
  const from = Math.max(0, total - newest);
  // Two index ranges (steps_by_task, steps_by_task_status): the older waiting steps, then the newest.
  const rows = [
    ...sql.exec<TaskRow>(`SELECT data FROM steps WHERE task_id = ? AND status = 'awaiting_approval' AND idx < ? ORDER BY idx`, taskId, from).toArray(),
    ...sql.exec<TaskRow>(`SELECT data FROM steps WHERE task_id = ? AND idx >= ? ORDER BY idx`, taskId, from).toArray(),
  ];
  return { steps: rows.map((r) => parseStep(r.data)), total };
}

/**
 * Write a transition's result: the task row, the steps it touched, and their approvals.
 * `indexed` holds the approval ids already in `approvals` (those on the steps as loaded,
 * and those written since in this call): an approval row is written once, when the
 * approval opens, not again with every later save of its step. Ids written here are added.
 */
export function saveTask(sql: SqlStorage, outcome: Pick<Outcome, 'task' | 'touched'>, isNew: boolean, indexed: Set<string> = new Set()): void {
  const { steps, ...record } = outcome.task;
  const summary: TaskSummary = { ...record, counts: countByStatus(steps) };
  sql.exec(
    `INSERT INTO tasks (id, status, created_by, created_at, updated_at, data) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (id) DO UPDATE SET status = excluded.status, updated_at = excluded.updated_at, data = excluded.data`,
    record.id,
    record.status,
    record.createdBy,
    record.createdAt,
    record.updatedAt,
    JSON.stringify(summary),
  );
  const touched = isNew ? steps : steps.filter((s) => outcome.touched.includes(s.id));
  for (const s of touched) {
    sql.exec(
      `INSERT INTO steps (id, task_id, idx, status, awaiting_since, deadline, data) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET status = excluded.status, awaiting_since = excluded.awaiting_since,
         deadline = excluded.deadline, data = excluded.data`,
      s.id,
      s.taskId,
      s.index,
      s.status,
      s.status === 'awaiting_approval' ? (s.approval?.requestedAt ?? null) : null,
      stepDeadline(s) ?? null,
      JSON.stringify(s),
    );
    // Every approval ever opened stays findable, so a late decision is a CONFLICT, not a NOT_FOUND.
    if (s.approval && !indexed.has(s.approval.id)) {
      sql.exec(`INSERT OR IGNORE INTO approvals (approval_id, task_id, step_id) VALUES (?, ?, ?)`, s.approval.id, s.taskId, s.id);
      indexed.add(s.approval.id);
    }
  }
}

export function findApproval(sql: SqlStorage, approvalId: string): { taskId: string; stepId: string } | undefined {
  const row = sql.exec<{ task_id: string; step_id: string }>(`SELECT task_id, step_id FROM approvals WHERE approval_id = ?`, approvalId).toArray()[0];
  return row ? { taskId: row.task_id, stepId: row.step_id } : undefined;
}

export function taskIdOfStep(sql: SqlStorage, stepId: string): string | undefined {
  return sql.exec<{ task_id: string }>(`SELECT task_id FROM steps WHERE id = ?`, stepId).toArray()[0]?.task_id;
}

/**
 * The newest event's position in the hash chain (GENESIS for an empty log). Looked up by
 * max(seq), which SQLite answers from the rowid b-tree's last entry: a search by key, where
 * `ORDER BY seq DESC LIMIT 1` is planned (and flagged by the bench) as a scan.
 */
export function chainHead(sql: SqlStorage): ChainHead {
  return sql.exec<ChainHead>(`SELECT seq, hash FROM events WHERE seq = (SELECT max(seq) FROM events)`).toArray()[0] ?? GENESIS;
}

/**
 * Append events, each chained to the one before (core chainHash). seq is set here as
 * the newest + 1, which is what the rowid would be: a rolled-back transaction leaves no gap.
 */
export function appendEvents(sql: SqlStorage, events: NewEvent[], actor: string, at: number): Event[] {
  if (events.length === 0) return [];
  let prev = chainHead(sql);
  return events.map((e) => {
    // Hash what a reader gets back: the data as stored JSON parses (undefined fields dropped).
    const text = JSON.stringify(e.data);
    const data = JSON.parse(text) as Record<string, unknown>;
    const body = { seq: prev.seq + 1, at, type: e.type, actor, ...(e.taskId ? { taskId: e.taskId } : {}), ...(e.stepId ? { stepId: e.stepId } : {}), data };
    const hash = chainHash(prev.hash, body);
    sql.exec(`INSERT INTO events (seq, at, type, actor, task_id, step_id, data, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, body.seq, at, e.type, actor, e.taskId ?? null, e.stepId ?? null, text, hash);
    prev = { seq: body.seq, hash };
    return { ...body, hash } as Event;
  });
}

type EventRow = { seq: number; at: number; type: string; actor: string; task_id: string | null; step_id: string | null; data: string; hash: string };
const toEvent = (r: EventRow): Event =>
  ({
    seq: r.seq,
    at: r.at,
    type: r.type,
    actor: r.actor,
    ...(r.task_id ? { taskId: r.task_id } : {}),
    ...(r.step_id ? { stepId: r.step_id } : {}),
    data: JSON.parse(r.data),
    hash: r.hash,
  }) as Event;

/** Events after `after` and before `before`, oldest first: the audit export's page. */
export function eventRange(sql: SqlStorage, q: { after: number; before?: number | undefined; limit: number }): Event[] {
  return sql
    .exec<EventRow>(`SELECT * FROM events WHERE seq > ? AND seq < ? ORDER BY seq LIMIT ?`, q.after, q.before ?? Number.MAX_SAFE_INTEGER, q.limit)
    .toArray()
    .map(toEvent);
}

/** The hash of event `seq` (GENESIS_HASH for 0), or undefined when there is no such event. */
export function hashAt(sql: SqlStorage, seq: number): string | undefined {
  if (seq === 0) return GENESIS.hash;
  return sql.exec<{ hash: string }>(`SELECT hash FROM events WHERE seq = ?`, seq).toArray()[0]?.hash;
}

export function listEvents(sql: SqlStorage, q: { after?: number | undefined; taskId?: string | undefined; limit: number }): Event[] {
  const after = q.after ?? 0;
  const rows = q.taskId
    ? sql.exec<EventRow>(`SELECT * FROM events WHERE task_id = ? AND seq > ? ORDER BY seq LIMIT ?`, q.taskId, after, q.limit)
    : sql.exec<EventRow>(`SELECT * FROM events WHERE seq > ? ORDER BY seq LIMIT ?`, after, q.limit);
  return rows.toArray().map(toEvent);
}

/** One step's events in order: the record approvals.get reads an approval's story from (events_by_task narrows to the task). */
export function stepEvents(sql: SqlStorage, taskId: string, stepId: string): Event[] {
  return sql.exec<EventRow>(`SELECT * FROM events WHERE task_id = ? AND step_id = ? ORDER BY seq`, taskId, stepId).toArray().map(toEvent);
}

export function listTasks(sql: SqlStorage, q: { status?: string | undefined; cursor?: string | undefined; limit: number }): TaskSummary[] {
  const cursor = q.cursor ?? '\uffff';
  const rows = q.status
    ? sql.exec<TaskRow>(`SELECT data FROM tasks WHERE status = ? AND id < ? ORDER BY id DESC LIMIT ?`, q.status, cursor, q.limit)
    : sql.exec<TaskRow>(`SELECT data FROM tasks WHERE id < ? ORDER BY id DESC LIMIT ?`, cursor, q.limit);
  return rows.toArray().map((r) => JSON.parse(r.data) as TaskSummary);
}

/** Open approvals, oldest request first; the cursor is `<requestedAt>:<stepId>`. */
export function listOpenApprovals(sql: SqlStorage, q: { taskId?: string | undefined; cursor?: string | undefined; limit: number }): Approval[] {
  const [since, id] = q.cursor ? [Number(q.cursor.split(':')[0]), q.cursor.split(':')[1] ?? ''] : [-1, ''];
  const where = `s.awaiting_since IS NOT NULL AND (s.awaiting_since > ? OR (s.awaiting_since = ? AND s.id > ?))`;
  const rows = q.taskId
    ? sql.exec<{ step: string; task: string }>(
        `SELECT s.data AS step, t.data AS task FROM steps s JOIN tasks t ON t.id = s.task_id
         WHERE ${where} AND s.task_id = ? ORDER BY s.awaiting_since, s.id LIMIT ?`,
        since,
        since,
        id,
        q.taskId,
        q.limit,
      )
    : sql.exec<{ step: string; task: string }>(
        `SELECT s.data AS step, t.data AS task FROM steps s JOIN tasks t ON t.id = s.task_id
         WHERE ${where} ORDER BY s.awaiting_since, s.id LIMIT ?`,
        since,
        since,
        id,
        q.limit,
      );
  return rows.toArray().flatMap((r) => {
    const a = approvalView(JSON.parse(r.task) as TaskRecord, parseStep(r.step));
    return a ? [a] : [];
  });
}

export const approvalCursor = (a: Approval): string => `${a.requestedAt}:${a.stepId}`;

/** A page of tasks with an approved step, oldest first, after `afterTaskId`: candidates for claim. */
export function tasksWithApprovedSteps(sql: SqlStorage, q: { taskId?: string | undefined; afterTaskId: string; limit: number }): string[] {
  const rows = q.taskId
    ? sql.exec<{ task_id: string }>(`SELECT DISTINCT task_id FROM steps WHERE status = 'approved' AND task_id = ?`, q.taskId)
    : sql.exec<{ task_id: string }>(`SELECT DISTINCT task_id FROM steps WHERE status = 'approved' AND task_id > ? ORDER BY task_id LIMIT ?`, q.afterTaskId, q.limit);
  return rows.toArray().map((r) => r.task_id);
}

/**
 * Tasks with an unstarted step (approved and unclaimed, or asking) that `matches`,
 * oldest task first: the candidates of the deny-rule sweep at policy.set. Reads only
 * the steps behind the two partial indexes (steps_approved, steps_awaiting), never
 * the whole table.
 */
export function tasksWithDeniableSteps(sql: SqlStorage, matches: (step: Step) => boolean): string[] {
  const rows = [
    ...sql.exec<{ task_id: string; data: string }>(`SELECT task_id, data FROM steps WHERE status = 'approved'`).toArray(),
    ...sql.exec<{ task_id: string; data: string }>(`SELECT task_id, data FROM steps WHERE awaiting_since IS NOT NULL`).toArray(),
  ];
  const ids = new Set<string>();
  for (const r of rows) if (!ids.has(r.task_id) && matches(JSON.parse(r.data) as Step)) ids.add(r.task_id);
  return [...ids].sort();
}

export function tasksDueBy(sql: SqlStorage, now: number): string[] {
  return sql
    .exec<{ task_id: string }>(`SELECT DISTINCT task_id FROM steps WHERE deadline IS NOT NULL AND deadline <= ?`, now)
    .toArray()
    .map((r) => r.task_id);
}
