/** Inputs of the API's procedures (SPEC section 6); outputs are the domain schemas. */
import { z } from 'zod';
import { Mode, Role, StepKind, StepStatus, TaskStatus } from '../enums.ts';
import { LIMITS } from '../limits.ts';
import { boundedJson, EpochMs, Id, IdempotencyKey, Limit, SecretString, Sha256Hex, Text, Usage } from './common.ts';
import { AnyParams } from './params.ts';
import { Approval, DecideInput } from './approval.ts';
import { Step, StepDecision, StepError, StepInput, Vote } from './step.ts';
import { Policy } from './policy.ts';

const Cursor = z.string().min(1).max(200);

export const TaskIdInput = z.strictObject({ taskId: Id });

/** Most steps one page of steps.list (or one window of tasks.get) holds. */
export const STEP_PAGE_MAX = 200;

/**
 * tasks.get: the task; with `steps: {newest}`, only a window of its steps (the newest
 * `newest` and every step awaiting approval, in plan order) and `stepsTotal`, so a long
 * session opens in time proportional to the window, not to the session. Without it, every
 * step (the answer older clients know).
 */
export const GetTaskInput = z.strictObject({
  taskId: Id,
  steps: z.strictObject({ newest: z.number().int().min(1).max(STEP_PAGE_MAX) }).optional(),
});
export type GetTaskInput = z.infer<typeof GetTaskInput>;

/**
 * steps.list: a task's steps a page at a time, in plan order (`asc`, the default) or
 * newest first (`desc`); `status` keeps only steps in it (`awaiting_approval`: everything
 * waiting for a decision, however long the session). `cursor` is a page's `nextCursor`
 * (a step's index, as a string). NOT_FOUND when the task does not exist.
 */
export const ListStepsInput = z.strictObject({
  taskId: Id,
  cursor: z
    .string()
    .regex(/^(0|[1-9]\d{0,8})$/, "a page's nextCursor (a step index)")
    .optional(),
  limit: z.number().int().min(1).max(STEP_PAGE_MAX).default(50),
  status: StepStatus.optional(),
  order: z.enum(['asc', 'desc']).default('asc'),
});
export type ListStepsInput = z.infer<typeof ListStepsInput>;
export const ListTasksInput = z.strictObject({ status: TaskStatus.optional(), cursor: Cursor.optional(), limit: Limit });
export const ReviseInput = z.strictObject({ taskId: Id, stepId: Id, params: AnyParams, idempotencyKey: IdempotencyKey.optional() });
export const SetModeInput = z.strictObject({ taskId: Id, mode: Mode, idempotencyKey: IdempotencyKey.optional() });
export const CancelInput = z.strictObject({ taskId: Id, reason: Text.optional(), idempotencyKey: IdempotencyKey.optional() });

export const ListApprovalsInput = z.strictObject({
  status: z.literal('open').default('open'),
  taskId: Id.optional(),
  cursor: Cursor.optional(),
  limit: Limit,
});
export const GetApprovalInput = z.strictObject({ approvalId: Id });
export type GetApprovalInput = z.infer<typeof GetApprovalInput>;

/** A batch takes no passkey assertion: each assertion is bound to one approval (approvals.challenge). */
export const DecideManyInput = z.strictObject({
  items: z
    .array(DecideInput.omit({ idempotencyKey: true, passkey: true }))
    .min(1)
    .max(LIMITS.batchItems),
  /**
   * The approvals of `items` the caller confirms one by one (issue 16, item 1): a batch
   * approves (or modifies) a high-risk or N-of-M step only when its approvalId is listed
   * here too; otherwise the whole batch is refused (BAD_REQUEST, reason
   * `confirmation_required`, one issue per such item, naming it and why).
   */
  confirm: z.array(Id).max(LIMITS.batchItems).optional(),
  idempotencyKey: IdempotencyKey.optional(),
});

export const ClaimInput = z.strictObject({
  taskId: Id.optional(),
  /**
   * Only these steps (when claimable): an executor that runs one call of a shared open task
   * (a framework adapter) takes its own step, never another call's.
   */
  stepIds: z.array(Id).min(1).max(50).optional(),
  max: z.number().int().min(1).max(50).default(1),
  leaseSeconds: z.number().int().min(5).max(3600).optional(),
});
export const HeartbeatInput = z.strictObject({ stepId: Id, leaseId: Id, leaseSeconds: z.number().int().min(5).max(3600).optional() });
export const CompleteInput = z.strictObject({
  stepId: Id,
  leaseId: Id,
  // Bounded here, before the object stores it in the step and the audit log.
  output: boundedJson(z.unknown().optional(), 'output', LIMITS.outputBytes),
  usage: Usage.partial().optional(),
  idempotencyKey: IdempotencyKey.optional(),
});
export const FailInput = z.strictObject({
  stepId: Id,
  leaseId: Id,
  error: StepError,
  usage: Usage.partial().optional(),
  idempotencyKey: IdempotencyKey.optional(),
});

export const ListEventsInput = z.strictObject({
  after: z.number().int().nonnegative().optional(),
  taskId: Id.optional(),
  limit: Limit,
});

export const SetPolicyInput = z.strictObject({ policy: Policy, idempotencyKey: IdempotencyKey.optional() });
export const EvaluateInput = z.strictObject({ step: StepInput, mode: Mode.optional() });
export const RevokeKeyInput = z.strictObject({ id: Id, idempotencyKey: IdempotencyKey.optional() });

export type ListTasksInput = z.infer<typeof ListTasksInput>;
export type ReviseInput = z.infer<typeof ReviseInput>;
export type SetModeInput = z.infer<typeof SetModeInput>;
export type CancelInput = z.infer<typeof CancelInput>;
export type ListApprovalsInput = z.infer<typeof ListApprovalsInput>;
export type DecideManyInput = z.infer<typeof DecideManyInput>;
export type ClaimInput = z.infer<typeof ClaimInput>;
export type HeartbeatInput = z.infer<typeof HeartbeatInput>;
export type CompleteInput = z.infer<typeof CompleteInput>;
export type FailInput = z.infer<typeof FailInput>;
export type ListEventsInput = z.infer<typeof ListEventsInput>;

/** One page of a list: items, and the cursor of the next page when there is one. */
export const page = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), nextCursor: z.string().optional() });

/** A step handed to an executor: exactly the approved revision, and the lease to report with. */
export const ClaimedStep = z.object({
  taskId: Id,
  stepId: Id,
  key: z.string(),
  kind: StepKind,
  title: z.string(),
  params: z.record(z.string(), z.unknown()),
  paramsHash: z.string(),
  revision: z.number().int(),
  attempt: z.number().int(),
  idempotent: z.boolean(),
  baseHash: z.string().optional(),
  leaseId: Id,
  leaseExpiresAt: z.number().int(),
});
export type ClaimedStep = z.infer<typeof ClaimedStep>;

/**
 * The answer to a decision (approvals.decide, and each item of decideMany): the ids, the
 * step's and task's status after it, and the step itself as steps.get shows it after the
 * decision (its decision, votes, revision, an approval still open for more votes), so a
 * client updates its view without reading the step again.
 */
export const DecideResult = z.object({
  approvalId: Id,
  taskId: Id,
  stepId: Id,
  stepStatus: StepStatus,
  taskStatus: TaskStatus,
  step: Step,
});
export type DecideResult = z.infer<typeof DecideResult>;

export const StepReport = z.object({ stepId: Id, stepStatus: StepStatus, taskId: Id, taskStatus: TaskStatus });
export type StepReport = z.infer<typeof StepReport>;

export const HeartbeatResult = z.object({ cancelled: z.boolean(), leaseExpiresAt: z.number().int().optional() });

export const CreatedKey = z.object({ key: SecretString, id: Id, principal: z.string(), role: Role });

export const PolicyState = z.object({ policy: Policy, version: z.number().int() });
export type EvaluateInput = z.infer<typeof EvaluateInput>;

export const SimulateInput = z.strictObject({
  policy: Policy,
  /** Replay the steps of tasks created at or after this time (epoch ms)... */
  since: z.number().int().nonnegative().optional(),
  /** ...and at most this many of the most recent tasks. */
  limit: z.number().int().min(1).max(500).default(100),
});
export type SimulateInput = z.infer<typeof SimulateInput>;

/**
 * What became of one approval (approvals.get): `open`, or how it closed. `superseded`:
 * the step was revised, or asked again, and a newer approval (`replacedBy`) took its
 * place; `blocked`: a dependency failed while it was open.
 */
export const ApprovalOutcome = z.enum(['open', 'approved', 'rejected', 'changes_requested', 'skipped', 'answered', 'expired', 'cancelled', 'blocked', 'superseded']);
export type ApprovalOutcome = z.infer<typeof ApprovalOutcome>;

/** One approval, open or closed, as approvals.get returns it (SPEC section 6; issue 12 item 6). */
export const ApprovalRecord = z.object({
  approvalId: Id,
  taskId: Id,
  stepId: Id,
  status: ApprovalOutcome,
  /** The revision it asked about, and that revision's paramsHash. */
  revision: z.number().int(),
  paramsHash: Sha256Hex,
  requestedAt: EpochMs,
  /** When it closed, and the principal whose call closed it (`system` for a deadline). */
  closedAt: EpochMs.optional(),
  closedBy: z.string().optional(),
  /** How it was decided: the decision, `by` as recorded (rules and the clock included), feedback, answer, rule, reason. */
  decision: StepDecision.optional(),
  /** The people behind the decision (core's decisionPeople): never a rule's or the clock's name. */
  decidedBy: z.array(z.string()),
  /** Votes cast on it, in order. */
  votes: z.array(Vote),
  /** The approval that took its place, when superseded by a new one. */
  replacedBy: Id.optional(),
  /** A cancel's or a block's reason. */
  reason: z.string().optional(),
  /** The step and its task now. */
  stepStatus: StepStatus,
  taskStatus: TaskStatus,
  /** The reviewer's view (as in the inbox), about the revision it asked; absent for an approval a newer one replaced, whose settings were not kept. */
  approval: Approval.optional(),
});
export type ApprovalRecord = z.infer<typeof ApprovalRecord>;
