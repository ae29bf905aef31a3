/**
 * The workspace rule an `always` grant proposes (docs/sessions.md), with its simulation.
 * Apart from schemas/grant.ts so that a reader of grants (the web page) does not load
 * the policy engine that SimulationReport's module brings.
 */
import { z } from 'zod';
import { EpochMs, Id } from './common.ts';
import { GrantMatcher } from './grant.ts';
import { PolicyRule } from './policy-shape.ts';
import { SimulationReport } from '../simulate.ts';

/** A proposed workspace rule from an `always` grant: an allow rule an admin may confirm into the policy. */
export const GrantProposal = z.object({
  id: Id,
  grantId: Id,
  taskId: Id,
  stepId: Id,
  by: z.string(),
  createdAt: EpochMs,
  matcher: GrantMatcher,
  rule: PolicyRule,
  status: z.enum(['proposed', 'confirmed']),
  confirmedAt: EpochMs.optional(),
  confirmedBy: z.string().optional(),
  /** The policy version the rule went into, once confirmed. */
  policyVersion: z.number().int().optional(),
  /** policy.simulate of the policy with the rule in place, over recent tasks, when it was proposed. */
  simulation: SimulationReport,
});
export type GrantProposal = z.infer<typeof GrantProposal>;
