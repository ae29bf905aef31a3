/**
 * The soak's final check, through the API: every acknowledged change is there (lost),
 * no step was handed out twice and no plan made twice (duplicates), every task's status
 * follows from its steps and the event log runs 1..N (invariants).
 */
import { deriveTaskStatus, isTerminalStep, type Step, type TaskSummary, type TaskView } from '@greenlight/core';
import type { Ledger } from './actors.ts';
import { rpc, sleep, type CallStats } from './rpc.ts';

export type Findings = {
  lost: string[];
  duplicates: string[];
  invariants: string[];
  tasks: number;
  steps: number;
  events: number;
  /** What the alarms did across the restarts: approvals that timed out, leases that ran out. */
  expiredApprovals: number;
  expiredLeases: number;
};

/** A read that must succeed: retried through rate limits and hiccups. */
async function read<T>(stats: CallStats, url: string, key: string, path: string, input: unknown): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    const a = await rpc<T>(stats, url, key, path, input, 'GET');
    if (a.kind === 'ok') return a.data;
    if (attempt >= 50) throw new Error(`${path} kept failing: ${JSON.stringify(a)}`);
    await sleep(200);
  }
}

async function allTasks(stats: CallStats, url: string, key: string): Promise<Map<string, TaskView>> {
  const ids: string[] = [];
  for (let cursor: string | undefined; ; ) {
    const page = await read<{ items: TaskSummary[]; nextCursor?: string }>(stats, url, key, 'tasks.list', { limit: 200, ...(cursor ? { cursor } : {}) });
    ids.push(...page.items.map((t) => t.id));
    if (!page.nextCursor) break;
    cursor = page.nextCursor;
  }
  const tasks = new Map<string, TaskView>();
  for (let i = 0; i < ids.length; i += 8) {
    const batch = await Promise.all(ids.slice(i, i + 8).map((taskId) => read<TaskView>(stats, url, key, 'tasks.get', { taskId })));
    for (const t of batch) tasks.set(t.id, t);
  }
  return tasks;
}

const groupCount = <T>(xs: T[], by: (x: T) => string) => xs.reduce((m, x) => m.set(by(x), (m.get(by(x)) ?? 0) + 1), new Map<string, number>());

export async function verify(stats: CallStats, url: string, key: string, ledger: Ledger): Promise<Findings> {
  const tasks = await allTasks(stats, url, key);
  const steps = new Map<string, Step>([...tasks.values()].flatMap((t) => t.steps.map((s) => [s.id, s] as const)));
  const lost: string[] = [];
  const duplicates: string[] = [];
  const invariants: string[] = [];

  for (const p of ledger.plans) {
    const t = tasks.get(p.taskId);
    const same = t && t.steps.map((s) => `${s.id}:${s.key}`).join() === p.steps.map((s) => `${s.id}:${s.key}`).join();
    if (!same) lost.push(`plan ${p.key}: task ${p.taskId} ${t ? 'has other steps' : 'is missing'}`);
  }
  for (const d of ledger.decisions) {
    const s = steps.get(d.stepId);
    const expected = d.decision === 'reject' ? 'rejected' : d.decision === 'skip' ? 'skipped' : d.decision === 'answer' ? 'completed' : undefined;
    if (!s) lost.push(`decision ${d.decision} on ${d.approvalId}: step ${d.stepId} is missing`);
    else if (s.status === 'awaiting_approval' && s.approval?.id === d.approvalId) lost.push(`decision ${d.decision} on ${d.approvalId}: step ${s.id} still awaits that approval (${s.status})`);
    else if (expected && s.status !== expected) lost.push(`decision ${d.decision} on ${d.approvalId}: step ${s.id} is ${s.status}, not ${expected}`);
  }
  for (const r of ledger.reports) {
    const s = steps.get(r.stepId);
    const retried = r.op === 'fail' && r.stepStatus === 'approved';
    const ok = !s
      ? false
      : retried
        ? s.attempt > r.attempt || (s.attempt === r.attempt && (s.status === 'approved' || s.status === 'cancelled'))
        : s.status === (r.op === 'complete' ? 'completed' : 'failed') && s.attempt === r.attempt;
    if (!ok) lost.push(`${r.op} of ${r.stepId} attempt ${r.attempt} (answered ${r.stepStatus}): step is ${s ? `${s.status} at attempt ${s.attempt}` : 'missing'}`);
  }
  for (const c of ledger.cancels) {
    const t = tasks.get(c.taskId);
    if (t?.status !== 'cancelled') lost.push(`cancel of ${c.taskId}: task is ${t?.status ?? 'missing'}`);
  }

  // At most once: a step that is neither idempotent nor a read is handed out once, ever;
  // and no (step, attempt) is handed out twice, whatever the step.
  const onceOnly = ledger.claims.filter((c) => !c.idempotent && c.kind !== 'read');
  for (const [stepId, n] of groupCount(onceOnly, (c) => c.stepId)) if (n > 1) duplicates.push(`step ${stepId} (not idempotent) handed out ${n} times`);
  for (const [k, n] of groupCount(ledger.claims, (c) => `${c.stepId}#${c.attempt}`)) if (n > 1) duplicates.push(`step#attempt ${k} handed out ${n} times`);
  for (const [k, n] of groupCount([...tasks.values()], (t) => t.title)) if (n > 1) duplicates.push(`plan "${k}" made ${n} tasks (one idempotency key)`);

  for (const t of tasks.values()) {
    const derived = deriveTaskStatus(t);
    if (t.status !== derived) invariants.push(`task ${t.id} is ${t.status}, its steps say ${derived}`);
    if (t.status === 'cancelled' && t.steps.some((s) => !isTerminalStep(s.status))) invariants.push(`cancelled task ${t.id} has an open step`);
  }

  let seq = 0;
  let expiredApprovals = 0;
  for (;;) {
    const page = await read<{ items: { seq: number; type: string }[] }>(stats, url, key, 'events.list', { after: seq, limit: 200 });
    for (const e of page.items) {
      if (e.seq !== seq + 1) invariants.push(`event log: seq ${e.seq} after ${seq}`);
      if (e.type === 'approval.expired') expiredApprovals++;
      seq = e.seq;
    }
    if (page.items.length < 200) break;
  }
  const detail = await read<{ counts: { events: number } }>(stats, url, key, 'workspaces.get', undefined);
  if (detail.counts.events !== seq) invariants.push(`event log: ${detail.counts.events} events, last seq ${seq}`);
  const expiredLeases = [...steps.values()].filter((s) => s.result?.error?.code === 'lease_expired').length;
  return { lost, duplicates, invariants, tasks: tasks.size, steps: steps.size, events: seq, expiredApprovals, expiredLeases };
}
