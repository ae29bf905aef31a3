/**
 * Shared helpers for the core tests: a deterministic Ctx, params hashing, and a
 * `makeTask` that goes through validatePlan + planTask the way the shell does.
 */
import { expect } from 'vitest';
import type { z } from 'zod';
import {
  DEFAULT_POLICY,
  StepInput,
  paramsHash,
  planTask,
  validatePlan,
  type CoreError,
  type Ctx,
  type DecideCommand,
  type ErrorCode,
  type Mode,
  type Outcome,
  type Policy,
  type Result,
  type Step,
  type Task,
} from '../src/index.ts';

/** A fixed epoch so every timestamp in a test is predictable. */
export const T0 = 1_700_000_000_000;

/** Counter-based ids: 'id-0001', 'id-0002', ... */
export function idGenerator(prefix = 'id'): () => string {
  let n = 0;
  return () => `${prefix}-${String(++n).padStart(4, '0')}`;
}

/**
 * A clock and an id generator shared by every Ctx a test makes, so ids never repeat
 * across transitions and time only moves when the test says so.
 */
export type Env = {
  now: number;
  newId: () => string;
  ctx: (actor?: string, now?: number) => Ctx;
  advance: (ms: number) => number;
};

export function makeEnv(start = T0): Env {
  const env: Env = {
    now: start,
    newId: idGenerator(),
    ctx: (actor = 'agent', now?: number) => ({ now: now ?? env.now, actor, newId: env.newId }),
    advance: (ms: number) => (env.now += ms),
  };
  return env;
}

/** A one-off deterministic Ctx. */
export const makeCtx = (over: Partial<Ctx> = {}): Ctx => ({ now: T0, actor: 'agent', newId: idGenerator(), ...over });

export const hashOf = (params: unknown): Promise<string> => paramsHash(params);

/** What a test writes for a step: StepInput before zod defaults (dependsOn optional). */
export type StepSpec = z.input<typeof StepInput>;

/** Parse a step spec into a StepInput (fills the dependsOn default). */
export const stepInput = (spec: StepSpec): StepInput => StepInput.parse(spec);

/** Small builders for the common step kinds. */
export const readStep = (key: string, dependsOn: string[] = [], extra: Partial<StepSpec> = {}): StepSpec => ({
  key,
  kind: 'read',
  title: `read ${key}`,
  params: { tool: 'read_file', paths: [`src/${key}.ts`] },
  dependsOn,
  ...extra,
});
export const editStep = (key: string, dependsOn: string[] = [], extra: Partial<StepSpec> = {}): StepSpec => ({
  key,
  kind: 'edit_file',
  title: `edit ${key}`,
  params: { path: `src/${key}.ts`, content: `export const ${key} = 1;\n` },
  dependsOn,
  ...extra,
});
export const commandStep = (key: string, dependsOn: string[] = [], extra: Partial<StepSpec> = {}): StepSpec => ({
  key,
  kind: 'run_command',
  title: `run ${key}`,
  params: { command: `npm run ${key}` },
  dependsOn,
  ...extra,
});
export const clarifyStep = (key: string, dependsOn: string[] = [], extra: Partial<StepSpec> = {}): StepSpec => ({
  key,
  kind: 'clarify',
  title: `ask ${key}`,
  params: { questions: [`What about ${key}?`] },
  dependsOn,
  ...extra,
});

export type PlanOptions = { policy?: Policy; actor?: string; mode?: Mode; env?: Env; title?: string };

/** validatePlan, hash every step's params, planTask: the Result, for tests of failures. */
export async function planResult(specs: StepSpec[], opts: PlanOptions = {}): Promise<Result<Outcome>> {
  const steps = specs.map(stepInput);
  const valid = validatePlan(steps);
  if (!valid.ok) return valid;
  const paramsHashes = await Promise.all(steps.map((s) => hashOf(s.params)));
  const env = opts.env ?? makeEnv();
  return planTask({ input: { title: opts.title ?? 'a task', steps, ...(opts.mode ? { mode: opts.mode } : {}) }, paramsHashes }, opts.policy ?? DEFAULT_POLICY, env.ctx(opts.actor ?? 'agent'));
}

/** Plan a task that must be valid; returns the Outcome. */
export async function makeTask(specs: StepSpec[], policy: Policy = DEFAULT_POLICY, actor = 'agent', opts: Omit<PlanOptions, 'policy' | 'actor'> = {}): Promise<Outcome> {
  return unwrap(await planResult(specs, { ...opts, policy, actor }));
}

export function unwrap<T>(r: Result<T>): T {
  if (!r.ok) throw new Error(`expected ok, got ${r.error.code}: ${r.error.message}`);
  return r.value;
}

/** Assert a Result is an error with this code (and reason, when given); returns the error. */
export function expectError<T>(r: Result<T>, code: ErrorCode, reason?: string): CoreError {
  if (r.ok) throw new Error(`expected ${code}${reason ? ` (${reason})` : ''}, got ok`);
  expect(r.error.code).toBe(code);
  if (reason !== undefined) expect(r.error.reason).toBe(reason);
  return r.error;
}

export function stepOf(task: Task, key: string): Step {
  const s = task.steps.find((x) => x.key === key);
  if (!s) throw new Error(`no step ${key} in task ${task.id}`);
  return s;
}

/** A decision on the step's open approval, with the hash the reviewer saw. */
export function decision(step: Step, d: DecideCommand['decision'], extra: Partial<DecideCommand> = {}): DecideCommand {
  if (!step.approval) throw new Error(`step ${step.key} has no approval`);
  return { approvalId: step.approval.id, stepId: step.id, decision: d, paramsHash: step.paramsHash, ...extra };
}

/** A modify decision: new params plus their hash, as the shell prepares it. */
export async function modifyDecision(step: Step, params: Record<string, unknown>, extra: Partial<DecideCommand> = {}): Promise<DecideCommand> {
  return decision(step, 'modify', { params, newParamsHash: await hashOf(params), ...extra });
}

/** A JSON snapshot, to show a failed transition left its input untouched. */
export const snapshot = (v: unknown): string => JSON.stringify(v);
