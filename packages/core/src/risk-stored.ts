/**
 * Steps stored before the server worked out risks (issue 16) have no `policy.risk`. A
 * reader fills it in from the defaults and the agent's declaration (no workspace rules:
 * the policy of that time is gone), so every step and approval served has one.
 * fillStoredRisks does the same inside a remembered answer (an idempotent replay).
 */
import { assessRisk } from './risk.ts';
import { DEFAULT_POLICY } from './schemas/policy.ts';
import { StepKind } from './enums.ts';
import type { Step } from './schemas/step.ts';

/** `step`, with `policy.risk` filled in when it was stored without one. */
export function withStoredRisk(step: Step): Step {
  const policy: Partial<Step['policy']> = step.policy;
  if (policy.risk !== undefined) return step;
  return { ...step, policy: { ...step.policy, risk: assessRisk(DEFAULT_POLICY, step) } };
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Whether `v` is a stored step without a risk: a kind, params, and a policy verdict lacking `risk`. */
function isStepWithoutRisk(v: Record<string, unknown>): boolean {
  return StepKind.safeParse(v.kind).success && isRecord(v.params) && isRecord(v.policy) && typeof v.policy.action === 'string' && v.policy.risk === undefined;
}

/**
 * `value` (parsed JSON, e.g. an answer remembered for an idempotency key before risks
 * existed) with every step in it given its stored risk (withStoredRisk), so a replay
 * passes today's output schemas. Values without such steps come back unchanged.
 */
export function fillStoredRisks(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(fillStoredRisks);
  if (!isRecord(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = fillStoredRisks(v);
  return isStepWithoutRisk(out) ? withStoredRisk(out as Step) : out;
}
