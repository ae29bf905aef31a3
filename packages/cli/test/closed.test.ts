/** What the CLI says about an approval that is not open, for every way one closes (from approvals.get). */
import { describe, expect, it } from 'vitest';
import type { ApprovalRecord } from '@greenlight/core';
import { closedMessage } from '../src/commands/decide.ts';

const AT = Date.UTC(2026, 10, 30, 12, 0, 0);
const base: ApprovalRecord = {
  approvalId: 'A1',
  taskId: 'T1',
  stepId: 'S1',
  status: 'open',
  revision: 1,
  paramsHash: 'a'.repeat(64),
  requestedAt: AT - 1000,
  decidedBy: [],
  votes: [],
  stepStatus: 'approved',
  taskStatus: 'active',
};

describe('closedMessage', () => {
  it('says how each decider proved who they are, when the record has it (issue 15)', () => {
    const decision = {
      decision: 'approve' as const,
      by: ['slack:T1:U1', 'bob'],
      at: AT,
      deciders: [
        { principal: 'slack:T1:U1', identitySource: 'slack' as const, authStrength: 'sso' as const, person: 'alice' },
        { principal: 'bob', identitySource: 'oidc' as const, authStrength: 'mfa' as const, person: 'bob' },
      ],
    };
    expect(closedMessage({ ...base, status: 'approved', closedAt: AT, decision, decidedBy: ['slack:T1:U1', 'bob'] })).toContain(
      'already decided by alice (slack:T1:U1) · SSO via Slack, bob · SSO+MFA via sign-in (approve)',
    );
  });

  it('names the people, the decision and the time; a rule by its name; the clock as an expiry', () => {
    expect(closedMessage({ ...base, status: 'rejected', closedAt: AT, decision: { decision: 'reject', by: ['bob'], at: AT, feedback: 'no' }, decidedBy: ['bob'], stepStatus: 'rejected' })).toBe(
      'approval A1 was already decided by bob (reject) at 2026-11-30T12:00:00.000Z: no; the step is rejected now',
    );
    expect(closedMessage({ ...base, status: 'rejected', closedAt: AT, decision: { decision: 'policy', by: ['policy:freeze'], at: AT, rule: 'freeze' }, stepStatus: 'rejected' })).toContain(
      'already decided by the policy (rule freeze) (policy)',
    );
    expect(
      closedMessage({ ...base, status: 'expired', closedAt: AT, decision: { decision: 'timeout', by: ['timeout'], at: AT, reason: 'no decision before the deadline: skip' }, stepStatus: 'skipped' }),
    ).toBe('approval A1 expired at 2026-11-30T12:00:00.000Z with no decision (no decision before the deadline: skip); the step is skipped now');
  });

  it('a cancel, a revision, a modify short of N, a failed dependency', () => {
    expect(closedMessage({ ...base, status: 'cancelled', closedAt: AT, closedBy: 'ana', reason: 'wrong branch', stepStatus: 'cancelled' })).toBe(
      'approval A1 was closed at 2026-11-30T12:00:00.000Z when its task was cancelled by ana: wrong branch',
    );
    expect(closedMessage({ ...base, status: 'superseded', closedAt: AT, closedBy: 'agent-1', replacedBy: 'A2', stepStatus: 'awaiting_approval' })).toBe(
      'approval A1 was replaced at 2026-11-30T12:00:00.000Z by approval A2 (the step was revised by agent-1); the step is awaiting_approval now',
    );
    expect(closedMessage({ ...base, status: 'superseded', closedAt: AT, closedBy: 'ana', replacedBy: 'A2', decision: { decision: 'modify', by: ['ana'], at: AT }, decidedBy: ['ana'] })).toContain(
      '(modified by ana)',
    );
    expect(closedMessage({ ...base, status: 'blocked', closedAt: AT, reason: 'dependency edit is rejected', stepStatus: 'blocked' })).toBe(
      'approval A1 was closed at 2026-11-30T12:00:00.000Z: dependency edit is rejected; the step is blocked now',
    );
  });
});
