/** The approval a reviewer sees: the open request on one revision of one step. */
import { z } from 'zod';
import { ApprovalOption, Checkpoint, Decision, DefaultOnTimeout, GrantScope, Risk, StepKind } from '../enums.ts';
import { EpochMs, Id, IdempotencyKey, Sha256Hex, Text } from './common.ts';
import { GrantMatcher } from './grant.ts';
import { AnyParams } from './params.ts';
import { RiskAssessment } from './policy-shape.ts';
import { AuthStrength } from '../identity.ts';
import { PasskeyAssertion } from './passkey.ts';
import { StepContext, Vote } from './step.ts';

export const Approval = z.object({
  approvalId: Id,
  taskId: Id,
  taskTitle: z.string(),
  stepId: Id,
  stepKey: z.string(),
  revision: z.number().int(),
  kind: StepKind,
  checkpoint: Checkpoint,
  title: z.string(),
  explanation: z.string().optional(),
  /** The step's risk as the server works it out (core risk.ts); the same value the page, CLI, webhooks and rules use. */
  risk: RiskAssessment,
  /** The risk the agent declared, when it did (it can only raise `risk`). */
  declaredRisk: Risk.optional(),
  /** Step-up: the least strength (identity.ts ladder) a reviewer must have proved to approve this step: its rule's `minAuth` (stepup.ts). Absent: no step-up, a key will do. */
  minAuth: AuthStrength.optional(),
  /** One-click links may decide it (its rule's `oneClick`). */
  oneClick: z.boolean().optional(),
  params: z.record(z.string(), z.unknown()),
  paramsHash: Sha256Hex,
  options: z.array(ApprovalOption),
  requiresTextInput: z.boolean(),
  inputPlaceholder: z.string().optional(),
  requiredApprovals: z.number().int(),
  /** The group whose members alone approve (a rule's `{group, count}`; docs/people.md). */
  group: z.string().optional(),
  votes: z.array(Vote),
  requestedAt: EpochMs,
  expiresAt: EpochMs.optional(),
  defaultOnTimeout: DefaultOnTimeout,
  createdBy: z.string(),
  /** The grant an approval "for this session" would give, derived from the step (machine/grants.ts); absent when none can be. */
  suggestedGrant: GrantMatcher.optional(),
  /** Where the step comes from: cwd and repository (StepContext), when the agent sent them. */
  context: StepContext.optional(),
  /** When the waiting agent gives up (epoch ms), when it said; `expiresAt` is the server's own deadline. */
  waitUntil: EpochMs.optional(),
});
export type Approval = z.infer<typeof Approval>;

export const DecideInput = z.strictObject({
  approvalId: Id,
  decision: Decision,
  paramsHash: Sha256Hex,
  feedback: Text.optional(),
  answer: Text.optional(),
  params: AnyParams.optional(),
  /** How far an approve or modify reaches: this step (`once`, the default), later matching steps of the task, or a proposed rule. */
  scope: GrantScope.optional(),
  /** The grant's matcher, instead of the one derived from the step; it must match the approved step. */
  grant: GrantMatcher.optional(),
  /**
   * Step-up (issue 15, item 5): a WebAuthn assertion over a challenge from approvals.challenge
   * for this approvalId and paramsHash, made with a passkey of the caller's principal. The
   * decision then counts as authStrength `passkey`.
   */
  passkey: PasskeyAssertion.optional(),
  idempotencyKey: IdempotencyKey.optional(),
});
export type DecideInput = z.infer<typeof DecideInput>;
