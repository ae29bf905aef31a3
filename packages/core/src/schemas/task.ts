/** Tasks: the plan input an agent sends, and the task the workspace serves. */
import { z } from 'zod';
import { CloseReason, Mode, TaskStatus } from '../enums.ts';
import { LIMITS } from '../limits.ts';
import { EpochMs, Id, IdempotencyKey, Metadata, Text, Title, Usage } from './common.ts';
import { Grant } from './grant.ts';
import { Step, StepInput } from './step.ts';

/** A host's session id (a Claude Code `session_id`, a Codex thread): the same creator and session find the same open task. */
export const SessionName = z
  .string()
  .regex(/^[A-Za-z0-9._:@/-]+$/, 'session: letters, digits and . _ : @ / -')
  .min(1)
  .max(LIMITS.sessionChars);

export const PlanInput = z.strictObject({
  title: Title,
  goal: Text.optional(),
  /** At least one step, unless `open` (validatePlan says so with the step's path). */
  steps: z.array(StepInput).max(LIMITS.stepsPerPlan, `a plan has at most ${LIMITS.stepsPerPlan} steps`),
  mode: Mode.optional(),
  metadata: Metadata.optional(),
  /** An open task stays active while open, however its steps end; tasks.append adds steps, tasks.close ends it. */
  open: z.boolean().optional(),
  /** With `open`: the creator's open task of this session is returned (and the steps appended to it) instead of a new one. */
  session: SessionName.optional(),
  idempotencyKey: IdempotencyKey.optional(),
});
export type PlanInput = z.infer<typeof PlanInput>;
/** What a caller sends: defaults (dependsOn: []) not yet applied. */
export type PlanRequest = z.input<typeof PlanInput>;

export const TaskCancel = z.object({ by: z.string(), reason: z.string().optional(), at: EpochMs });

export const Clarification = z.object({
  stepId: Id,
  stepKey: z.string(),
  revision: z.number().int(),
  questions: z.array(z.string()),
  answer: z.string().optional(),
  answeredBy: z.string().optional(),
  answeredAt: EpochMs.optional(),
});
export type Clarification = z.infer<typeof Clarification>;

/** What is stored for a task; steps live in their own rows. */
export const TaskRecord = z.object({
  id: Id,
  title: z.string(),
  goal: z.string().optional(),
  createdBy: z.string(),
  mode: Mode,
  /** Who last set the mode with tasks.setMode: the person behind what a raised mode approves. */
  modeSetBy: z.string().optional(),
  status: TaskStatus,
  usage: Usage,
  createdAt: EpochMs,
  updatedAt: EpochMs,
  finishedAt: EpochMs.optional(),
  cancel: TaskCancel.optional(),
  metadata: Metadata.optional(),
  /** True while the task is open (tasks.plan `open: true`): it stays active and takes appended steps. */
  open: z.boolean().optional(),
  /** The host's session the task belongs to (tasks.plan `session`). */
  session: z.string().optional(),
  /** When, by whom and why an open task was closed. */
  closed: z.object({ at: EpochMs, by: z.string(), reason: CloseReason }).optional(),
  /** Grants given on this task's steps (scope task or always), revoked ones included. */
  grants: z.array(Grant).optional(),
});
export type TaskRecord = z.infer<typeof TaskRecord>;

export const Task = TaskRecord.extend({ steps: z.array(Step) });
export type Task = z.infer<typeof Task>;

/** tasks.get: the task plus what is derived from it for the reader. */
export const TaskView = Task.extend({
  context: z.object({ clarifications: z.array(Clarification) }),
  /** How many steps the task has, when `steps` is a window of them (tasks.get `steps: {newest}`); the rest come from steps.list. */
  stepsTotal: z.number().int().nonnegative().optional(),
});
export type TaskView = z.infer<typeof TaskView>;

/** tasks.plan's answer: the task, and `existing: true` when a session's open task was found instead of made. */
export const PlanResult = TaskView.extend({ existing: z.literal(true).optional() });
export type PlanResult = z.infer<typeof PlanResult>;

/** tasks.append: more steps for an open task, validated whole against it and decided by the policy as they arrive. */
export const AppendInput = z.strictObject({
  taskId: Id,
  steps: z.array(StepInput).min(1, 'append at least one step').max(LIMITS.stepsPerPlan, `append at most ${LIMITS.stepsPerPlan} steps at once`),
  idempotencyKey: IdempotencyKey.optional(),
});
export type AppendInput = z.infer<typeof AppendInput>;
export type AppendRequest = z.input<typeof AppendInput>;

/** tasks.append's answer: the task after it, and the appended steps as they now are. */
export const AppendResult = z.object({ task: TaskView, steps: z.array(Step) });
export type AppendResult = z.infer<typeof AppendResult>;

export const CloseInput = z.strictObject({ taskId: Id, idempotencyKey: IdempotencyKey.optional() });
export type CloseInput = z.infer<typeof CloseInput>;

export const TaskSummary = TaskRecord.extend({
  counts: z.record(z.string(), z.number().int()),
});
export type TaskSummary = z.infer<typeof TaskSummary>;
