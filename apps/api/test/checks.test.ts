/** CHECK constraints generated from core's enums (checks.ts, migration 8): storage refuses a state the core does not know. */
import { runInDurableObject } from 'cloudflare:test';
import { StepStatus, TaskStatus } from '@greenlight/core';
import { describe, expect, it } from 'vitest';
import { team, threeStepPlan } from './harness.ts';
import { stubOf } from './deadlines.ts';
import { checkClause, ENUM_COLUMNS, syncEnumChecks, withChecks } from '../src/workspace/checks.ts';

describe('enum CHECK constraints', () => {
  it('refuse a status, role, format or event that core does not declare, and accept every one it does', async () => {
    const t = await team();
    const task = await t.agent.plan(threeStepPlan());
    await runInDurableObject(stubOf(t.id), (_instance, state) => {
      const sql = state.storage.sql;
      const bad = [
        () => sql.exec(`UPDATE tasks SET status = 'paused' WHERE id = ?`, task.id),
        () => sql.exec(`UPDATE steps SET status = 'waiting' WHERE task_id = ?`, task.id),
        () => sql.exec(`UPDATE keys SET role = 'root'`),
        () => sql.exec(`INSERT INTO webhooks (id, url, events, format, secret, created_at) VALUES ('w', 'https://x', '[]', 'xml', 's', 0)`),
        () => sql.exec(`INSERT INTO deliveries (id, webhook_id, event_seq, event, body, status, created_at) VALUES ('d', 'w', 1, 'approval.requested', '{}', 'lost', 0)`),
        () => sql.exec(`INSERT INTO deliveries (id, webhook_id, event_seq, event, body, status, created_at) VALUES ('d', 'w', 1, 'task.planned', '{}', 'pending', 0)`),
      ];
      for (const write of bad) expect(write).toThrow(/CHECK constraint failed/);
      // Every declared value is accepted (this workspace is not used again).
      for (const s of TaskStatus.options) sql.exec(`UPDATE tasks SET status = ? WHERE id = ?`, s, task.id);
      for (const s of StepStatus.options) sql.exec(`UPDATE steps SET status = ? WHERE task_id = ?`, s, task.id);
    });
  });

  it('a start with the enums unchanged rebuilds nothing; the rebuilt tables kept their indexes', async () => {
    const t = await team();
    await runInDurableObject(stubOf(t.id), (_instance, state) => {
      const sql = state.storage.sql;
      const schema = () => sql.exec<{ name: string; sql: string | null }>(`SELECT name, sql FROM sqlite_master ORDER BY name`).toArray();
      const before = schema();
      state.storage.transactionSync(() => syncEnumChecks(sql));
      expect(schema()).toEqual(before);
      const names = before.map((r) => r.name);
      for (const index of ['tasks_by_status', 'steps_awaiting', 'steps_by_task', 'deliveries_due', 'deliveries_by_webhook']) expect(names).toContain(index);
      for (const { table, column, values } of ENUM_COLUMNS) expect(before.find((r) => r.name === table)?.sql).toContain(checkClause(column, values));
    });
  });

  it('replaces a stale generated CHECK (an enum that changed) and leaves the rest of the table as it was', () => {
    const stored = `CREATE TABLE "tasks" (\n    id TEXT PRIMARY KEY,\n    status TEXT NOT NULL,\n    ${checkClause('status', ['active', 'gone'])}\n  )`;
    const next = withChecks(stored, [checkClause('status', ['active', 'done'])]);
    expect(next).toBe(`CREATE TABLE "tasks" (\n    id TEXT PRIMARY KEY,\n    status TEXT NOT NULL,\n    ${checkClause('status', ['active', 'done'])}\n  )`);
    expect(withChecks(next, [checkClause('status', ['active', 'done'])])).toBe(next);
  });
});
