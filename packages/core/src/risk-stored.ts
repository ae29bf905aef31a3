/**
 * Steps stored before the server worked out risks (issue 16) have no `policy.risk`. A
 * reader fills it in from the defaults and the agent's declaration (no workspace rules:
 * the policy of that time is gone), so every step and approval served has one.
 */
import { assessRisk } from './risk.ts';
import { DEFAULT_POLICY } from './schemas/policy.ts';
import type { Step } from './schemas/step.ts';

/** `step`, with `policy.risk` filled in when it was stored without one. */
export function withStoredRisk(step: Step): Step {
  const policy: Partial<Step['policy']> = step.policy;
  if (policy.risk !== undefined) return step;
  return { ...step, policy: { ...step.policy, risk: assessRisk(DEFAULT_POLICY, step) } };
}
