/**
 * The model for the property tests: how each generated command (arbitraries.ts) is applied
 * to a task through the core's one way in, and what it must answer.
 */
import { expect } from 'vitest';
import {
  Policy,
  StepInput,
  applyDeadlines,
  claimableSteps,
  decideMany,
  deniedBy,
  deriveGrant,
  execute,
  raisesMode,
  DENIABLE_STATUSES,
  type CoreError,
  type Decision,
  type GrantMatcher,
  type Outcome,
  type Result,
  type Step,
  type Task,
  type TaskCommand,
} from '../../src/index.ts';
import { hashOf, type Env, type StepSpec } from '../fixtures.ts';
import { KILL_SWITCHES, LEASE_MS, STALE_HASH, paramsFor, who, type Cmd, type PlanKind } from './arbitraries.ts';

export type Applied = { kind: 'error'; error: CoreError } | { kind: 'nothing' } | { kind: 'ok'; outcome: Outcome; cancelledHeartbeat?: boolean };

const hashCache = new Map<string, Promise<string>>();
const cachedHash = (params: Record<string, unknown>): Promise<string> => {
  const k = JSON.stringify(params);
  let h = hashCache.get(k);
  if (!h) hashCache.set(k, (h = hashOf(params)));
  return h;
};

const TEXT = [undefined, ' use a smaller change ', '   '];

/** Run one command on the task through the aggregate's one way in, as `actor`. */
const run = (task: Task | undefined, command: TaskCommand, policy: Policy, env: Env, actor: string): Result<Outcome & { heartbeat?: { cancelled: boolean } }> =>
  execute(task, command, { ...env.ctx(actor), role: ROLES[actor] ?? 'agent', policy });

/** Each generated principal's role: the agent plans and runs, people decide, `admin` may do both. */
const ROLES: Record<string, 'agent' | 'approver' | 'admin'> = { agent: 'agent', runner: 'agent', alice: 'approver', bob: 'approver', carol: 'admin', admin: 'admin', alarm: 'admin' };

/**
 * Make the task the property starts from: a `plan` command through execute (open when
 * `open`, the way a coding agent's session starts), as the agent.
 */
export async function startTask(specs: StepSpec[], policy: Policy, env: Env, opts: { manual?: boolean; open?: boolean } = {}): Promise<Outcome> {
  const steps = specs.map((x) => StepInput.parse(x));
  const paramsHashes = await Promise.all(steps.map((x) => cachedHash(x.params)));
  const input = { title: 'a task', steps, ...(opts.manual ? { mode: 'manual' as const } : {}), ...(opts.open ? { open: true, session: 'sess-1' } : {}) };
  const r = run(undefined, { type: 'plan', input, paramsHashes }, policy, env, 'agent');
  if (!r.ok) throw new Error(`plan failed: ${r.error.message}`);
  return r.value;
}

/** A wider matcher than the derived one, as a reviewer may choose: the command's first word, or the path's folder. */
function widened(step: Step): GrantMatcher | undefined {
  const derived = deriveGrant(step);
  if (derived?.kind === 'command' && 'exact' in derived) return { kind: 'command', argvPrefix: [derived.exact.split(' ')[0]!] };
  if (derived?.kind === 'path') return { kind: 'path', stepKind: derived.stepKind, glob: derived.glob.includes('/') ? `${derived.glob.slice(0, derived.glob.lastIndexOf('/'))}/**` : '**' };
  return derived;
}

export async function apply(task: Task, cmd: Cmd, policy: Policy, env: Env): Promise<Applied> {
  const from = <T extends Outcome>(r: { ok: true; value: T } | { ok: false; error: CoreError }): Applied => (r.ok ? { kind: 'ok', outcome: r.value } : { kind: 'error', error: r.error });
  const stepAt = (i: number, fits: (s: Step) => boolean = () => true): Step | undefined => {
    const candidates = i >= 8 ? task.steps.filter(fits) : [];
    return candidates.length > 0 ? candidates[(i - 8) % candidates.length]! : task.steps[i % Math.max(1, task.steps.length)];
  };
  const noStep = { kind: 'nothing' } as const;
  const awaiting = (s: Step) => s.status === 'awaiting_approval';
  const executing = (s: Step) => s.status === 'executing';
  switch (cmd.t) {
    case 'decide': {
      const s = stepAt(cmd.step, awaiting);
      if (!s) return noStep;
      const text = TEXT[cmd.text];
      const newParams = cmd.variant === 9 ? {} : paramsFor(s.kind as PlanKind, cmd.variant + 10);
      // A scope goes with approve and modify (any other decision with one is refused: core unit tests).
      const scope = cmd.decision === 'approve' || cmd.decision === 'modify' ? (cmd.scope ?? 'once') : 'once';
      const grant = scope !== 'once' && cmd.widen === true ? widened(s) : undefined;
      const command: TaskCommand = {
        type: 'decide',
        approvalId: s.approval?.id ?? 'no-approval',
        stepId: s.id,
        decision: cmd.decision,
        paramsHash: cmd.stale ? STALE_HASH : s.paramsHash,
        ...(text !== undefined ? { feedback: text, answer: text } : {}),
        ...(cmd.decision === 'modify' ? { params: newParams, newParamsHash: await cachedHash(newParams) } : {}),
        ...(scope !== 'once' ? { scope } : {}),
        ...(grant ? { grant } : {}),
      };
      const r = run(task, command, policy, env, who(cmd.actor));
      // a stale hash never gets through
      if (cmd.stale) expect(r.ok, 'decide with a stale paramsHash accepted').toBe(false);
      // the creator never gives a grant, whatever preventSelfApproval says
      if (scope !== 'once' && who(cmd.actor) === task.createdBy) expect(r.ok, 'the creator gave a grant').toBe(false);
      return from(r);
    }
    case 'decideMany': {
      // Several approvals (possibly across tasks) at once: the one command outside the task aggregate's union.
      const items = task.steps
        .filter((s) => s.status === 'awaiting_approval' && s.approval)
        .map((s) => ({
          taskId: task.id,
          approvalId: s.approval!.id,
          stepId: s.id,
          decision: (s.kind === 'clarify' ? 'answer' : 'approve') as Decision,
          answer: 'yes',
          paramsHash: cmd.stale && s.index % 2 === 1 ? STALE_HASH : s.paramsHash,
        }));
      const r = decideMany([task], items, policy, env.ctx(who(cmd.actor)));
      if (items.some((i) => i.paramsHash === STALE_HASH)) expect(r.ok, 'decideMany with a stale paramsHash accepted').toBe(false);
      if (!r.ok) return { kind: 'error', error: r.error };
      if (r.value.length === 0) return { kind: 'nothing' };
      expect(r.value).toHaveLength(1);
      return { kind: 'ok', outcome: r.value[0]! };
    }
    case 'revise': {
      // Half the time the agent answers requested changes first, as agents do: otherwise the
      // moves out of changes_requested are too rare to reach (properties.test.ts, every declared move).
      const answering = cmd.variant % 2 === 0 && task.steps.some((x) => x.status === 'changes_requested');
      const s = stepAt(cmd.step, (x) => x.status === 'changes_requested' || (!answering && (x.status === 'awaiting_approval' || x.status === 'approved')));
      if (!s) return noStep;
      const params = cmd.valid ? paramsFor(s.kind as PlanKind, cmd.variant + 20) : { nope: true };
      return from(run(task, { type: 'revise', stepId: s.id, params, paramsHash: await cachedHash(params) }, policy, env, 'agent'));
    }
    case 'claim': {
      const ready = claimableSteps(task).length;
      const r = run(task, { type: 'claim', max: 1 + (cmd.step % 3), leaseSeconds: LEASE_MS / 1000 }, policy, env, 'runner');
      if (r.ok && r.value.events.length === 0) return { kind: 'nothing' };
      // a claim hands out nothing a deny rule matches, and at most what was asked
      if (r.ok) expect(r.value.events.filter((e) => e.type === 'step.claimed').length).toBeLessThanOrEqual(Math.min(ready, 1 + (cmd.step % 3)));
      return from(r);
    }
    case 'complete': {
      const s = stepAt(cmd.step, executing);
      if (!s) return noStep;
      const leaseId = cmd.wrongLease ? 'wrong-lease' : (s.lease?.leaseId ?? 'no-lease');
      const usage = cmd.usage ? { inputTokens: 10, outputTokens: 5, costUsd: 0.01 } : undefined;
      const r = run(task, { type: 'complete', stepId: s.id, leaseId, output: { ok: true }, usage }, policy, env, 'runner');
      if (cmd.wrongLease) expect(r.ok, 'complete with a wrong lease accepted').toBe(false);
      return from(r);
    }
    case 'fail': {
      const s = stepAt(cmd.step, executing);
      if (!s) return noStep;
      const leaseId = cmd.wrongLease ? 'wrong-lease' : (s.lease?.leaseId ?? 'no-lease');
      const r = run(task, { type: 'fail', stepId: s.id, leaseId, error: { message: 'boom', retryable: cmd.retryable } }, policy, env, 'runner');
      if (cmd.wrongLease) expect(r.ok, 'fail with a wrong lease accepted').toBe(false);
      return from(r);
    }
    case 'heartbeat': {
      const s = stepAt(cmd.step, executing);
      if (!s) return noStep;
      const leaseId = cmd.wrongLease ? 'wrong-lease' : (s.lease?.leaseId ?? 'no-lease');
      const r = run(task, { type: 'heartbeat', stepId: s.id, leaseId, leaseSeconds: LEASE_MS / 1000 }, policy, env, 'runner');
      if (!r.ok) return { kind: 'error', error: r.error };
      if (cmd.wrongLease) expect(r.value.heartbeat?.cancelled, 'heartbeat with a wrong lease extended it').toBe(true);
      return { kind: 'ok', outcome: r.value, cancelledHeartbeat: r.value.heartbeat?.cancelled === true };
    }
    case 'cancel': {
      const actor = who(cmd.actor);
      const r = run(task, { type: 'cancel', reason: 'changed my mind' }, policy, env, actor);
      // only the creator or a role that may cancel any task cancels
      if (actor !== task.createdBy && ROLES[actor] === 'agent') expect(r.ok).toBe(false);
      return from(r);
    }
    case 'setMode': {
      const actor = who(cmd.actor);
      const r = run(task, { type: 'setMode', mode: cmd.mode }, policy, env, actor);
      // raising a task's mode approves the rest of it: never its creator's to give while preventSelfApproval holds
      if (task.status === 'active' && policy.preventSelfApproval && actor === task.createdBy && raisesMode(task.mode, cmd.mode)) {
        expect(r.ok ? 'ok' : r.error.code, 'the creator raised its own task').toBe('FORBIDDEN');
      }
      return from(r);
    }
    case 'enforce': {
      // policy.set with a new deny rule in front: the kill switch sweep
      const stricter = { ...policy, rules: [KILL_SWITCHES[cmd.rule]!, ...policy.rules] };
      const r = run(task, { type: 'enforceDeny', recheck: { recheck: 'policy.set', policyVersion: 2 } }, stricter, env, 'admin');
      if (!r.ok) return { kind: 'error', error: r.error };
      const after = r.value.task;
      for (const s of after.steps) {
        const was = task.steps.find((x) => x.id === s.id)!;
        // nothing unstarted that the policy denies survives; what runs is not touched
        if (DENIABLE_STATUSES.has(s.status)) expect(deniedBy(stricter, s), `${s.key} ${s.status} though denied`).toBeUndefined();
        if (was.status === 'executing') expect(s).toEqual(was);
      }
      return r.value.events.length > 0 ? { kind: 'ok', outcome: r.value } : { kind: 'nothing' };
    }
    case 'deadlines': {
      const r = run(task, { type: 'deadlines' }, policy, env, 'alarm');
      if (!r.ok || r.value.events.length === 0) return { kind: 'nothing' };
      // applied once: the same call at the same time has nothing left to do
      expect(applyDeadlines(r.value.task, policy.maxAttempts, env.ctx('alarm'))).toBeUndefined();
      return { kind: 'ok', outcome: r.value };
    }
    case 'append': {
      const base = task.steps.length;
      const specs: StepSpec[] = cmd.steps.map((x, i) => ({
        key: cmd.dup && i === 0 && base > 0 ? task.steps[0]!.key : `s${base + i}`,
        kind: x.kind,
        title: `step ${base + i}`,
        params: paramsFor(x.kind, x.variant),
        // dependencies on steps the task has, or on earlier new ones; `forward` names a later new one
        dependsOn: [...new Set(x.deps.map((d) => `s${d % (base + i || 1)}`).filter((k) => base + i > 0 && k !== `s${base + i}`))].concat(
          cmd.forward && i === 0 && cmd.steps.length > 1 ? [`s${base + 1}`] : [],
        ),
      }));
      const steps = specs.map((x) => StepInput.parse(x));
      const paramsHashes = await Promise.all(steps.map((x) => cachedHash(x.params)));
      const actor = who(cmd.actor);
      const r = run(task, { type: 'append', steps, paramsHashes }, policy, env, actor);
      // only the creator appends, only to an open task, never a key the task has or a dependency ahead
      if (actor !== task.createdBy || task.open !== true || (cmd.dup && base > 0) || (cmd.forward && cmd.steps.length > 1)) expect(r.ok, 'a bad append accepted').toBe(false);
      return from(r);
    }
    case 'close': {
      const actor = who(cmd.actor);
      const r = run(task, { type: 'close', reason: 'closed' }, policy, env, actor);
      if (actor !== task.createdBy && ROLES[actor] === 'agent') expect(r.ok).toBe(false);
      if (r.ok && r.value.events.length === 0) return { kind: 'nothing' };
      return from(r);
    }
    case 'revokeGrant': {
      const grants = task.grants ?? [];
      const g = grants[cmd.pick % Math.max(1, grants.length)];
      const r = run(task, { type: 'revokeGrant', grantId: g?.id ?? 'no-grant' }, policy, env, who(cmd.actor));
      if (r.ok && r.value.events.length === 0) return { kind: 'nothing' };
      return from(r);
    }
  }
}
