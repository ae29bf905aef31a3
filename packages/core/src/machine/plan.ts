/**
 * Planning: a plan is checked whole (shapes per kind, unique keys, known
 * dependencies, no cycles, sizes) before anything exists, then becomes a task whose
 * steps the policy has already sorted into approved, asking and rejected.
 */
import { withArticle } from '../article.ts';
import type { Mode } from '../enums.ts';
import { LIMITS } from '../limits.ts';
import { evaluatePolicy, higherMode } from '../policy.ts';
import { badRequest, fail, ok, type Issue, type Result } from '../result.ts';
import { ZERO_USAGE } from '../schemas/common.ts';
import { parseParams } from '../schemas/params.ts';
import type { Grant } from '../schemas/grant.ts';
import type { Policy, PolicyVerdict } from '../schemas/policy.ts';
import type { Step, StepInput } from '../schemas/step.ts';
import type { PlanInput, Task } from '../schemas/task.ts';
import type { EventData } from '../schemas/event.ts';
import { requestApproval } from './approval.ts';
import type { DenyRecheck } from './deny.ts';
import { Draft, type Ctx, type Outcome } from './draft.ts';
import { settle } from './settle.ts';

const zodIssues = (prefix: (string | number)[], issues: { path: PropertyKey[]; message: string }[]): Issue[] =>
  issues.map((i) => ({ path: [...prefix, ...i.path.map((p) => (typeof p === 'number' ? p : String(p)))], message: i.message }));

/** Check one step's params against its kind. */
export function checkStepParams(step: Pick<StepInput, 'kind' | 'params' | 'baseHash'>, at: (string | number)[]): Issue[] {
  const parsed = parseParams(step.kind, step.params);
  const issues = parsed.success ? [] : zodIssues([...at, 'params'], parsed.error.issues);
  if (step.baseHash !== undefined && step.kind !== 'edit_file' && step.kind !== 'delete_file') {
    issues.push({ path: [...at, 'baseHash'], message: 'baseHash applies to edit_file and delete_file steps only' });
  }
  return issues;
}

/** New params for an existing step (a revision, or a reviewer's modify): they must fit its kind. */
export function checkNewParams(step: Pick<StepInput, 'kind' | 'baseHash'>, params: Record<string, unknown>): Result<void> {
  const issues = checkStepParams({ kind: step.kind, params, baseHash: step.baseHash }, []);
  return issues.length > 0 ? badRequest(`params do not fit ${withArticle(step.kind)} step: ${issues[0]!.message}`, issues) : ok(undefined);
}

/** The whole-plan check. Returns every problem found, not just the first. An open plan may have no step yet. */
export function validatePlan(steps: StepInput[], opts: { open?: boolean | undefined } = {}): Result<void> {
  const issues: Issue[] = [];
  if (steps.length === 0 && opts.open !== true) issues.push({ path: ['steps'], message: 'a plan needs at least one step (or open: true)' });
  if (steps.length > LIMITS.stepsPerPlan) issues.push({ path: ['steps'], message: `a plan has at most ${LIMITS.stepsPerPlan} steps` });
  const keys = new Map<string, number>();
  steps.forEach((s, i) => {
    if (keys.has(s.key)) issues.push({ path: ['steps', i, 'key'], message: `duplicate step key "${s.key}"` });
    else keys.set(s.key, i);
    issues.push(...checkStepParams(s, ['steps', i]));
  });
  steps.forEach((s, i) => {
    s.dependsOn.forEach((dep, j) => {
      if (dep === s.key) issues.push({ path: ['steps', i, 'dependsOn', j], message: `step "${s.key}" depends on itself` });
      else if (!keys.has(dep)) issues.push({ path: ['steps', i, 'dependsOn', j], message: `unknown step key "${dep}"` });
    });
    if (new Set(s.dependsOn).size !== s.dependsOn.length) issues.push({ path: ['steps', i, 'dependsOn'], message: 'duplicate dependency' });
  });
  if (issues.length === 0) {
    const cycle = findCycle(steps);
    if (cycle) issues.push({ path: ['steps'], message: `dependency cycle: ${cycle.join(' -> ')}` });
  }
  return issues.length > 0 ? badRequest(`invalid plan: ${issues[0]!.message}`, issues) : ok(undefined);
}

/** A cycle in the dependency graph, as the keys along it, or undefined (Kahn's algorithm). */
export function findCycle(steps: Pick<StepInput, 'key' | 'dependsOn'>[]): string[] | undefined {
  const indegree = new Map(steps.map((s) => [s.key, s.dependsOn.length]));
  const dependents = new Map<string, string[]>();
  for (const s of steps) for (const d of s.dependsOn) dependents.set(d, [...(dependents.get(d) ?? []), s.key]);
  const ready = steps.filter((s) => s.dependsOn.length === 0).map((s) => s.key);
  let seen = 0;
  while (ready.length > 0) {
    const k = ready.pop()!;
    seen++;
    for (const dep of dependents.get(k) ?? []) {
      const n = indegree.get(dep)! - 1;
      indegree.set(dep, n);
      if (n === 0) ready.push(dep);
    }
  }
  if (seen === steps.length) return undefined;
  // Walk back along unresolved dependencies until a key repeats: that loop is the cycle.
  const byKey = new Map(steps.map((s) => [s.key, s]));
  let key = [...indegree].find(([, n]) => n > 0)![0];
  const path: string[] = [];
  while (!path.includes(key)) {
    path.push(key);
    key = byKey.get(key)!.dependsOn.find((d) => (indegree.get(d) ?? 0) > 0)!;
  }
  return [...path.slice(path.indexOf(key)), key].reverse();
}

export type PreparedPlan = { input: PlanInput; paramsHashes: string[] };

/** Create the task. The plan must have passed validatePlan; hashes come from the shell. */
export function planTask(plan: PreparedPlan, policy: Policy, ctx: Ctx): Result<Outcome> {
  const { input } = plan;
  if (input.session !== undefined && input.open !== true) return badRequest('a session needs open: true', [{ path: ['session'], message: 'a session needs open: true' }]);
  const checked = validatePlan(input.steps, { open: input.open });
  if (!checked.ok) return checked;
  const taskId = ctx.newId();
  const mode: Mode = input.mode ?? policy.mode;
  // An agent may plan stricter than the workspace, never looser: raising a task's
  // mode is an approver's call (tasks.setMode).
  if (mode !== policy.mode && higherMode(mode, policy.mode) === mode) {
    return fail('FORBIDDEN', `mode ${mode} is looser than the workspace's ${policy.mode}; an approver can raise it with tasks.setMode`);
  }
  const steps: Step[] = input.steps.map((s, index) =>
    newStep(s, { taskId, index, paramsHash: plan.paramsHashes[index]!, verdict: evaluatePolicy(policy, s, mode === policy.mode ? undefined : mode) }, ctx),
  );
  const task: Task = {
    id: taskId,
    title: input.title,
    ...(input.goal !== undefined ? { goal: input.goal } : {}),
    createdBy: ctx.actor,
    mode,
    status: 'active',
    usage: ZERO_USAGE,
    createdAt: ctx.now,
    updatedAt: ctx.now,
    ...(input.metadata !== undefined ? { metadata: input.metadata } : {}),
    ...(input.open === true ? { open: true } : {}),
    ...(input.session !== undefined ? { session: input.session } : {}),
    steps,
  };
  const d = new Draft(task, ctx, { planned: true });
  d.emit('task.planned', { title: task.title, steps: steps.length, mode });
  for (const step of d.task.steps) applyVerdict(d, step);
  settle(d);
  return ok(d.done());
}

/** A step as a plan or an append creates it, with the policy's verdict not yet applied (applyVerdict moves it). */
export function newStep(s: StepInput, at: { taskId: string; index: number; paramsHash: string; verdict: PolicyVerdict }, ctx: Ctx): Step {
  const { taskId, index, paramsHash, verdict } = at;
  return {
    id: ctx.newId(),
    taskId,
    key: s.key,
    index,
    kind: s.kind,
    title: s.title,
    params: s.params,
    paramsHash,
    revision: 1,
    dependsOn: s.dependsOn,
    // Every step starts here for one instant; its first move (applyVerdict) is its first event.
    status: 'awaiting_approval',
    ...(s.explanation !== undefined ? { explanation: s.explanation } : {}),
    ...(s.risk !== undefined ? { risk: s.risk } : {}),
    idempotent: s.idempotent ?? false,
    ...(s.baseHash !== undefined ? { baseHash: s.baseHash } : {}),
    ...(s.metadata !== undefined ? { metadata: s.metadata } : {}),
    ...(s.context !== undefined ? { context: s.context } : {}),
    ...(s.waitUntil !== undefined ? { waitUntil: s.waitUntil } : {}),
    policy: verdict,
    approvals: [],
    attempt: 0,
    history: [{ revision: 1, params: s.params, paramsHash, by: ctx.actor, at: ctx.now, via: 'plan' }],
    updatedAt: ctx.now,
  };
}

/**
 * How a verdict was reached, for the step's decision and its event: `data` is added
 * to the event, `type` overrides its type, and `backer` is the person behind an
 * `allow` that a raised task mode gives (see verdictForTask), named in the decision
 * instead of only `policy:<rule>`.
 */
export type VerdictNote = { data?: VerdictData; type?: 'step.revised'; backer?: string | undefined; grant?: Grant | undefined };

/** What a verdict's event says about its cause: a revision's new hash, the mode that allowed it, or what re-checked the deny rules. */
export type VerdictData = Pick<EventData<'step.revised'>, 'paramsHash'> | Pick<EventData<'step.approved'>, 'mode'> | DenyRecheck;

/** Put a step where the policy says (its `step.policy`): approved, asking, or rejected. */
export function applyVerdict(d: Draft, step: Step, note: VerdictNote = {}): void {
  const v = step.policy;
  const { data = {}, type, backer, grant } = note;
  if (v.action === 'ask' && grant !== undefined) {
    // Approved by a remembered grant (machine/grants.ts): named `grant:<id>`, with the reviewer behind it.
    const by = `grant:${grant.id}`;
    step.approvals = [];
    step.decision = { decision: 'policy', by: [by], at: d.ctx.now, rule: by };
    d.move(step, 'approved', { by, grant: grant.id, grantedBy: grant.by, ...data }, type);
    grant.uses += 1;
    d.emit('grant.used', { grantId: grant.id, stepKey: step.key, grantedBy: grant.by }, step.id);
  } else if (v.action === 'allow') {
    step.approvals = [];
    const by = backer ?? `policy:${v.rule ?? 'default'}`;
    step.decision = { decision: 'policy', by: [by], at: d.ctx.now, ...(v.rule ? { rule: v.rule } : {}) };
    d.move(step, 'approved', { by, rule: v.rule, ...(backer !== undefined ? { via: v.rule } : {}), ...data }, type);
  } else if (v.action === 'deny') {
    const reason = v.reason ?? `denied by ${v.rule}`;
    step.approvals = [];
    step.decision = { decision: 'policy', by: [`policy:${v.rule ?? 'default'}`], at: d.ctx.now, reason, ...(v.rule ? { rule: v.rule } : {}) };
    d.move(step, 'rejected', { by: step.decision.by[0], rule: v.rule, reason, ...data }, type);
  } else {
    requestApproval(d, step, { rule: v.rule, ...data }, type);
  }
}
