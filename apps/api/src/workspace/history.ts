/**
 * The decision history's rows (issue 16, item 3): written with the events that make them
 * (Tx.commit), read a page at a time, newest first, through one index per filter. The
 * entries themselves come from the core (historyEntries); this file only stores them.
 */
import { Event, historyEntries, withStoredRisk, type HistoryEntry, type ListHistoryInput, type Step, type TaskRecord, type TaskSummary } from '@greenlight/core';

/** Store entries; a repeat of a seq is ignored (a backfill that meets a row written since). */
export function insertHistory(sql: SqlStorage, entries: readonly HistoryEntry[]): void {
  for (const e of entries) {
    sql.exec(
      `INSERT OR IGNORE INTO history (seq, at, task_id, agent, decision, status, risk, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      e.seq,
      e.at,
      e.taskId,
      e.agent,
      e.decision,
      e.status,
      e.risk.level,
      JSON.stringify(e),
    );
    for (const p of new Set(e.by)) sql.exec(`INSERT OR IGNORE INTO history_deciders (principal, seq) VALUES (?, ?)`, p, e.seq);
  }
}

/**
 * One page, newest first; the cursor is the last entry's seq. The time range becomes a
 * seq range first (two index lookups: times follow seq, as both grow with each commit),
 * then each filter is an indexed column, so a page reads about `limit` rows.
 */
export function listHistory(sql: SqlStorage, q: ListHistoryInput): { items: HistoryEntry[]; nextCursor?: string } {
  let hi = q.cursor !== undefined ? Number(q.cursor) - 1 : Number.MAX_SAFE_INTEGER;
  let lo = 1;
  if (q.until !== undefined) {
    hi = Math.min(hi, sql.exec<{ seq: number }>(`SELECT seq FROM history WHERE at < ? ORDER BY at DESC, seq DESC LIMIT 1`, q.until).toArray()[0]?.seq ?? 0);
  }
  if (q.since !== undefined) {
    lo = sql.exec<{ seq: number }>(`SELECT seq FROM history WHERE at >= ? ORDER BY at, seq LIMIT 1`, q.since).toArray()[0]?.seq ?? Number.MAX_SAFE_INTEGER;
  }
  const where = ['h.seq BETWEEN ? AND ?'];
  const args: (string | number)[] = [lo, hi];
  const when = (clause: string, value: string | number | undefined) => {
    if (value === undefined) return;
    where.push(clause);
    args.push(value);
  };
  const eq = (column: string, value: string | undefined) => when(`h.${column} = ?`, value);
  eq('task_id', q.taskId);
  eq('agent', q.agent);
  eq('decision', q.decision);
  eq('status', q.status);
  eq('risk', q.risk);
  when('h.at >= ?', q.since);
  when('h.at < ?', q.until);
  const from = q.decider !== undefined ? `history_deciders d JOIN history h ON h.seq = d.seq` : `history h`;
  when('d.principal = ?', q.decider);
  const rows = sql.exec<{ data: string }>(`SELECT h.data FROM ${from} WHERE ${where.join(' AND ')} ORDER BY h.seq DESC LIMIT ?`, ...args, q.limit + 1).toArray();
  const items = rows.slice(0, q.limit).map((r) => JSON.parse(r.data) as HistoryEntry);
  return { items, ...(rows.length > q.limit ? { nextCursor: String(items.at(-1)!.seq) } : {}) };
}

const DECISION_TYPES = ['step.approved', 'step.revised', 'step.rejected', 'step.changes_requested', 'step.skipped', 'step.completed', 'approval.expired'];
const BATCH = 500;

/**
 * Fill the history from a log written before it existed (migration 7), a batch of events
 * at a time. Each entry shows its step as it is now (its title, hash and risk), since
 * the step's state at the time is only in the events.
 */
export function backfillHistory(sql: SqlStorage): void {
  const types = DECISION_TYPES.map(() => '?').join(', ');
  let after = 0;
  for (;;) {
    const rows = sql
      .exec<{ seq: number; at: number; type: string; actor: string; task_id: string; step_id: string; data: string; hash: string }>(
        `SELECT seq, at, type, actor, task_id, step_id, data, hash FROM events WHERE seq > ? AND type IN (${types}) AND step_id IS NOT NULL ORDER BY seq LIMIT ?`,
        after,
        ...DECISION_TYPES,
        BATCH,
      )
      .toArray();
    if (rows.length === 0) return;
    after = rows.at(-1)!.seq;
    const tasks = new Map<string, (TaskRecord & { steps: Step[] }) | undefined>();
    for (const r of rows) {
      const parsed = Event.safeParse({ seq: r.seq, at: r.at, type: r.type, actor: r.actor, taskId: r.task_id, stepId: r.step_id, data: JSON.parse(r.data), hash: r.hash });
      if (!parsed.success) continue;
      if (!tasks.has(r.task_id)) tasks.set(r.task_id, loadForHistory(sql, r.task_id));
      const task = tasks.get(r.task_id);
      if (task) insertHistory(sql, historyEntries(task, [parsed.data]));
    }
  }
}

function loadForHistory(sql: SqlStorage, taskId: string): (TaskRecord & { steps: Step[] }) | undefined {
  const row = sql.exec<{ data: string }>(`SELECT data FROM tasks WHERE id = ?`, taskId).toArray()[0];
  if (!row) return undefined;
  const { counts: _counts, ...record } = JSON.parse(row.data) as TaskSummary;
  const steps = sql
    .exec<{ data: string }>(`SELECT data FROM steps WHERE task_id = ?`, taskId)
    .toArray()
    .map((r) => withStoredRisk(JSON.parse(r.data) as Step));
  return { ...record, steps };
}
