/**
 * Every enum of the domain, defined once. The database, the API, the SDK and the
 * web page import these; nothing redeclares them (a status enum that differed
 * between code and database is exactly how an earlier system broke).
 */
import { z } from 'zod';

export const Role = z.enum(['viewer', 'agent', 'approver', 'admin']);
export type Role = z.infer<typeof Role>;

export const StepKind = z.enum(['read', 'edit_file', 'delete_file', 'run_command', 'execute_code', 'network', 'clarify', 'custom']);
export type StepKind = z.infer<typeof StepKind>;

export const Checkpoint = z.enum(['none', 'before_file_edit', 'before_file_delete', 'before_command_execution', 'before_code_execution', 'before_network', 'clarification', 'custom']);
export type Checkpoint = z.infer<typeof Checkpoint>;

export const CHECKPOINT_OF: Record<StepKind, Checkpoint> = {
  read: 'none',
  edit_file: 'before_file_edit',
  delete_file: 'before_file_delete',
  run_command: 'before_command_execution',
  execute_code: 'before_code_execution',
  network: 'before_network',
  clarify: 'clarification',
  custom: 'custom',
};

export const StepStatus = z.enum(['awaiting_approval', 'changes_requested', 'approved', 'executing', 'completed', 'failed', 'skipped', 'rejected', 'blocked', 'cancelled']);
export type StepStatus = z.infer<typeof StepStatus>;

export const TERMINAL_STEP_STATUSES: ReadonlySet<StepStatus> = new Set(['completed', 'failed', 'skipped', 'rejected', 'blocked', 'cancelled']);
export const isTerminalStep = (s: StepStatus): boolean => TERMINAL_STEP_STATUSES.has(s);

/** A dependency in one of these states can never be satisfied: its dependents are blocked. */
export const BLOCKING_STEP_STATUSES: ReadonlySet<StepStatus> = new Set(['failed', 'rejected', 'blocked', 'cancelled']);
/** A dependency in one of these states lets its dependents run. */
export const SATISFYING_STEP_STATUSES: ReadonlySet<StepStatus> = new Set(['completed', 'skipped']);

export const TaskStatus = z.enum(['active', 'completed', 'completed_with_errors', 'failed', 'cancelled']);
export type TaskStatus = z.infer<typeof TaskStatus>;

export const Mode = z.enum(['manual', 'copilot', 'autopilot']);
export type Mode = z.infer<typeof Mode>;

export const Decision = z.enum(['approve', 'request_changes', 'reject', 'modify', 'skip', 'answer']);
export type Decision = z.infer<typeof Decision>;

export const Risk = z.enum(['low', 'medium', 'high']);
export type Risk = z.infer<typeof Risk>;

export const PolicyAction = z.enum(['allow', 'ask', 'deny']);
export type PolicyAction = z.infer<typeof PolicyAction>;

/**
 * What a command line does besides running its simple commands (SPEC section 11). Each
 * asks a person unless the allow rule that matched names it in `match.constructs`:
 * `command_substitution` $(..) or backticks; `process_substitution` <(..) >(..);
 * `subshell` ( .. ); `payload` code the policy cannot see before it runs (eval, source,
 * sh -c, xargs, find -exec, an interpreter's -c/-e, a shell reading stdin);
 * `file_write` a redirection that writes a file (not /dev/null); `compound` if, for,
 * while, case, functions, [[ ]], coproc; `dynamic` a command name or expansion whose
 * value only the running shell knows (`$CMD`, `${!x}`, `${x@P}`, arithmetic).
 */
export const CommandConstruct = z.enum(['command_substitution', 'process_substitution', 'subshell', 'payload', 'file_write', 'compound', 'dynamic']);
export type CommandConstruct = z.infer<typeof CommandConstruct>;

/**
 * How far a reviewer's approval reaches (SPEC section 11, remembered grants): `once` this
 * step only; `task` also later steps of the same task that the grant's matcher matches;
 * `always` that, plus a proposed workspace rule an admin may confirm.
 */
export const GrantScope = z.enum(['once', 'task', 'always']);
export type GrantScope = z.infer<typeof GrantScope>;

/** Why an open task was closed: by a call (`closed`) or by the alarm after the idle time (`idle`). */
export const CloseReason = z.enum(['closed', 'idle']);
export type CloseReason = z.infer<typeof CloseReason>;

export const DefaultOnTimeout = z.enum(['reject', 'approve', 'skip', 'cancel_task']);
export type DefaultOnTimeout = z.infer<typeof DefaultOnTimeout>;

export const ApprovalOption = z.enum(['approve', 'request_changes', 'reject', 'modify', 'skip', 'submit', 'cancel']);
export type ApprovalOption = z.infer<typeof ApprovalOption>;

export const EventType = z.enum([
  'workspace.created',
  'key.created',
  'key.revoked',
  'policy.set',
  'limits.set',
  'webhook.created',
  'webhook.deleted',
  'passkey.registered',
  'passkey.deleted',
  'task.planned',
  'task.appended',
  'task.closed',
  'task.mode_changed',
  'task.cancelled',
  'task.finished',
  'approval.requested',
  'approval.voted',
  'approval.expired',
  'step.approved',
  'step.changes_requested',
  'step.revised',
  'step.rejected',
  'step.skipped',
  'step.claimed',
  'step.completed',
  'step.failed',
  'step.blocked',
  'step.cancelled',
  'grant.created',
  'grant.used',
  'grant.revoked',
  'grant.confirmed',
  'identity.linked',
  'identity.unlinked',
  'slack.configured',
  'oidc.configured',
  'approval.reminded',
  'approval.escalated',
  'group.set',
  'group.deleted',
  'delegation.set',
  'delegation.revoked',
]);
export type EventType = z.infer<typeof EventType>;

/** What a webhook notifies about (webhooks.ts maps events to these). Here, not in schemas/webhook.ts, so event data can name it without an import cycle. */
export const WebhookEvent = z.enum(['approval.requested', 'approval.decided', 'approval.expired', 'task.finished', 'approval.reminded', 'approval.escalated']);
export type WebhookEvent = z.infer<typeof WebhookEvent>;

/** `json`: the event and a `text` line; `slack`: only `{ text }`, for Slack-compatible incoming webhooks. */
export const WebhookFormat = z.enum(['json', 'slack']);
export type WebhookFormat = z.infer<typeof WebhookFormat>;

/** Error codes the core returns; each is a tRPC code of the same name. */
export const ErrorCode = z.enum(['BAD_REQUEST', 'UNAUTHORIZED', 'FORBIDDEN', 'NOT_FOUND', 'CONFLICT', 'PAYLOAD_TOO_LARGE', 'TOO_MANY_REQUESTS']);
export type ErrorCode = z.infer<typeof ErrorCode>;
