/**
 * The Claude Code PreToolUse answer for a decided step: core's verdict (allow / deny /
 * ask with a reason, a reviewer's modify as updatedInput) in Claude Code's
 * `hookSpecificOutput` shape. Kept for the PreToolUse-only callers and tests; the
 * runner works with verdicts and each host's format (core/hooks).
 */
import type { Step } from '@greenlight/core';
import { preToolUseOutput, verdictFor, type PreToolUseOutput } from '@greenlight/core/hooks';
import type { HookInput } from './input.ts';

export type PermissionDecision = 'allow' | 'deny' | 'ask';

export type HookOutput = PreToolUseOutput;

export const hookOutput = (permissionDecision: PermissionDecision | 'defer', reason: string, updatedInput?: Record<string, unknown>): HookOutput =>
  preToolUseOutput({ decision: permissionDecision, reason, ...(updatedInput ? { updatedInput } : {}) });

/** The answer for a step that has left awaiting_approval; `cancel` is the task's, when it was cancelled. */
export function answerFor(step: Step, input: HookInput, cancel?: { by: string; reason?: string | undefined }): HookOutput {
  return preToolUseOutput(verdictFor(step, { tool: input.tool_name, input: input.tool_input, toolUseId: input.tool_use_id, cwd: input.cwd }, cancel));
}
