/**
 * The hook's answer to Claude Code: `hookSpecificOutput` with allow / deny / ask and a
 * reason (shown to Claude on deny, to the user on ask). Pure: from the decided step.
 */
import { decisionPeople, type Step } from '@greenlight/core';
import type { HookInput } from './input.ts';

export type PermissionDecision = 'allow' | 'deny' | 'ask';

export type HookOutput = {
  hookSpecificOutput: {
    hookEventName: 'PreToolUse';
    permissionDecision: PermissionDecision;
    permissionDecisionReason: string;
    updatedInput?: Record<string, unknown>;
  };
};

export const hookOutput = (permissionDecision: PermissionDecision, reason: string, updatedInput?: Record<string, unknown>): HookOutput => ({
  hookSpecificOutput: {
    hookEventName: 'PreToolUse',
    permissionDecision,
    permissionDecisionReason: reason,
    ...(updatedInput ? { updatedInput } : {}),
  },
});

/** " by alice, bob": the people behind the decision (core's decisionPeople), never a rule's or the clock's name. */
const by = (step: Step): string => {
  const people = step.decision ? decisionPeople(step.decision) : [];
  return people.length > 0 ? ` by ${people.join(', ')}` : '';
};
const said = (text: string | undefined): string => (text ? `: ${text}` : '');

/**
 * A reviewer's modify replaced the params. Where the tool's input can carry the new
 * params, Claude Code runs them (updatedInput); otherwise Claude is told what to do instead.
 */
function modified(step: Step, input: HookInput): HookOutput {
  const p = step.params;
  const note = `Greenlight: approved with changes${by(step)}${said(step.decision?.feedback)}`;
  if (step.kind === 'run_command' && typeof p.command === 'string') return hookOutput('allow', note, { ...input.tool_input, command: p.command });
  if (step.kind === 'network' && typeof p.url === 'string') return hookOutput('allow', note, { ...input.tool_input, url: p.url });
  if (step.kind === 'edit_file' && input.tool_name === 'Write' && typeof p.content === 'string') return hookOutput('allow', note, { ...input.tool_input, content: p.content });
  if (step.kind === 'custom' && p.input !== null && typeof p.input === 'object' && !Array.isArray(p.input)) {
    return hookOutput('allow', note, p.input as Record<string, unknown>);
  }
  return hookOutput('deny', `${note}. Do not run the original call; do this instead:\n${typeof p.patch === 'string' ? p.patch : JSON.stringify(p, null, 2)}`);
}

/** The answer for a step that has left awaiting_approval; `cancel` is the task's, when it was cancelled. */
export function answerFor(step: Step, input: HookInput, cancel?: { by: string; reason?: string | undefined }): HookOutput {
  const d = step.decision;
  switch (step.status) {
    case 'approved':
    case 'executing':
    case 'completed':
      if (d?.decision === 'modify') return modified(step, input);
      if (d?.decision === 'policy') return hookOutput('allow', `Greenlight: allowed by policy (${d.rule ?? 'mode'})${by(step)}`);
      if (d?.decision === 'timeout') return hookOutput('allow', `Greenlight: no decision in time; the policy's default approved it`);
      return hookOutput('allow', `Greenlight: approved${by(step)}${said(d?.feedback)}`);
    case 'changes_requested':
      return hookOutput('deny', `Greenlight: changes requested${by(step)}${said(d?.feedback)}. Adjust the approach and try again.`);
    case 'rejected':
      if (d?.decision === 'policy') return hookOutput('deny', `Greenlight: denied by policy (${d.rule ?? 'rule'})${said(d.reason)}`);
      if (d?.decision === 'timeout') return hookOutput('deny', `Greenlight: no reviewer decided in time, so it was rejected (${d.reason ?? 'timeout'})`);
      return hookOutput('deny', `Greenlight: rejected${by(step)}${said(d?.feedback)}`);
    case 'skipped':
      return hookOutput('deny', `Greenlight: skipped${by(step)}${said(d?.feedback ?? d?.reason)}. Do not run this; carry on without it.`);
    case 'cancelled':
      return hookOutput('deny', `Greenlight: the task was cancelled${cancel ? ` by ${cancel.by}${said(cancel.reason)}` : ''}`);
    case 'blocked':
    case 'failed':
      return hookOutput('deny', `Greenlight: the step is ${step.status}${said(d?.reason ?? step.result?.error?.message)}`);
    case 'awaiting_approval':
      return hookOutput('ask', 'Greenlight: still awaiting approval');
  }
}
