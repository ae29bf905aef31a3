/**
 * Bench-only work inside a workspace object, for `npm run bench` (bench/README.md):
 * a bare SQLite write (the floor the API is compared with), bulk seeding through the
 * real operations, the query plans of the real list queries, and the database size.
 * None of it is in the production class: `BenchWorkspace` adds it, and only the bench's
 * own entry (apps/api/src/bench-worker.ts) exports it as the Workspace object. It still
 * refuses unless GREENLIGHT_BENCH=1 is bound.
 */
import { paramsHash, sha256Hex, type PlanInput } from '@greenlight/core';
import { monotonicFactory } from 'ulid';
import { findKey } from './keys.ts';
import { keyCaller, type Caller } from './caller.ts';
import { readMeta, type WorkspaceMeta } from './meta.ts';
import { Tx } from './tx.ts';
import * as admin from './ops/admin.ts';
import * as approvals from './ops/approvals.ts';
import * as steps from './ops/steps.ts';
import * as tasks from './ops/tasks.ts';
import { Workspace } from './object.ts';

export type BenchEnv = Env & { GREENLIGHT_BENCH?: string };
export const benchEnabled = (env: BenchEnv): boolean => env.GREENLIGHT_BENCH === '1';

/** seed `inbox`: one-step tasks, each only planned (one open approval); `lifecycle`: tasks that have lived (below). */
export type BenchOp = { op: 'write' } | { op: 'seed'; tasks: number; shape: 'lifecycle' | 'inbox' } | { op: 'explain' } | { op: 'stats' };

export type QueryPlan = { query: string; plan: string[]; fullScan: boolean };
export type SeedReport = { tasks: number; events: number; lastSeq: number; ms: number };
export type BenchReply =
  | { op: 'refused'; reason: string }
  | { op: 'write'; n: number }
  | ({ op: 'seed' } & SeedReport)
  | { op: 'explain'; plans: QueryPlan[] }
  | { op: 'stats'; databaseBytes: number; tasks: number; events: number; openApprovals: number };

const AGENT: Caller = keyCaller({ id: 'bench-agent', principal: 'bench-agent', role: 'agent', createdAt: 0 });
const REVIEWER: Caller = keyCaller({ id: 'bench-reviewer', principal: 'bench-reviewer', role: 'approver', createdAt: 0 });

/** Two reads the policy allows, then an edit and a command that ask. */
const SEED_PLAN: PlanInput = {
  title: 'bench: fix the flaky test',
  steps: [
    { key: 'read', kind: 'read', title: 'Read the test', params: { tool: 'read_file', paths: ['src/app.test.ts'] }, dependsOn: [] },
    { key: 'grep', kind: 'read', title: 'Find the callers', params: { tool: 'search', query: 'flaky' }, dependsOn: [] },
    { key: 'edit', kind: 'edit_file', title: 'Fix the timeout', params: { path: 'src/app.test.ts', content: 'test("x", () => {});\n' }, dependsOn: ['read'] },
    { key: 'test', kind: 'run_command', title: 'Run the tests', params: { command: 'npm test' }, dependsOn: ['edit'] },
  ],
};

export async function runBench(storage: DurableObjectStorage, env: BenchEnv, op: BenchOp): Promise<BenchReply> {
  if (!benchEnabled(env)) return { op: 'refused', reason: 'bench operations need GREENLIGHT_BENCH=1' };
  const sql = storage.sql;
  const workspace = () => {
    const meta = readMeta(sql);
    if (!meta) throw new Error('bench: create the workspace first');
    return meta;
  };
  switch (op.op) {
    case 'write':
      // One small upsert and nothing else, committed through the output gate like any mutation.
      return {
        op: 'write',
        n: sql
          .exec<{ n: number }>(`INSERT INTO meta (key, value) VALUES ('bench_write', '1') ON CONFLICT (key) DO UPDATE SET value = CAST(value AS INTEGER) + 1 RETURNING CAST(value AS INTEGER) AS n`)
          .one().n,
      };
    case 'seed':
      return { op: 'seed', ...(await seed(storage, workspace(), Math.max(1, Math.min(op.tasks, 1000)), op.shape)) };
    case 'explain':
      return { op: 'explain', plans: await explain(storage, workspace()) };
    case 'stats':
      return {
        op: 'stats',
        databaseBytes: sql.databaseSize,
        tasks: sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM tasks`).one().n,
        events: sql.exec<{ n: number }>(`SELECT COALESCE(MAX(seq), 0) AS n FROM events`).one().n,
        openApprovals: sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM steps WHERE awaiting_since IS NOT NULL`).one().n,
      };
  }
}

const INBOX_PLAN: PlanInput = {
  title: 'bench: run the tests',
  steps: [{ key: 'test', kind: 'run_command', title: 'Run the tests', params: { command: 'npm test' }, dependsOn: [] }],
};

/**
 * `n` tasks in one transaction, each through the real operations. `lifecycle`: plan,
 * then the reads run, the edit is approved and runs, and the command is left waiting in
 * the inbox: twelve events a task, like a real agent's. `inbox`: a one-step plan only.
 */
async function seed(storage: DurableObjectStorage, meta: WorkspaceMeta, n: number, shape: 'lifecycle' | 'inbox'): Promise<SeedReport> {
  const plan = shape === 'inbox' ? INBOX_PLAN : SEED_PLAN;
  const hashes = await Promise.all(plan.steps.map((s) => paramsHash(s.params)));
  const newId = monotonicFactory();
  const started = Date.now();
  let events = 0;
  const must = <T>(r: { ok: true; value: T } | { ok: false; error: { message: string } }): T => {
    if (!r.ok) throw new Error(`bench seed: ${r.error.message}`);
    return r.value;
  };
  storage.transactionSync(() => {
    for (let i = 0; i < n; i++) {
      const now = Date.now();
      const as = (key: Caller) => new Tx(storage.sql, meta, key, now, newId);
      const agent = as(AGENT);
      const task = must(tasks.plan(agent, plan, hashes));
      const reviewer = as(REVIEWER);
      if (shape === 'lifecycle') {
        for (const step of steps.claim(agent, { taskId: task.id, max: 2 }).steps) must(steps.complete(agent, { stepId: step.stepId, leaseId: step.leaseId, output: { ok: true } }));
        const edit = task.steps.find((s) => s.key === 'edit')!;
        if (edit.approval) must(approvals.decide(reviewer, { approvalId: edit.approval.id, decision: 'approve', paramsHash: edit.paramsHash }, undefined));
        for (const step of steps.claim(agent, { taskId: task.id, max: 1 }).steps) must(steps.complete(agent, { stepId: step.stepId, leaseId: step.leaseId, output: { ok: true } }));
      }
      events += agent.events.length + reviewer.events.length;
    }
  });
  const lastSeq = storage.sql.exec<{ n: number }>(`SELECT COALESCE(MAX(seq), 0) AS n FROM events`).one().n;
  return { tasks: n, events, lastSeq, ms: Date.now() - started };
}

type Recorded = { query: string; bindings: SqlStorageValue[] };

/** The same storage, with every statement recorded, so we explain what the code really runs. */
function recording(sql: SqlStorage, log: Recorded[]): SqlStorage {
  return new Proxy(sql, {
    get(target, prop) {
      if (prop === 'exec') {
        return (query: string, ...bindings: SqlStorageValue[]) => {
          log.push({ query, bindings });
          return target.exec(query, ...bindings);
        };
      }
      const value: unknown = Reflect.get(target, prop);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** Thrown to roll back the explain transaction: the operations below may write. */
class Discard {}

/**
 * Run the operations the pages use (inbox, task, events at both ends, claim, decide)
 * against recording storage inside a transaction that is then rolled back, and return
 * SQLite's plan for each distinct statement. A `SCAN` of a table without an index is
 * a full scan: the bench fails on it.
 */
async function explain(storage: DurableObjectStorage, meta: WorkspaceMeta): Promise<QueryPlan[]> {
  const log: Recorded[] = [];
  const secretHash = await sha256Hex('bench-no-such-secret');
  const newId = monotonicFactory();
  try {
    storage.transactionSync(() => {
      const sql = recording(storage.sql, log);
      const now = Date.now();
      readMeta(sql);
      findKey(sql, secretHash);
      const viewer = new Tx(sql, meta, REVIEWER, now, newId);
      const inbox = approvals.list(viewer, { status: 'open', limit: 50 });
      if (inbox.nextCursor) approvals.list(viewer, { status: 'open', limit: 50, cursor: inbox.nextCursor });
      const first = inbox.items[0];
      if (first) {
        tasks.get(viewer, { taskId: first.taskId });
        steps.get(viewer, first.stepId);
        admin.events(viewer, { taskId: first.taskId, limit: 50 });
        approvals.decide(viewer, { approvalId: first.approvalId, decision: 'approve', paramsHash: first.paramsHash }, undefined);
      }
      tasks.list(viewer, { limit: 50 });
      const last = storage.sql.exec<{ n: number }>(`SELECT COALESCE(MAX(seq), 0) AS n FROM events`).one().n;
      admin.events(viewer, { after: 0, limit: 50 });
      admin.events(viewer, { after: Math.max(0, last - 50), limit: 50 });
      steps.claim(new Tx(sql, meta, AGENT, now, newId), { max: 1 });
      throw new Discard();
    });
  } catch (e) {
    if (!(e instanceof Discard)) throw e;
  }
  const seen = new Map<string, Recorded>();
  for (const r of log) if (!seen.has(r.query)) seen.set(r.query, r);
  return [...seen.values()].map(({ query, bindings }) => {
    const plan = storage.sql
      .exec<{ detail: string }>(`EXPLAIN QUERY PLAN ${query}`, ...bindings)
      .toArray()
      .map((r) => r.detail);
    // "SCAN t" alone walks the table; "SCAN t USING (COVERING) INDEX" walks an index, in order.
    const fullScan = plan.some((d) => /^SCAN (tasks|steps|events|approvals|keys)\b/.test(d) && !/USING .*INDEX/.test(d));
    return { query: query.replace(/\s+/g, ' ').trim(), plan, fullScan };
  });
}

/** The Workspace object plus the bench surface; bound as WORKSPACE only by the bench entry (bench-worker.ts). */
export class BenchWorkspace extends Workspace {
  /** The floor of every figure: a Worker -> object round trip that does nothing. */
  ping(): string {
    return 'pong';
  }

  /**
   * Reset this instance (ctx.abort, which fails this call): the object's memory (cached
   * settings, secret hashes, buckets) goes, and the next call constructs it again from
   * its SQLite, as after an eviction. Refused (a no-op) unless GREENLIGHT_BENCH=1.
   */
  evict(): void {
    if (benchEnabled(this.env)) this.ctx.abort('bench: evict');
  }

  /** Seeding, bare writes and query plans; refused unless GREENLIGHT_BENCH=1. */
  bench(op: BenchOp): Promise<BenchReply> {
    return runBench(this.ctx.storage, this.env, op);
  }
}
