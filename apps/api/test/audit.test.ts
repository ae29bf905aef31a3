/**
 * The audit trail in workerd: every event is chained as it is appended, across many
 * transactions, an eviction and the alarm; audit.export pages join up and verify in
 * both formats; only admins may export; an old log is backfilled by the migration to
 * the very hashes the live path writes; webhook bodies carry the chain head.
 */
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { chainHash, GENESIS_HASH, verifyAuditExport, verifyChain, type ChainHead } from '@greenlight/core';
import { describe, expect, it } from 'vitest';
import { migrate, MIGRATIONS } from '../src/workspace/migrations.ts';
import { expireApproval, stubOf } from './deadlines.ts';
import { allEvents, errorOf, openApproval, team, threeStepPlan, type Team } from './harness.ts';

/** Some work in many separate transactions: plans, decisions, claims, completions. */
async function busy(t: Team, rounds: number): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    const task = await t.agent.plan(threeStepPlan());
    const edit = await openApproval(t.approver, task.id, 'edit');
    await t.approver.approvals.decide.mutate({ approvalId: edit.approvalId, decision: 'approve', paramsHash: edit.paramsHash });
  }
}

/** Every page of the export, concatenated, following nextAfter. */
async function exportAll(t: Team, input: { format: 'ndjson' | 'csv'; limit: number; after?: number; before?: number }) {
  const pages = [];
  let after = input.after ?? 0;
  for (;;) {
    const page = await t.admin.audit.export.query({ ...input, after });
    pages.push(page);
    if (page.nextAfter === undefined) return pages;
    after = page.nextAfter;
  }
}

describe('audit trail', () => {
  it('chains every event as it is appended, across transactions, an eviction and the alarm', async () => {
    const t = await team();
    await busy(t, 3);
    await evictDurableObject(stubOf(t.id));
    await busy(t, 2);
    // The alarm's own transaction (an approval that times out) appends to the same chain.
    await t.admin.policy.set.mutate({ policy: { rules: [{ match: { kind: 'run_command' }, action: 'ask', timeoutSeconds: 600 }] } });
    const task = await t.agent.plan({ title: 'slow', steps: [{ key: 'x', kind: 'run_command', title: 'x', params: { command: 'ls' } }] });
    await expireApproval(t.id, task.steps[0]!.id);
    await runDurableObjectAlarm(stubOf(t.id));
    const events = await allEvents(t.viewer);
    expect(events.map((e) => e.type)).toContain('approval.expired');
    expect(events.every((e) => /^[0-9a-f]{64}$/.test(e.hash))).toBe(true);
    expect(verifyChain(events)).toMatchObject({ ok: true, first: 1, count: events.length });
    // The genesis link: the first event's hash follows from 64 zeros.
    expect(events[0]!.hash).toBe(chainHash(GENESIS_HASH, events[0]!));
  });

  it('exports page by page; the pages join up and verify, in NDJSON and CSV, and each page alone verifies', async () => {
    const t = await team();
    await busy(t, 3);
    const events = await allEvents(t.admin);
    const newest: ChainHead = { seq: events.at(-1)!.seq, hash: events.at(-1)!.hash };
    for (const format of ['ndjson', 'csv'] as const) {
      const pages = await exportAll(t, { format, limit: 7 });
      expect(pages.length).toBe(Math.ceil(events.length / 7));
      expect(pages.map((p) => p.count).reduce((a, b) => a + b, 0)).toBe(events.length);
      for (const [i, p] of pages.entries()) {
        expect(p.format).toBe(format);
        expect(p.head).toEqual(newest);
        // Each page is anchored at the hash of the event before it.
        expect(p.anchor).toEqual(i === 0 ? { seq: 0, hash: GENESIS_HASH } : { seq: i * 7, hash: events[i * 7 - 1]!.hash });
        expect(verifyAuditExport(p.text)).toMatchObject({ ok: true, format });
      }
      const text = pages.map((p) => p.text).join('');
      expect(verifyAuditExport(text, { expectedHead: newest })).toMatchObject({ ok: true, format, count: events.length, last: newest, head: newest });
    }
  });

  it('exports a window between after and before, anchored at event `after`', async () => {
    const t = await team();
    await busy(t, 2);
    const events = await allEvents(t.admin);
    const pages = await exportAll(t, { format: 'ndjson', limit: 3, after: 4, before: 12 });
    expect(pages[0]!.anchor).toEqual({ seq: 4, hash: events[3]!.hash });
    const text = pages.map((p) => p.text).join('');
    expect(verifyAuditExport(text, { anchor: { seq: 4, hash: events[3]!.hash } })).toMatchObject({ ok: true, count: 7, last: { seq: 11, hash: events[10]!.hash } });
    // after past the newest event is a client's mistake, not a 500.
    expect(await errorOf(t.admin.audit.export.query({ after: 10_000 }))).toMatchObject({ code: 'BAD_REQUEST' });
    expect(await errorOf(t.admin.audit.export.query({ after: 5, before: 5 }))).toMatchObject({ code: 'BAD_REQUEST' });
    expect(await errorOf(t.admin.audit.export.query({ limit: 100_000 }))).toMatchObject({ code: 'BAD_REQUEST' });
  });

  it('is for admins only: every other role is FORBIDDEN', async () => {
    const t = await team();
    for (const c of [t.agent, t.approver, t.viewer]) {
      expect(await errorOf(c.audit.export.query({ format: 'csv' }))).toMatchObject({ code: 'FORBIDDEN' });
    }
    // The message says who may, in English ("an approver key", not "a approver key").
    expect(await errorOf(t.approver.audit.export.query())).toMatchObject({ message: expect.stringMatching(/^This is an approver key: .*needs an admin key\.$/) });
    expect((await t.admin.audit.export.query()).count).toBeGreaterThan(0);
  });

  it('migration 5 backfills an old log (no hash column) in order, to the hashes the live path writes', async () => {
    const t = await team();
    await busy(t, 2);
    const before = await allEvents(t.admin);
    // Turn the stored log back into the shape before the chain: no hash column, schema version 4.
    await runInDurableObject(stubOf(t.id), (_instance, state) => {
      state.storage.transactionSync(() => {
        state.storage.sql.exec(`ALTER TABLE events DROP COLUMN hash`);
        state.storage.sql.exec(`UPDATE meta SET value = '4' WHERE key = 'schema_version'`);
      });
    });
    await evictDurableObject(stubOf(t.id));
    // The new instance migrates on start (blockConcurrencyWhile), before any call.
    const after = await allEvents(t.admin);
    expect(after).toEqual(before);
    await busy(t, 1);
    const all = await allEvents(t.admin);
    expect(all.length).toBeGreaterThan(before.length);
    expect(verifyChain(all).ok).toBe(true);
  });

  it('migration 5 chains a fixture of the old shape from the genesis', async () => {
    const t = await team();
    await runInDurableObject(stubOf(t.id), (_instance, state) => {
      const sql = state.storage.sql;
      state.storage.transactionSync(() => {
        sql.exec(`ALTER TABLE events DROP COLUMN hash`);
        sql.exec(`DELETE FROM events`);
        sql.exec(`UPDATE meta SET value = '4' WHERE key = 'schema_version'`);
        // Rows as version 4 wrote them: no hash, an absent task id as NULL, data as JSON text (each type's data as it wrote it).
        sql.exec(`INSERT INTO events (seq, at, type, actor, task_id, step_id, data) VALUES
          (1, 1700000000000, 'workspace.created', 'admin', NULL, NULL, '{"id":"w","name":"W"}'),
          (2, 1700000000001, 'task.planned', 'agent-1', 't1', NULL, '{"title":"x","steps":2,"mode":"copilot"}'),
          (3, 1700000000002, 'step.approved', 'alice', 't1', 's1', '{"to":"approved","from":"awaiting_approval","revision":1,"by":["alice"]}')`);
        migrate(sql);
      });
      const rows = sql.exec<{ seq: number; hash: string }>(`SELECT seq, hash FROM events ORDER BY seq`).toArray();
      const h1 = chainHash(GENESIS_HASH, { seq: 1, at: 1700000000000, type: 'workspace.created', actor: 'admin', data: { id: 'w', name: 'W' } });
      const h2 = chainHash(h1, { seq: 2, at: 1700000000001, type: 'task.planned', actor: 'agent-1', taskId: 't1', data: { title: 'x', steps: 2, mode: 'copilot' } });
      const h3 = chainHash(h2, {
        seq: 3,
        at: 1700000000002,
        type: 'step.approved',
        actor: 'alice',
        taskId: 't1',
        stepId: 's1',
        data: { from: 'awaiting_approval', to: 'approved', revision: 1, by: ['alice'] },
      });
      expect(rows).toEqual([
        { seq: 1, hash: h1 },
        { seq: 2, hash: h2 },
        { seq: 3, hash: h3 },
      ]);
      expect(sql.exec<{ value: string }>(`SELECT value FROM meta WHERE key = 'schema_version'`).one().value).toBe(String(MIGRATIONS.length));
    });
    // New events continue the backfilled chain.
    await t.admin.keys.create.mutate({ principal: 'carol', role: 'viewer' });
    const events = await allEvents(t.admin);
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    expect(verifyChain(events).ok).toBe(true);
  });

  it('webhook bodies carry the chain head, which matches the log', async () => {
    const t = await team();
    await t.admin.webhooks.create.mutate({ url: 'http://127.0.0.1:9/hook', events: ['approval.requested'] });
    await t.agent.plan({ title: 'x', steps: [{ key: 'a', kind: 'run_command', title: 'a', params: { command: 'ls' } }] });
    const body = await runInDurableObject(
      stubOf(t.id),
      (_instance, state) =>
        JSON.parse(state.storage.sql.exec<{ body: string }>(`SELECT body FROM deliveries`).one().body) as { chainHead: ChainHead; event: string; text: string; data: { seq: number } },
    );
    expect(body).toMatchObject({ event: 'approval.requested', text: expect.any(String) });
    const events = await allEvents(t.admin);
    const pinned = events.find((e) => e.seq === body.chainHead.seq)!;
    expect(body.chainHead).toEqual({ seq: pinned.seq, hash: pinned.hash });
    expect(body.chainHead.seq).toBeGreaterThanOrEqual(body.data.seq);
    const text = (await exportAll(t, { format: 'ndjson', limit: 500 })).map((p) => p.text).join('');
    expect(verifyAuditExport(text, { expectedHead: body.chainHead }).ok).toBe(true);
  });
});
