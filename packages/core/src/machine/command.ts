/**
 * The task aggregate's commands (issue 12 item 1): one discriminated union on `type`,
 * taken by one `execute` (aggregate.ts). The shell builds a command from a validated
 * request (plus what only it can compute: params hashes), the property tests generate
 * the same commands, so both drive the machine through the same door.
 */
import type { CloseReason, Mode } from '../enums.ts';
import type { Usage } from '../schemas/common.ts';
import type { Policy } from '../schemas/policy.ts';
import type { StepError, StepInput } from '../schemas/step.ts';
import type { PlanInput } from '../schemas/task.ts';
import type { DecideCommand } from './decide.ts';
import type { DenyRecheck } from './deny.ts';
import type { Ctx } from './draft.ts';

export type TaskCommand =
  /** Make the task (the state is undefined): a plan checked whole, its steps judged by the policy. */
  | { type: 'plan'; input: PlanInput; paramsHashes: string[] }
  /** More steps for an open task, by its creator. */
  | { type: 'append'; steps: StepInput[]; paramsHashes: string[] }
  /** End an open task: by a call (its creator, or a role that may cancel any task) or by the alarm (`idle`). */
  | { type: 'close'; reason: CloseReason }
  /** New params for a step not yet started, by the agent that planned the task (or an admin). */
  | { type: 'revise'; stepId: string; params: Record<string, unknown>; paramsHash: string }
  /** Cancel the task: its creator, or a role that may cancel any task. */
  | { type: 'cancel'; reason?: string | undefined }
  /** A reviewer's decision on an open approval (with an optional grant). */
  | ({ type: 'decide' } & DecideCommand)
  /** Set the task's mode; raising it approves the rest. */
  | { type: 'setMode'; mode: Mode }
  /**
   * Claim up to `max` claimable steps (the oldest first) under a lease of `leaseSeconds`
   * (the policy's when absent); with `stepIds`, only those steps. The deny rules are checked again first.
   */
  | { type: 'claim'; max: number; leaseSeconds?: number | undefined /** Only these steps (an adapter claiming the call it holds), when given. */; stepIds?: readonly string[] | undefined }
  | { type: 'heartbeat'; stepId: string; leaseId: string; leaseSeconds?: number | undefined }
  | { type: 'complete'; stepId: string; leaseId: string; output?: unknown; usage?: Usage | undefined }
  | { type: 'fail'; stepId: string; leaseId: string; error: StepError; usage?: Usage | undefined }
  /** Apply every lease and approval deadline due by `env.now` (the alarm, and every load). */
  | { type: 'deadlines' }
  /** Reject every unstarted step the policy denies (policy.set's sweep). */
  | { type: 'enforceDeny'; recheck: DenyRecheck }
  /** Revoke one of the task's grants. */
  | { type: 'revokeGrant'; grantId: string };

export type TaskCommandType = TaskCommand['type'];

/** What a command needs from outside: the clock, the caller, ids, and the workspace's policy. */
export type TaskEnv = Ctx & { policy: Policy };
