/**
 * @greenlight/core/hooks: the coding agents' hook formats (Claude Code, Codex, Cursor) as
 * pure functions: payload -> HookEvent, tool call -> step, decided step -> verdict ->
 * the host's JSON answer. Shared by the CLI's command hooks and the Worker's HTTP hook.
 */
export * from './verdict.ts';
export * from './event.ts';
export * from './steps.ts';
export * from './proposal.ts';
export * from './claude-code.ts';
export * from './codex.ts';
export * from './cursor.ts';

import { claudeCodeFormat, claudeCodeStep } from './claude-code.ts';
import { codexFormat, codexStep } from './codex.ts';
import { cursorFormat, cursorStep } from './cursor.ts';
import type { HookHost, HostFormat } from './event.ts';
import type { StepDraft } from './steps.ts';
import type { ToolCall } from './verdict.ts';

/** Each host's format and its tool -> step table (the table without the developer's disk). */
export const HOSTS: Record<HookHost, { format: HostFormat; step: (call: ToolCall) => StepDraft }> = {
  'claude-code': { format: claudeCodeFormat, step: claudeCodeStep },
  codex: { format: codexFormat, step: codexStep },
  cursor: { format: cursorFormat, step: cursorStep },
};
