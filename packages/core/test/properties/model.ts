/**
 * The model for the property tests: random valid plans and policies, random command
 * sequences, and how each command is applied to a task through the core.
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import {
  Policy,
  applyDeadlines,
  cancelTask,
  claim,
  claimableSteps,
  complete,
  decide,
  decideMany,
  deniedBy,
  enforceDenyRules,
  failStep,
  raisesMode,
  DENIABLE_STATUSES,
  heartbeat,
  revise,
  setMode,
  type CoreError,
  type Decision,
  type DefaultOnTimeout,
  type Mode,
  type Outcome,
  type PolicyRule,
  type Step,
  type Task,
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
    deps: i === 0 ? fc.constant<number[]>([]) : fc.subarray(Array.from({ length: i }, (_, j) => j), { maxLength: Math.min(3, i) }),
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
  | { t: 'decide'; step: number; decision: Decision; actor: number; stale: boolean; text: number; variant: number }
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
);

/** A step target: below 8 an index into the plan (often the wrong step); from 8 up, one of the steps the command fits. */
export const idx = fc.nat({ max: 31 });
const actor = fc.nat({ max: ACTORS.length - 1 });
const wrongLease = fc.oneof({ weight: 3, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) });
export const cmdArb: fc.Arbitrary<Cmd> = fc
  .tuple(
    fc.oneof(
      { weight: 6, arbitrary: fc.constant(0) },
      { weight: 3, arbitrary: fc.integer({ min: 1, max: 5_000 }) },
      { weight: 1, arbitrary: fc.integer({ min: 5_000, max: 60_000 }) },
    ),
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
        }),
      },
      { weight: 2, arbitrary: fc.record({ t: fc.constant('decideMany' as const), actor, stale: fc.boolean() }) },
      { weight: 5, arbitrary: fc.record({ t: fc.constant('revise' as const), step: idx, variant: fc.nat({ max: 9 }), valid: fc.oneof({ weight: 5, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }) }) },
      { weight: 12, arbitrary: fc.record({ t: fc.constant('claim' as const), step: idx }) },
      { weight: 12, arbitrary: fc.record({ t: fc.constant('complete' as const), step: idx, wrongLease, usage: fc.boolean() }) },
      { weight: 5, arbitrary: fc.record({ t: fc.constant('fail' as const), step: idx, wrongLease, retryable: fc.boolean() }) },
      { weight: 3, arbitrary: fc.record({ t: fc.constant('heartbeat' as const), step: idx, wrongLease }) },
      { weight: 1, arbitrary: fc.record({ t: fc.constant('cancel' as const), actor }) },
      { weight: 2, arbitrary: fc.record({ t: fc.constant('setMode' as const), mode: fc.constantFrom<Mode>('manual', 'copilot', 'autopilot'), actor }) },
      { weight: 2, arbitrary: fc.record({ t: fc.constant('enforce' as const), rule: fc.nat({ max: KILL_SWITCHES.length - 1 }) }) },
      { weight: 6, arbitrary: fc.record({ t: fc.constant('deadlines' as const) }) },
    ),
  )
  .map(([advance, c]) => ({ advance, ...c }));

// ---------------------------------------------------------------- applying commands

export type Applied =
  | { kind: 'error'; error: CoreError }
  | { kind: 'nothing' }
  | { kind: 'ok'; outcome: Outcome; cancelledHeartbeat?: boolean };

const hashCache = new Map<string, Promise<string>>();
const cachedHash = (params: Record<string, unknown>): Promise<string> => {
  const k = JSON.stringify(params);
  let h = hashCache.get(k);
  if (!h) hashCache.set(k, (h = hashOf(params)));
  return h;
};

const TEXT = [undefined, ' use a smaller change ', '   '];

export async function apply(task: Task, cmd: Cmd, policy: Policy, env: Env): Promise<Applied> {
  const from = <T extends Outcome>(r: { ok: true; value: T } | { ok: false; error: CoreError }): Applied =>
    r.ok ? { kind: 'ok', outcome: r.value } : { kind: 'error', error: r.error };
  const stepAt = (i: number, fits: (s: Step) => boolean = () => true): Step => {
    const candidates = i >= 8 ? task.steps.filter(fits) : [];
    return candidates.length > 0 ? candidates[(i - 8) % candidates.length]! : task.steps[i % task.steps.length]!;
  };
  const awaiting = (s: Step) => s.status === 'awaiting_approval';
  const executing = (s: Step) => s.status === 'executing';
  switch (cmd.t) {
    case 'decide': {
      const s = stepAt(cmd.step, awaiting);
      const text = TEXT[cmd.text];
      const newParams = cmd.variant === 9 ? {} : paramsFor(s.kind as PlanKind, cmd.variant + 10);
      const decideCmd = {
        approvalId: s.approval?.id ?? 'no-approval',
        stepId: s.id,
        decision: cmd.decision,
        paramsHash: cmd.stale ? STALE_HASH : s.paramsHash,
        ...(text !== undefined ? { feedback: text, answer: text } : {}),
        ...(cmd.decision === 'modify' ? { params: newParams, newParamsHash: await cachedHash(newParams) } : {}),
      };
      const r = decide(task, decideCmd, policy, env.ctx(ACTORS[cmd.actor]));
      // a stale hash never gets through
      if (cmd.stale) expect(r.ok, 'decide with a stale paramsHash accepted').toBe(false);
      return from(r);
    }
    case 'decideMany': {
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
      const r = decideMany([task], items, policy, env.ctx(ACTORS[cmd.actor]));
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
      const params = cmd.valid ? paramsFor(s.kind as PlanKind, cmd.variant + 20) : { nope: true };
      return from(revise(task, { stepId: s.id, params, paramsHash: await cachedHash(params) }, policy, env.ctx('agent')));
    }
    case 'claim':
      return from(claim(task, { stepIds: [stepAt(cmd.step, (x) => claimableSteps(task).includes(x)).id], leaseMs: LEASE_MS }, policy, env.ctx('runner')));
    case 'complete': {
      const s = stepAt(cmd.step, executing);
      const leaseId = cmd.wrongLease ? 'wrong-lease' : (s.lease?.leaseId ?? 'no-lease');
      const usage = cmd.usage ? { inputTokens: 10, outputTokens: 5, costUsd: 0.01 } : undefined;
      const r = complete(task, { stepId: s.id, leaseId, output: { ok: true }, ...(usage ? { usage } : {}) }, env.ctx('runner'));
      if (cmd.wrongLease) expect(r.ok, 'complete with a wrong lease accepted').toBe(false);
      return from(r);
    }
    case 'fail': {
      const s = stepAt(cmd.step, executing);
      const leaseId = cmd.wrongLease ? 'wrong-lease' : (s.lease?.leaseId ?? 'no-lease');
      const r = failStep(task, { stepId: s.id, leaseId, error: { message: 'boom', retryable: cmd.retryable } }, policy.maxAttempts, env.ctx('runner'));
      if (cmd.wrongLease) expect(r.ok, 'fail with a wrong lease accepted').toBe(false);
      return from(r);
    }
    case 'heartbeat': {
      const s = stepAt(cmd.step, executing);
      const leaseId = cmd.wrongLease ? 'wrong-lease' : (s.lease?.leaseId ?? 'no-lease');
      const r = heartbeat(task, { stepId: s.id, leaseId, leaseMs: LEASE_MS }, env.ctx('runner'));
      if (!r.ok) return { kind: 'error', error: r.error };
      if (cmd.wrongLease) expect(r.value.heartbeat.cancelled, 'heartbeat with a wrong lease extended it').toBe(true);
      return { kind: 'ok', outcome: r.value, cancelledHeartbeat: r.value.heartbeat.cancelled };
    }
    case 'cancel':
      return from(cancelTask(task, 'changed my mind', env.ctx(ACTORS[cmd.actor])));
    case 'setMode': {
      const actor = ACTORS[cmd.actor];
      const r = setMode(task, cmd.mode, policy, env.ctx(actor));
      // raising a task's mode approves the rest of it: never its creator's to give while preventSelfApproval holds
      if (task.status === 'active' && policy.preventSelfApproval && actor === task.createdBy && raisesMode(task.mode, cmd.mode)) {
        expect(r.ok ? 'ok' : r.error.code, 'the creator raised its own task').toBe('FORBIDDEN');
      }
      return from(r);
    }
    case 'enforce': {
      // policy.set with a new deny rule in front: the kill switch sweep
      const stricter = { ...policy, rules: [KILL_SWITCHES[cmd.rule]!, ...policy.rules] };
      const out = enforceDenyRules(task, stricter, env.ctx('admin'));
      const after = out?.task ?? task;
      for (const s of after.steps) {
        const was = task.steps.find((x) => x.id === s.id)!;
        // nothing unstarted that the policy denies survives; what runs is not touched
        if (DENIABLE_STATUSES.has(s.status)) expect(deniedBy(stricter, s), `${s.key} ${s.status} though denied`).toBeUndefined();
        if (was.status === 'executing') expect(s).toEqual(was);
      }
      return out ? { kind: 'ok', outcome: out } : { kind: 'nothing' };
    }
    case 'deadlines': {
      const out = applyDeadlines(task, policy.maxAttempts, env.ctx('alarm'));
      if (!out) return { kind: 'nothing' };
      // applied once: the same call at the same time has nothing left to do
      expect(applyDeadlines(out.task, policy.maxAttempts, env.ctx('alarm'))).toBeUndefined();
      return { kind: 'ok', outcome: out };
    }
  }
}

// ---------------------------------------------------------------- invariants

