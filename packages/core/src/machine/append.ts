/**
 * Tasks that grow (SPEC section 11; docs/sessions.md): an open task takes more steps
 * from its creator. The new steps are checked whole against the task (keys unique
 * across it, dependencies on steps it already has or on earlier new ones, sizes over
 * the whole task), then each is decided as a planned step is: by the policy under the
 * task's mode, or by a live grant of the task when the policy asks.
 */
import { LIMITS } from '../limits.ts';
import { badRequest, fail, ok, type Issue, type Result } from '../result.ts';
import type { Policy } from '../schemas/policy.ts';
import type { StepInput } from '../schemas/step.ts';
import type { Task } from '../schemas/task.ts';
import { Draft, type Ctx, type Outcome } from './draft.ts';
import { judgeStep } from './grants.ts';
import { ownershipRefusal } from './ownership.ts';
import { applyVerdict, checkStepParams, newStep } from './plan.ts';
import { settle } from './settle.ts';

/** The steps to append, with their params hashes (computed by the shell, in order). */
export type AppendCommand = { steps: StepInput[]; paramsHashes: string[] };

/**
 * The whole-task check of new steps: every problem, each at `steps[i]`. Dependencies
 * may name steps the task has or new steps before this one; since they only point
 * back, no cycle can form.
 */
export function validateAppend(existing: readonly Pick<StepInput, 'key'>[], steps: readonly StepInput[]): Result<void> {
  const issues: Issue[] = [];
  if (existing.length + steps.length > LIMITS.stepsPerTask) {
    issues.push({ path: ['steps'], message: `a task has at most ${LIMITS.stepsPerTask} steps; it has ${existing.length}` });
  }
  const known = new Set(existing.map((s) => s.key));
  const added = new Set<string>();
  steps.forEach((s, i) => {
    if (known.has(s.key)) issues.push({ path: ['steps', i, 'key'], message: `the task already has a step with key "${s.key}"` });
    else if (added.has(s.key)) issues.push({ path: ['steps', i, 'key'], message: `duplicate step key "${s.key}"` });
    issues.push(...checkStepParams(s, ['steps', i]));
    s.dependsOn.forEach((dep, j) => {
      const at = ['steps', i, 'dependsOn', j];
      if (dep === s.key) issues.push({ path: at, message: `step "${s.key}" depends on itself` });
      else if (!known.has(dep) && !added.has(dep)) {
        const later = steps.slice(i + 1).some((x) => x.key === dep);
        issues.push({ path: at, message: later ? `step "${s.key}" depends on "${dep}", which comes after it` : `unknown step key "${dep}"` });
      }
    });
    if (new Set(s.dependsOn).size !== s.dependsOn.length) issues.push({ path: ['steps', i, 'dependsOn'], message: 'duplicate dependency' });
    added.add(s.key);
  });
  if (issues.length === 0) return ok(undefined);
  // A repeated key is its own reason, so a host that sends the same step twice can tell it from other mistakes.
  const duplicate = issues.some((i) => i.path[2] === 'key');
  return { ok: false, error: { ...badRequest(`invalid steps: ${issues[0]!.message}`, issues).error, ...(duplicate ? { reason: 'duplicate_key' } : {}) } };
}

/**
 * Append steps to an open task as its creator. Errors: FORBIDDEN (not the creator),
 * CONFLICT `not_open` (the task is closed, finished or was never open), BAD_REQUEST
 * (validateAppend). Events: `task.appended` with the new keys, then each step's first move.
 */
export function appendSteps(task: Task, cmd: AppendCommand, policy: Policy, ctx: Ctx): Result<Outcome> {
  const refused = ownershipRefusal(task, 'append', ctx);
  if (refused) return refused;
  if (task.open !== true || task.status !== 'active') {
    const why = task.closed ? `was closed (${task.closed.reason})` : task.status !== 'active' ? `is ${task.status}` : 'is not open';
    return fail('CONFLICT', `task ${task.id} ${why}: steps can be appended only to an open task`, { reason: 'not_open' });
  }
  const checked = validateAppend(task.steps, cmd.steps);
  if (!checked.ok) return checked;
  const base = task.steps.length;
  const steps = cmd.steps.map((s, i) =>
    // The verdict is judged below, in the draft, where the task's grants are.
    newStep(
      s,
      {
        taskId: task.id,
        index: base + i,
        paramsHash: cmd.paramsHashes[i]!,
        verdict: { action: 'ask', requiredApprovals: 1, defaultOnTimeout: 'reject', risk: { level: 'high', reason: 'not judged yet', source: 'default' } },
      },
      ctx,
    ),
  );
  const d = new Draft({ ...task, steps: [...task.steps, ...steps] }, ctx, { fresh: steps.map((s) => s.id) });
  d.emit('task.appended', { stepKeys: steps.map((s) => s.key) });
  for (const { id } of steps) {
    const step = d.step(id)!;
    const { verdict, backer, grant } = judgeStep(d.task, step, policy);
    step.policy = verdict;
    applyVerdict(d, step, { backer, grant });
  }
  settle(d);
  return ok(d.done());
}
