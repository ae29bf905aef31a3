/**
 * policy.simulate: replay recorded steps through a candidate policy and report what
 * it would decide differently, before anyone sets it. Pure: steps in, report out.
 */
import { z } from 'zod';
import { PolicyAction } from './enums.ts';
import { evaluatePolicy } from './policy.ts';
import type { Policy } from './schemas/policy.ts';
import type { Step } from './schemas/step.ts';

export const SIMULATE_CHANGES_SHOWN = 200;
/**
 * The most steps one simulation replays (issue 11, item 8): every replayed command is
 * parsed and run through every rule, inside the workspace's object, so one call is
 * bounded in work. Past it the report says `truncated` and covers the first steps, oldest task first.
 */
export const SIMULATE_MAX_STEPS = 2000;

export const SimulationChange = z.object({
  taskId: z.string(),
  stepId: z.string(),
  key: z.string(),
  kind: z.string(),
  title: z.string(),
  from: z.object({ action: PolicyAction, rule: z.string().optional() }),
  to: z.object({ action: PolicyAction, rule: z.string().optional() }),
});
export type SimulationChange = z.infer<typeof SimulationChange>;

export const SimulationReport = z.object({
  tasks: z.number().int(),
  steps: z.number().int(),
  changed: z.number().int(),
  /** True when the tasks held more than `maxSteps` steps: only the first `maxSteps` were replayed. */
  truncated: z.boolean(),
  maxSteps: z.number().int(),
  /** Transitions such as "ask->allow", with how many steps take each. */
  transitions: z.record(z.string(), z.number().int()),
  /** For every rule of the candidate (and each mode fallback): steps it decides, and how many of those change. */
  rules: z.array(z.object({ rule: z.string(), steps: z.number().int(), changed: z.number().int() })),
  /** The first changes, oldest task first. */
  changes: z.array(SimulationChange),
});
export type SimulationReport = z.infer<typeof SimulationReport>;

type RecordedStep = Pick<Step, 'id' | 'taskId' | 'key' | 'kind' | 'title' | 'params' | 'risk' | 'policy'>;

/** Replay `recorded` (oldest task first) through `candidate`; at most SIMULATE_MAX_STEPS of them. */
export function simulatePolicy(candidate: Policy, recorded: RecordedStep[]): SimulationReport {
  const steps = recorded.slice(0, SIMULATE_MAX_STEPS);
  const rules = new Map<string, { steps: number; changed: number }>();
  const transitions: Record<string, number> = {};
  const changes: SimulationChange[] = [];
  let changed = 0;
  for (const step of steps) {
    // Each step is judged as it was first planned: under the workspace's own mode.
    const verdict = evaluatePolicy(candidate, step);
    const rule = verdict.rule ?? 'default';
    const entry = rules.get(rule) ?? { steps: 0, changed: 0 };
    entry.steps++;
    rules.set(rule, entry);
    if (verdict.action === step.policy.action) continue;
    changed++;
    entry.changed++;
    const t = `${step.policy.action}->${verdict.action}`;
    transitions[t] = (transitions[t] ?? 0) + 1;
    if (changes.length < SIMULATE_CHANGES_SHOWN) {
      changes.push({
        taskId: step.taskId,
        stepId: step.id,
        key: step.key,
        kind: step.kind,
        title: step.title,
        from: { action: step.policy.action, ...(step.policy.rule ? { rule: step.policy.rule } : {}) },
        to: { action: verdict.action, ...(verdict.rule ? { rule: verdict.rule } : {}) },
      });
    }
  }
  return {
    tasks: new Set(steps.map((s) => s.taskId)).size,
    steps: steps.length,
    changed,
    truncated: recorded.length > steps.length,
    maxSteps: SIMULATE_MAX_STEPS,
    transitions,
    rules: [...rules].map(([rule, v]) => ({ rule, ...v })),
    changes,
  };
}
