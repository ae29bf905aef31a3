/**
 * The model for the property tests: random valid plans and policies, random command
 * sequences, and how each command is applied to a task through the core.
 */
import fc from 'fast-check';
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
  type DefaultOnTimeout,
  type GrantMatcher,
  type GrantScope,
  type Mode,
  type Outcome,
  type PolicyRule,
  type Result,
  type Step,
  type Task,
  type TaskCommand,
} from '../../src/index.ts';
import { hashOf, type Env, type StepSpec } from '../fixtures.ts';

type PlanKind = 'read' | 'edit_file' | 'run_command' | 'clarify';
const KINDS: PlanKind[] = ['read', 'edit_file', 'run_command', 'clarify'];
const TIMEOUTS: DefaultOnTimeout[] = ['reject', 'approve', 'skip', 'cancel_task'];

/** A few params per kind: the variants also drive which policy rules match. */
function paramsFor(kind: PlanKind, variant: number): Record<string, unknown> {
  const v = variant % 4;
  switch (kind) {
    case 'read':
      return { tool: ['read_file', 'search', 'grep', 'list_files'][v], paths: [['src/a.ts'], ['memory/notes.md'], ['src/b.ts', 'docs/x.md'], []][v] };
    case 'edit_file':
      return { path: ['src/a.ts', 'memory/notes.md', 'docs/readme.md', 'src/deep/b.ts'][v], content: `version ${variant}` };
    case 'run_command':
      return { command: ['npm test', 'rm -rf build', 'deploy prod', `echo ${variant}`][v] };
    case 'clarify':
      return { questions: [`question ${variant}?`] };
  }
}

const stepArb = (i: number) =>
  fc.record({
    kind: fc.constantFrom(...KINDS),
    variant: fc.nat({ max: 7 }),
    deps:
      i === 0
        ? fc.constant<number[]>([])
        : fc.subarray(
            Array.from({ length: i }, (_, j) => j),
            { maxLength: Math.min(3, i) },
          ),
    idempotent: fc.boolean(),
    risk: fc.constantFrom(undefined, 'low' as const, 'high' as const),
  });

export const planArb = fc
  .integer({ min: 2, max: 8 })
  .chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => stepArb(i))))
  .map((steps): StepSpec[] =>
    steps.map((s, i) => ({
      key: `s${i}`,
      kind: s.kind,
      title: `step ${i}`,
      params: paramsFor(s.kind, s.variant),
      dependsOn: s.deps.map((j) => `s${j}`),
      idempotent: s.idempotent,
      ...(s.risk ? { risk: s.risk } : {}),
    })),
  );

const RULES = (dot: DefaultOnTimeout): PolicyRule[] => [
  { name: 'two-for-commands', match: { kind: 'run_command' }, action: 'ask', requiredApprovals: 2 },
  { name: 'no-rm', match: { command: '^rm ' }, action: 'deny', reason: 'no rm' },
  { name: 'edits-expire', match: { kind: 'edit_file' }, action: 'ask', timeoutSeconds: 30, defaultOnTimeout: dot },
  { name: 'protected', match: { path: 'memory/**' }, action: 'deny' },
  { name: 'src-ok', match: { path: 'src/**' }, action: 'allow' },
  { name: 'clarify-expires', match: { kind: 'clarify' }, action: 'ask', timeoutSeconds: 20, defaultOnTimeout: dot },
  { name: 'grep-asks', match: { tool: 'grep' }, action: 'ask' },
  { name: 'risky', match: { risk: 'high' }, action: 'ask', requiredApprovals: 2, timeoutSeconds: 45 },
];

export const policyArb = fc
  .record({
    mode: fc.constantFrom<Mode>('manual', 'copilot', 'autopilot'),
    ruleIdx: fc.shuffledSubarray([0, 1, 2, 3, 4, 5, 6, 7]),
    ruleTimeout: fc.constantFrom(...TIMEOUTS),
    requiredApprovals: fc.integer({ min: 1, max: 2 }),
    preventSelfApproval: fc.boolean(),
    timeoutSeconds: fc.option(fc.integer({ min: 10, max: 120 }), { nil: undefined }),
    defaultOnTimeout: fc.constantFrom(...TIMEOUTS),
    maxAttempts: fc.integer({ min: 1, max: 3 }),
  })
  .map((p) => {
    const rules = RULES(p.ruleTimeout);
    return Policy.parse({
      mode: p.mode,
      rules: p.ruleIdx.map((i) => rules[i]!),
      requiredApprovals: p.requiredApprovals,
      preventSelfApproval: p.preventSelfApproval,
      ...(p.timeoutSeconds !== undefined ? { timeoutSeconds: p.timeoutSeconds } : {}),
      defaultOnTimeout: p.defaultOnTimeout,
      maxAttempts: p.maxAttempts,
    });
  });

const ACTORS = ['agent', 'alice', 'bob', 'carol'] as const;
/** The generated actor number as a principal. */
const who = (i: number): string => ACTORS[i % ACTORS.length]!;

/** Deny rules an admin may add later, each matching some of the generated steps. */
const KILL_SWITCHES: PolicyRule[] = [
  { name: 'stop-tests', match: { command: '^npm test' }, action: 'deny', reason: 'tests are frozen' },
  { name: 'stop-src', match: { path: 'src/**' }, action: 'deny' },
  { name: 'stop-commands', match: { kind: 'run_command' }, action: 'deny' },
  { name: 'stop-high', match: { risk: 'high' }, action: 'deny' },
];
const STALE_HASH = '0'.repeat(64);
export const LEASE_MS = 60_000;

export type Cmd = { advance: number } & (
  | { t: 'decide'; step: number; decision: Decision; actor: number; stale: boolean; text: number; variant: number; scope?: GrantScope; widen?: boolean }
  | { t: 'decideMany'; actor: number; stale: boolean }
  | { t: 'revise'; step: number; variant: number; valid: boolean }
  | { t: 'claim'; step: number }
  | { t: 'complete'; step: number; wrongLease: boolean; usage: boolean }
  | { t: 'fail'; step: number; wrongLease: boolean; retryable: boolean }
  | { t: 'heartbeat'; step: number; wrongLease: boolean }
  | { t: 'cancel'; actor: number }
  | { t: 'setMode'; mode: Mode; actor: number }
  | { t: 'enforce'; rule: number }
  | { t: 'deadlines' }
  // sessions: more steps for an open task (`dup`: a key the task has; `forward`: a dependency on a later new step), closing it, revoking a grant
  | { t: 'append'; steps: { kind: PlanKind; variant: number; deps: number[] }[]; actor: number; dup: boolean; forward: boolean }
  | { t: 'close'; actor: number }
  | { t: 'revokeGrant'; pick: number; actor: number }
);

/** A step target: below 8 an index into the plan (often the wrong step); from 8 up, one of the steps the command fits. */
export const idx = fc.nat({ max: 31 });
const actor = fc.nat({ max: ACTORS.length - 1 });
const wrongLease = fc.oneof({ weight: 3, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) });
export const cmdArb: fc.Arbitrary<Cmd> = fc
  .tuple(
    fc.oneof({ weight: 6, arbitrary: fc.constant(0) }, { weight: 3, arbitrary: fc.integer({ min: 1, max: 5_000 }) }, { weight: 1, arbitrary: fc.integer({ min: 5_000, max: 60_000 }) }),
    fc.oneof(
      {
        weight: 24,
        arbitrary: fc.record({
          t: fc.constant('decide' as const),
          step: idx,
          decision: fc.constantFrom<Decision>('approve', 'approve', 'approve', 'reject', 'request_changes', 'request_changes', 'modify', 'skip', 'answer', 'answer'),
          actor,
          stale: fc.oneof({ weight: 4, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
          text: fc.nat({ max: 2 }),
          variant: fc.nat({ max: 9 }),
          scope: fc.constantFrom<GrantScope>('once', 'once', 'task', 'task', 'always'),
          widen: fc.boolean(),
        }),
      },
      { weight: 2, arbitrary: fc.record({ t: fc.constant('decideMany' as const), actor, stale: fc.boolean() }) },
      {
        weight: 7,
        arbitrary: fc.record({
          t: fc.constant('revise' as const),
          step: idx,
          variant: fc.nat({ max: 9 }),
          valid: fc.oneof({ weight: 5, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
        }),
      },
      { weight: 12, arbitrary: fc.record({ t: fc.constant('claim' as const), step: idx }) },
      { weight: 12, arbitrary: fc.record({ t: fc.constant('complete' as const), step: idx, wrongLease, usage: fc.boolean() }) },
      { weight: 5, arbitrary: fc.record({ t: fc.constant('fail' as const), step: idx, wrongLease, retryable: fc.boolean() }) },
      { weight: 3, arbitrary: fc.record({ t: fc.constant('heartbeat' as const), step: idx, wrongLease }) },
      { weight: 1, arbitrary: fc.record({ t: fc.constant('cancel' as const), actor }) },
      { weight: 2, arbitrary: fc.record({ t: fc.constant('setMode' as const), mode: fc.constantFrom<Mode>('manual', 'copilot', 'autopilot'), actor }) },
      { weight: 2, arbitrary: fc.record({ t: fc.constant('enforce' as const), rule: fc.nat({ max: KILL_SWITCHES.length - 1 }) }) },
      { weight: 6, arbitrary: fc.record({ t: fc.constant('deadlines' as const) }) },
      {
        weight: 5,
        arbitrary: fc.record({
          t: fc.constant('append' as const),
          steps: fc.array(fc.record({ kind: fc.constantFrom(...KINDS), variant: fc.nat({ max: 7 }), deps: fc.array(fc.nat({ max: 20 }), { maxLength: 2 }) }), { minLength: 1, maxLength: 2 }),
          actor: fc.oneof({ weight: 5, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: actor }),
          dup: fc.oneof({ weight: 8, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
          forward: fc.oneof({ weight: 8, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
        }),
      },
      { weight: 1, arbitrary: fc.record({ t: fc.constant('close' as const), actor }) },
      { weight: 2, arbitrary: fc.record({ t: fc.constant('revokeGrant' as const), pick: fc.nat({ max: 7 }), actor }) },
    ),
  )
  .map(([advance, c]) => ({ advance, ...c }));

// ---------------------------------------------------------------- applying commands

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
