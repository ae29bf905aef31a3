/** The workspace policy (SPEC section 4). */
import { z } from 'zod';
import { DefaultOnTimeout, Mode, PolicyAction, Risk, StepKind } from '../enums.ts';

const isRegex = (s: string): boolean => {
  try {
    new RegExp(s);
    return true;
  } catch {
    return false;
  }
};

export const PolicyMatch = z.strictObject({
  kind: StepKind.optional(),
  tool: z.string().min(1).max(100).optional(),
  path: z.string().min(1).max(1000).optional(),
  command: z.string().min(1).max(1000).refine(isRegex, { message: 'not a valid regular expression' }).optional(),
  risk: Risk.optional(),
});
export type PolicyMatch = z.infer<typeof PolicyMatch>;

export const PolicyRule = z.strictObject({
  name: z.string().min(1).max(100).optional(),
  match: PolicyMatch,
  action: PolicyAction,
  requiredApprovals: z.number().int().min(1).max(20).optional(),
  timeoutSeconds: z.number().int().min(1).max(30 * 24 * 3600).optional(),
  defaultOnTimeout: DefaultOnTimeout.optional(),
  reason: z.string().max(1000).optional(),
});
export type PolicyRule = z.infer<typeof PolicyRule>;

export const Policy = z.strictObject({
  mode: Mode.default('copilot'),
  rules: z.array(PolicyRule).max(200).default([]),
  autoApprove: z.array(z.string().min(1).max(100)).max(100).default(['read_file', 'search', 'list_files']),
  requiredApprovals: z.number().int().min(1).max(20).default(1),
  preventSelfApproval: z.boolean().default(true),
  timeoutSeconds: z.number().int().min(1).max(30 * 24 * 3600).optional(),
  defaultOnTimeout: DefaultOnTimeout.default('reject'),
  maxAttempts: z.number().int().min(1).max(20).default(3),
  leaseSeconds: z.number().int().min(5).max(3600).default(60),
});
export type Policy = z.infer<typeof Policy>;
export type PolicyInput = z.input<typeof Policy>;

export const DEFAULT_POLICY: Policy = Policy.parse({});

/** What the policy said about one step: the action and, when a rule decided, which one. */
export const PolicyVerdict = z.object({
  action: PolicyAction,
  rule: z.string().optional(),
  reason: z.string().optional(),
  requiredApprovals: z.number().int(),
  timeoutSeconds: z.number().int().optional(),
  defaultOnTimeout: DefaultOnTimeout,
});
export type PolicyVerdict = z.infer<typeof PolicyVerdict>;
