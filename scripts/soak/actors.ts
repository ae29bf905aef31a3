/**
 * The soak's clients: agents planning and revising, approvers deciding, executors
 * claiming and reporting, a canceller and a reader. Each writes what the server
 * ACKNOWLEDGED into the ledger the final check compares against; an unanswered
 * mutation is retried with the same idempotency key until it is answered or time is up.
 */
import type { Approval, ClaimedStep, DecideResult, Decision, StepKind, StepReport, StepStatus, TaskSummary, TaskView } from '@greenlight/core';
import { rpc, sleep, type Answer, type CallStats } from './rpc.ts';

export type Ledger = {
  plans: { key: string; taskId: string; steps: { id: string; key: string }[] }[];
  decisions: { approvalId: string; stepId: string; decision: Decision; stepStatus: StepStatus }[];
  /** Every step handed to an executor, as the executor saw it. */
  claims: { stepId: string; attempt: number; leaseId: string; idempotent: boolean; kind: StepKind; executor: string }[];
  reports: { stepId: string; attempt: number; op: 'complete' | 'fail'; stepStatus: StepStatus }[];
  cancels: { taskId: string }[];
  revisions: number;
};
export const newLedger = (): Ledger => ({ plans: [], decisions: [], claims: [], reports: [], cancels: [], revisions: 0 });

export type Soak = { url: string; stats: CallStats; ledger: Ledger; stopped: () => boolean };
type Client = { name: string; key: string };

const rand = (lo: number, hi: number) => lo + Math.floor(Math.random() * (hi - lo + 1));
const chance = (p: number) => Math.random() < p;
const pickOne = <T>(xs: readonly T[]): T | undefined => xs[Math.floor(Math.random() * xs.length)];

const call = <T>(s: Soak, c: Client, path: string, input: unknown, method: 'GET' | 'POST' = 'POST') => rpc<T>(s.stats, s.url, c.key, path, input, method);

/** Retry an unanswered call (same input, same idempotency key) while the server is down. */
async function persist<T>(s: Soak, c: Client, path: string, input: unknown): Promise<Answer<T>> {
  for (;;) {
    const a = await call<T>(s, c, path, input);
    if (a.kind !== 'unknown' || s.stopped()) return a;
    await sleep(rand(200, 500));
  }
}

/** Run `step` until the soak stops; back off while the server is unreachable. */
async function loop(s: Soak, pause: [number, number], step: () => Promise<boolean>): Promise<void> {
  while (!s.stopped()) {
    const reachable = await step();
    await sleep(reachable ? rand(...pause) : rand(200, 500));
  }
}

// ------------------------------------------------------------------ plans

const KINDS: StepKind[] = ['read', 'read', 'edit_file', 'edit_file', 'run_command', 'run_command', 'delete_file', 'execute_code', 'custom', 'clarify'];
export function paramsFor(kind: StepKind, n: number): Record<string, unknown> {
  switch (kind) {
    case 'read':
      return { tool: 'read_file', paths: [`src/f${n}.ts`] };
    case 'edit_file':
      return { path: `src/f${n}.ts`, patch: `--- a/src/f${n}.ts\n+++ b/src/f${n}.ts\n@@ -1 +1 @@\n-old\n+new ${n}\n` };
    case 'run_command':
      return { command: `npm test -- --shard ${n}` };
    case 'delete_file':
      return { path: `tmp/f${n}.log` };
    case 'execute_code':
      return { language: 'python', code: `print(${n})` };
    case 'custom':
      return { tool: 'deploy', input: { env: 'staging', n } };
    case 'clarify':
      return { questions: [`Which branch for ${n}?`] };
    case 'network':
      return { method: 'GET', url: `https://example.com/${n}` };
  }
}
function plan(key: string) {
  const steps = Array.from({ length: rand(2, 6) }, (_, i) => {
    const kind = pickOne(KINDS)!;
    const earlier = Array.from({ length: i }, (_, j) => `s${j}`);
    return {
      key: `s${i}`,
      kind,
      title: `${kind} ${i}`,
      params: paramsFor(kind, rand(0, 1e6)),
      dependsOn: earlier.filter(() => chance(0.3)).slice(-2),
      ...(kind !== 'read' && chance(0.3) ? { idempotent: true } : {}),
    };
  });
  return { title: `${key} soak task`, steps, idempotencyKey: key };
}

export async function agent(s: Soak, c: Client): Promise<void> {
  const mine: string[] = [];
  let n = 0;
  await loop(s, [600, 1400], async () => {
    const roll = Math.random();
    if (roll < 0.25 && mine.length > 0) {
      // Answer requests for changes on one of our tasks.
      const got = await call<TaskView>(s, c, 'tasks.get', { taskId: pickOne(mine.slice(-20)) }, 'GET');
      if (got.kind !== 'ok') return got.kind !== 'unknown';
      for (const step of got.data.steps.filter((x) => x.status === 'changes_requested')) {
        const r = await persist<TaskView>(s, c, 'tasks.revise', {
          taskId: got.data.id,
          stepId: step.id,
          params: paramsFor(step.kind, rand(0, 1e6)),
          idempotencyKey: `rev-${step.id}-${step.revision}`,
        });
        if (r.kind === 'ok') s.ledger.revisions++;
      }
      return true;
    }
    if (roll < 0.28 && mine.length > 0) {
      const taskId = pickOne(mine)!;
      const r = await persist<TaskView>(s, c, 'tasks.cancel', { taskId, reason: 'agent changed its mind', idempotencyKey: `cancel-${taskId}` });
      if (r.kind === 'ok') s.ledger.cancels.push({ taskId });
      return r.kind !== 'unknown';
    }
    const key = `${c.name}-${n++}`;
    const r = await persist<TaskView>(s, c, 'tasks.plan', plan(key));
    if (r.kind === 'ok') {
      mine.push(r.data.id);
      s.ledger.plans.push({ key, taskId: r.data.id, steps: r.data.steps.map((x) => ({ id: x.id, key: x.key })) });
    }
    return r.kind !== 'unknown';
  });
}

// ------------------------------------------------------------------ decisions

function decisionFor(a: Approval): Record<string, unknown> {
  const base = { approvalId: a.approvalId, paramsHash: a.paramsHash };
  if (a.requiresTextInput) return chance(0.85) ? { ...base, decision: 'answer', answer: 'main' } : { ...base, decision: pickOne(['skip', 'reject'] as const) };
  const r = Math.random();
  if (r < 0.62) return { ...base, decision: 'approve' };
  if (r < 0.74) return { ...base, decision: 'request_changes', feedback: 'make it smaller' };
  if (r < 0.82) return { ...base, decision: 'reject', feedback: 'no' };
  if (r < 0.9) return { ...base, decision: 'skip' };
  return { ...base, decision: 'modify', params: paramsFor(a.kind, rand(0, 1e6)) };
}

export async function approver(s: Soak, c: Client): Promise<void> {
  await loop(s, [50, 250], async () => {
    const inbox = await call<{ items: Approval[] }>(s, c, 'approvals.list', { limit: 50 }, 'GET');
    if (inbox.kind !== 'ok') return inbox.kind !== 'unknown';
    // Deletes are left to their timeout (soak.ts's policy), so the alarm decides some steps.
    const mine = inbox.data.items.filter((a) => a.kind !== 'delete_file');
    if (mine.length === 0) return true;
    const plain = mine.filter((a) => !a.requiresTextInput);
    if (chance(0.15) && plain.length > 1) {
      // "Approve these": all or nothing.
      const batch = [...plain].sort(() => Math.random() - 0.5).slice(0, rand(2, 5));
      const items = batch.map((a) => ({ approvalId: a.approvalId, decision: 'approve' as const, paramsHash: a.paramsHash }));
      const r = await persist<{ items: DecideResult[] }>(s, c, 'approvals.decideMany', { items, idempotencyKey: `many-${c.name}-${batch.map((a) => a.approvalId).join(',')}` });
      if (r.kind === 'ok') for (const d of r.data.items) s.ledger.decisions.push({ approvalId: d.approvalId, stepId: d.stepId, decision: 'approve', stepStatus: d.stepStatus });
      return r.kind !== 'unknown';
    }
    const a = pickOne(mine)!;
    const input = decisionFor(a);
    const r = await persist<DecideResult>(s, c, 'approvals.decide', { ...input, idempotencyKey: `dec-${c.name}-${a.approvalId}` });
    if (r.kind === 'ok') s.ledger.decisions.push({ approvalId: a.approvalId, stepId: r.data.stepId, decision: input.decision as Decision, stepStatus: r.data.stepStatus });
    return r.kind !== 'unknown';
  });
}

// ------------------------------------------------------------------ execution

async function run(s: Soak, c: Client, step: ClaimedStep): Promise<void> {
  await sleep(rand(20, 400));
  if (chance(0.15)) await call(s, c, 'steps.heartbeat', { stepId: step.stepId, leaseId: step.leaseId, leaseSeconds: 12 });
  if (chance(0.05)) return; // abandoned: the lease runs out (a crashed executor)
  const fail = chance(0.15);
  const op = fail ? 'fail' : 'complete';
  const input = fail
    ? { stepId: step.stepId, leaseId: step.leaseId, error: { message: 'exit 1', retryable: chance(0.5) }, idempotencyKey: `rep-${step.leaseId}` }
    : { stepId: step.stepId, leaseId: step.leaseId, output: { ok: true, by: c.name }, usage: { inputTokens: 10, outputTokens: 5, costUsd: 0.001 }, idempotencyKey: `rep-${step.leaseId}` };
  const r = await persist<StepReport>(s, c, `steps.${op}`, input);
  if (r.kind === 'ok') s.ledger.reports.push({ stepId: step.stepId, attempt: step.attempt, op, stepStatus: r.data.stepStatus });
}

export async function executor(s: Soak, c: Client): Promise<void> {
  await loop(s, [50, 300], async () => {
    // Not retried: a claim whose answer was lost handed nothing to anyone; its lease runs out.
    const r = await call<{ steps: ClaimedStep[] }>(s, c, 'steps.claim', { max: rand(1, 3), leaseSeconds: 12 });
    if (r.kind !== 'ok') return r.kind !== 'unknown';
    for (const step of r.data.steps) {
      s.ledger.claims.push({ stepId: step.stepId, attempt: step.attempt, leaseId: step.leaseId, idempotent: step.idempotent, kind: step.kind, executor: c.name });
    }
    await Promise.all(r.data.steps.map((step) => run(s, c, step)));
    return true;
  });
}

// ------------------------------------------------------------------ the rest

export async function canceller(s: Soak, c: Client): Promise<void> {
  await loop(s, [1500, 3500], async () => {
    const active = await call<{ items: TaskSummary[] }>(s, c, 'tasks.list', { status: 'active', limit: 50 }, 'GET');
    if (active.kind !== 'ok') return active.kind !== 'unknown';
    const task = pickOne(active.data.items);
    if (!task) return true;
    const r = await persist<TaskView>(s, c, 'tasks.cancel', { taskId: task.id, reason: 'reviewer stopped it', idempotencyKey: `cancel-${task.id}` });
    if (r.kind === 'ok') s.ledger.cancels.push({ taskId: task.id });
    return r.kind !== 'unknown';
  });
}

export async function reader(s: Soak, c: Client): Promise<void> {
  await loop(s, [100, 400], async () => {
    const [path, input] = pickOne([
      ['events.list', { after: rand(0, 500), limit: 100 }],
      ['tasks.list', { limit: 50 }],
      ['workspaces.get', undefined],
    ] as const)!;
    return (await call(s, c, path, input, 'GET')).kind !== 'unknown';
  });
}
