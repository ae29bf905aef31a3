/** Tasks: the plan input an agent sends, and the task the workspace serves. */
import { z } from 'zod';
import { Mode, TaskStatus } from '../enums.ts';
import { LIMITS } from '../limits.ts';
import { EpochMs, Id, IdempotencyKey, Metadata, Text, Title, Usage } from './common.ts';
import { Step, StepInput } from './step.ts';

export const PlanInput = z.strictObject({
  title: Title,
  goal: Text.optional(),
  steps: z.array(StepInput).min(1).max(LIMITS.stepsPerPlan, `a plan has at most ${LIMITS.stepsPerPlan} steps`),
  mode: Mode.optional(),
  metadata: Metadata.optional(),
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
});
export type TaskRecord = z.infer<typeof TaskRecord>;

export const Task = TaskRecord.extend({ steps: z.array(Step) });
export type Task = z.infer<typeof Task>;

/** tasks.get: the task plus what is derived from it for the reader. */
export const TaskView = Task.extend({
  context: z.object({ clarifications: z.array(Clarification) }),
});
export type TaskView = z.infer<typeof TaskView>;

export const TaskSummary = TaskRecord.extend({
  counts: z.record(z.string(), z.number().int()),
});
export type TaskSummary = z.infer<typeof TaskSummary>;
