/**
 * The generators for the property tests: random valid plans and policies, the principals
 * who act, the deny rules an admin may add later, and random command sequences (Cmd).
 * How each command is applied is the model's (model.ts).
 */
import fc from 'fast-check';
import { Policy, type Decision, type DefaultOnTimeout, type GrantScope, type Mode, type PolicyRule } from '../../src/index.ts';
import type { StepSpec } from '../fixtures.ts';

export type PlanKind = 'read' | 'edit_file' | 'run_command' | 'clarify';
const KINDS: PlanKind[] = ['read', 'edit_file', 'run_command', 'clarify'];
const TIMEOUTS: DefaultOnTimeout[] = ['reject', 'approve', 'skip', 'cancel_task'];

/** A few params per kind: the variants also drive which policy rules match. */
export function paramsFor(kind: PlanKind, variant: number): Record<string, unknown> {
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

export const ACTORS = ['agent', 'alice', 'bob', 'carol'] as const;
/** The generated actor number as a principal. */
export const who = (i: number): string => ACTORS[i % ACTORS.length]!;

/** Deny rules an admin may add later, each matching some of the generated steps. */
export const KILL_SWITCHES: PolicyRule[] = [
  { name: 'stop-tests', match: { command: '^npm test' }, action: 'deny', reason: 'tests are frozen' },
  { name: 'stop-src', match: { path: 'src/**' }, action: 'deny' },
  { name: 'stop-commands', match: { kind: 'run_command' }, action: 'deny' },
  { name: 'stop-high', match: { risk: 'high' }, action: 'deny' },
];
export const STALE_HASH = '0'.repeat(64);
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
