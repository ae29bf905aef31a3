/** The hook's JSON answer for each way a step can be decided, and the fallback. */
import { describe, expect, it } from 'vitest';
import type { Step, StepDecision, StepStatus } from '@greenlight/core';
import { answerFor } from '../src/hook/answer.ts';
import { fallback } from '../src/hook/run.ts';
import { fixture } from './helpers.ts';

function step(status: StepStatus, decision?: StepDecision, over: Partial<Step> = {}): Step {
  return {
    id: 's1',
    taskId: 't1',
    key: 'Bash',
    index: 0,
    kind: 'run_command',
    title: 'Run ls',
    params: { command: 'ls', cwd: '/project' },
    paramsHash: 'a'.repeat(64),
    revision: 1,
    dependsOn: [],
    status,
    idempotent: false,
    policy: { action: 'ask', requiredApprovals: 1, defaultOnTimeout: 'reject', risk: { level: 'low', reason: 'only reads', source: 'default' } },
    approvals: [],
    attempt: 0,
    history: [],
    updatedAt: 0,
    ...(decision ? { decision } : {}),
    ...over,
  };
}
const input = fixture('bash', '/project');
const decision = (s: Step) => answerFor(s, input).hookSpecificOutput;

describe('hook answer', () => {
  it('allows what a reviewer or the policy approved', () => {
    expect(decision(step('approved', { decision: 'approve', by: ['ana'], at: 1 }))).toEqual({
      hookEventName: 'PreToolUse',
      permissionDecision: 'allow',
      permissionDecisionReason: 'Greenlight: approved by ana',
    });
    expect(decision(step('approved', { decision: 'policy', by: ['policy:mode:copilot'], rule: 'mode:copilot', at: 1 })).permissionDecisionReason).toBe('Greenlight: allowed by policy (mode:copilot)');
    // A raised mode's approval is its raiser's, and says so.
    expect(decision(step('approved', { decision: 'policy', by: ['ana'], rule: 'mode:autopilot', at: 1 })).permissionDecisionReason).toBe('Greenlight: allowed by policy (mode:autopilot) by ana');
  });

  it('denies with the feedback for reject, request changes and skip', () => {
    expect(decision(step('rejected', { decision: 'reject', by: ['ana'], at: 1, feedback: 'not on main' }))).toMatchObject({
      permissionDecision: 'deny',
      permissionDecisionReason: 'Greenlight: rejected by ana: not on main',
    });
    const changes = decision(step('changes_requested', { decision: 'request_changes', by: ['ana'], at: 1, feedback: 'use pnpm' }));
    expect(changes.permissionDecision).toBe('deny');
    expect(changes.permissionDecisionReason).toContain('changes requested by ana: use pnpm');
    expect(decision(step('skipped', { decision: 'skip', by: ['ana'], at: 1 })).permissionDecision).toBe('deny');
    expect(decision(step('rejected', { decision: 'policy', by: [], at: 1, rule: 'no-rm', reason: 'never rm -rf' })).permissionDecisionReason).toBe(
      'Greenlight: denied by policy (no-rm): never rm -rf',
    );
    expect(decision(step('rejected', { decision: 'timeout', by: ['timeout'], at: 1, reason: 'no decision before the deadline: reject' })).permissionDecisionReason).toContain('in time');
    expect(answerFor(step('cancelled'), input, { by: 'ana', reason: 'wrong branch' }).hookSpecificOutput.permissionDecisionReason).toBe('Greenlight: the task was cancelled by ana: wrong branch');
  });

  it('runs a modified command through updatedInput', () => {
    const out = decision(step('approved', { decision: 'modify', by: ['ana'], at: 1 }, { params: { command: 'ls -la' } }));
    expect(out.permissionDecision).toBe('allow');
    expect(out.updatedInput).toEqual({ ...input.tool_input, command: 'ls -la' });
  });

  it('falls back as configured', () => {
    expect(fallback('ask', 'NETWORK_ERROR: fetch failed').hookSpecificOutput).toMatchObject({ permissionDecision: 'ask' });
    expect(fallback('deny', 'x').hookSpecificOutput.permissionDecision).toBe('deny');
  });
});
