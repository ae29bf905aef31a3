/**
 * The decision history (issue 16, item 3): one entry per decision on a step, by a person,
 * the policy, a raised mode or a deadline, in the order the audit log has them. It answers
 * "who approved what, when, and why" without knowing a task id. Entries are a projection
 * of the events (core history.ts), written in the same transaction.
 */
import { z } from 'zod';
import { Decision, Risk, StepKind, StepStatus } from '../enums.ts';
import { EpochMs, Id, Limit, Principal, Sha256Hex } from './common.ts';
import { RiskAssessment } from './policy-shape.ts';
import { Decider } from '../identity.ts';

/** How a step was decided: a person's decision, the policy's (`policy`), or a deadline's (`timeout`). */
export const HistoryDecision = z.enum([...Decision.options, 'policy', 'timeout']);
export type HistoryDecision = z.infer<typeof HistoryDecision>;

export const HistoryEntry = z.object({
  /** The event's sequence number in the audit log: the entry's id and its order. */
  seq: z.number().int().positive(),
  at: EpochMs,
  taskId: Id,
  taskTitle: z.string(),
  stepId: Id,
  stepKey: z.string(),
  kind: StepKind,
  title: z.string(),
  revision: z.number().int().positive(),
  /** The principal that planned the task (the agent). */
  agent: z.string(),
  decision: HistoryDecision,
  /** The step's status right after the decision. */
  status: StepStatus,
  /** Who decided: the approvers, `policy:<rule>`, the principal behind a raised mode, or `system` for a deadline. */
  by: z.array(z.string()),
  /** The people in `by` and how each proved who they are (since issue 15; absent for older decisions and rules). */
  deciders: z.array(Decider).optional(),
  rule: z.string().optional(),
  reason: z.string().optional(),
  feedback: z.string().optional(),
  approvalId: Id.optional(),
  paramsHash: Sha256Hex,
  risk: RiskAssessment,
});
export type HistoryEntry = z.infer<typeof HistoryEntry>;

/** `history.list`: newest first, every filter optional and combined with AND; `since`/`until` in epoch ms, `until` exclusive. */
export const ListHistoryInput = z.strictObject({
  taskId: Id.optional(),
  agent: Principal.optional(),
  decider: Principal.optional().meta({ description: 'a principal among `by` (an approver, `policy:<rule>`, `system`)' }),
  decision: HistoryDecision.optional(),
  status: StepStatus.optional(),
  risk: Risk.optional(),
  since: EpochMs.optional(),
  until: EpochMs.optional(),
  /** The `nextCursor` of the previous page. */
  cursor: z
    .string()
    .regex(/^[1-9][0-9]{0,15}$/, 'a cursor from a previous page')
    .optional(),
  limit: Limit,
});
export type ListHistoryInput = z.infer<typeof ListHistoryInput>;
