/** Steps: what an agent proposes (StepInput) and what the workspace stores and serves (Step). */
import { z } from 'zod';
import { Decision, DefaultOnTimeout, Risk, Role, StepKind, StepStatus } from '../enums.ts';
import { LIMITS } from '../limits.ts';
import { EpochMs, Id, Metadata, Principal, Sha256Hex, Text, Title, Usage } from './common.ts';
import { AnyParams } from './params.ts';
import { AuthStrength, Decider, Identity, IdentitySource } from '../identity.ts';
import { PolicyVerdict } from './policy-shape.ts';

export const StepKey = z.string().regex(/^[A-Za-z0-9_.:-]{1,100}$/, 'step key: 1-100 of A-Z a-z 0-9 _ . : -');

/**
 * Where a step comes from, for the reviewer (issue 16, item 3): the working directory
 * and the repository (its root, the `origin` remote, the branch) the agent runs in.
 * Informational: the policy never reads it (paths in params are what rules match).
 */
export const StepContext = z.strictObject({
  cwd: z.string().max(1000).optional(),
  gitRoot: z.string().max(1000).optional(),
  gitRemote: z.string().max(1000).optional(),
  gitBranch: z.string().max(300).optional(),
});
export type StepContext = z.infer<typeof StepContext>;

export const StepInput = z.strictObject({
  key: StepKey,
  kind: StepKind,
  title: Title,
  params: AnyParams,
  dependsOn: z.array(StepKey).max(LIMITS.dependsOn).default([]),
  explanation: Text.optional(),
  risk: Risk.optional(),
  idempotent: z.boolean().optional(),
  baseHash: Sha256Hex.optional(),
  metadata: Metadata.optional(),
  context: StepContext.optional(),
  /**
   * When the agent that proposed the step stops waiting for a decision (epoch ms), if it
   * knows (the Claude Code hook's --timeout): the page shows how long is left. The server
   * does not act on it; the approval's own deadline is `expiresAt`.
   */
  waitUntil: EpochMs.optional(),
});
export type StepInput = z.infer<typeof StepInput>;

/**
 * One reviewer's vote on a revision. The identity fields (identity.ts) say which channel
 * it came through, how strongly its author proved who they are, and the person it counts
 * for; votes stored before they were recorded have none (a key, counting for its principal).
 */
export const Vote = z.object({
  principal: z.string(),
  decision: Decision,
  at: EpochMs,
  identitySource: IdentitySource.optional(),
  authStrength: AuthStrength.optional(),
  person: z.string().optional(),
  onBehalfOf: z.string().optional().meta({ description: 'the reviewer a delegate voted for (docs/people.md, delegation)' }),
});
export type Vote = z.infer<typeof Vote>;

/** How a step left awaiting_approval (or was decided by the policy). */
export const StepDecision = z.object({
  decision: z.union([Decision, z.literal('policy'), z.literal('timeout')]),
  by: z.array(z.string()),
  at: EpochMs,
  rule: z.string().optional(),
  reason: z.string().optional(),
  feedback: z.string().optional(),
  answer: z.string().optional(),
  /** The people behind `by` and how each proved who they are (identity.ts), when recorded. */
  deciders: z.array(Decider).optional(),
});
export type StepDecision = z.infer<typeof StepDecision>;

/** The open request for a decision on the step's current revision. */
export const OpenApproval = z.object({
  id: Id,
  requestedAt: EpochMs,
  requiredApprovals: z.number().int().min(1),
  expiresAt: EpochMs.optional(),
  defaultOnTimeout: DefaultOnTimeout,
  /** A group quorum (issue 15 item 6): only members of this group may approve, `requiredApprovals` distinct persons of them. */
  group: z.string().optional(),
  /** When a reminder is due, and when it was sent (once: the alarm may fire twice). */
  remindAt: EpochMs.optional(),
  remindedAt: EpochMs.optional(),
  /** When the approval escalates to `escalateTo`, and when it did (once). */
  escalateAt: EpochMs.optional(),
  escalateTo: z.string().optional(),
  escalatedAt: EpochMs.optional(),
});
export type OpenApproval = z.infer<typeof OpenApproval>;

export const StepError = z.object({
  message: z.string().max(LIMITS.textChars),
  code: z.string().max(100).optional(),
  retryable: z.boolean().optional(),
});
export type StepError = z.infer<typeof StepError>;

export const StepResult = z.object({
  output: z.unknown().optional(),
  error: StepError.optional(),
  usage: Usage.optional(),
});
export type StepResult = z.infer<typeof StepResult>;

export const Lease = z.object({ leaseId: Id, holder: z.string(), expiresAt: EpochMs });
export type Lease = z.infer<typeof Lease>;

/** An earlier version of the params: revise and modify keep both versions. */
export const Revision = z.object({
  revision: z.number().int(),
  params: z.record(z.string(), z.unknown()),
  paramsHash: Sha256Hex,
  by: z.string(),
  at: EpochMs,
  via: z.enum(['plan', 'revise', 'modify']),
});
export type Revision = z.infer<typeof Revision>;

export const Step = z.object({
  id: Id,
  taskId: Id,
  key: StepKey,
  index: z.number().int().nonnegative(),
  kind: StepKind,
  title: z.string(),
  params: z.record(z.string(), z.unknown()),
  paramsHash: Sha256Hex,
  revision: z.number().int().min(1),
  dependsOn: z.array(StepKey),
  status: StepStatus,
  explanation: z.string().optional(),
  /** The risk the agent declared; the server's own (which this can only raise) is `policy.risk`. */
  risk: Risk.optional(),
  idempotent: z.boolean(),
  baseHash: Sha256Hex.optional(),
  metadata: Metadata.optional(),
  context: StepContext.optional(),
  waitUntil: EpochMs.optional(),
  policy: PolicyVerdict,
  approval: OpenApproval.optional(),
  approvals: z.array(Vote),
  decision: StepDecision.optional(),
  result: StepResult.optional(),
  attempt: z.number().int().nonnegative(),
  startedAt: EpochMs.optional(),
  completedAt: EpochMs.optional(),
  lease: Lease.optional(),
  history: z.array(Revision),
  updatedAt: EpochMs,
});
export type Step = z.infer<typeof Step>;

export const Actor = z.object({ principal: Principal, role: Role, ...Identity.partial().shape });
export type Actor = z.infer<typeof Actor>;
