/** Which events become webhook notifications, and the retry backoff. */
import { describe, expect, it } from 'vitest';
import { nextAttemptDelay, webhookEventOf, webhookText } from '../src/index.ts';

const asked = { from: 'awaiting_approval', revision: 1 } as const;

describe('webhookEventOf', () => {
  it('maps requests, expiries and finishes directly', () => {
    expect(webhookEventOf({ type: 'approval.requested', data: { ...asked, to: 'awaiting_approval', approvalId: 'a1' } })).toBe('approval.requested');
    expect(webhookEventOf({ type: 'approval.expired', data: { ...asked, to: 'rejected', approvalId: 'a1', defaultOnTimeout: 'reject' } })).toBe('approval.expired');
    expect(webhookEventOf({ type: 'task.finished', data: { status: 'completed' } })).toBe('task.finished');
    expect(webhookEventOf({ type: 'step.revised', data: { from: 'changes_requested', to: 'awaiting_approval', revision: 2, paramsHash: 'h', approvalId: 'a2' } })).toBe('approval.requested');
    expect(webhookEventOf({ type: 'step.revised', data: { from: 'changes_requested', to: 'approved', revision: 2, paramsHash: 'h', by: 'policy:reads' } })).toBeUndefined();
  });

  it('reports decisions by people, not by the policy, and nothing else', () => {
    expect(webhookEventOf({ type: 'step.approved', data: { ...asked, to: 'approved', by: ['alice', 'bob'] } })).toBe('approval.decided');
    expect(webhookEventOf({ type: 'step.rejected', data: { ...asked, to: 'rejected', by: 'alice' } })).toBe('approval.decided');
    expect(webhookEventOf({ type: 'step.completed', data: { ...asked, to: 'completed', by: 'alice', answer: 'yes' } })).toBe('approval.decided');
    expect(webhookEventOf({ type: 'step.approved', data: { ...asked, to: 'approved', by: 'policy:mode:copilot' } })).toBeUndefined();
    expect(webhookEventOf({ type: 'step.rejected', data: { ...asked, to: 'rejected', by: 'policy:protected-paths' } })).toBeUndefined();
    expect(webhookEventOf({ type: 'step.completed', data: { from: 'executing', to: 'completed', revision: 1, attempt: 1, durationMs: 5 } })).toBeUndefined();
    expect(webhookEventOf({ type: 'step.approved', data: { from: 'executing', to: 'approved', revision: 1, retry: true, attempt: 1 } })).toBeUndefined();
    expect(webhookEventOf({ type: 'step.claimed', data: { from: 'approved', to: 'executing', revision: 1, attempt: 1, holder: 'bot', leaseExpiresAt: 1 } })).toBeUndefined();
  });

  it('writes a readable line', () => {
    expect(webhookText('acme', 'approval.decided', { type: 'step.rejected', taskId: 't1', stepId: 's1', data: { ...asked, to: 'rejected', by: 'alice', feedback: 'no' } })).toBe(
      '[acme] task t1 step s1: rejected by alice — no',
    );
    expect(webhookText('acme', 'approval.decided', { type: 'step.approved', taskId: 't1', stepId: 's1', data: { ...asked, to: 'approved', by: ['alice', 'bob'] } })).toBe(
      '[acme] task t1 step s1: approved by alice, bob',
    );
    expect(
      webhookText('acme', 'approval.requested', { type: 'approval.requested', taskId: 't1', stepId: 's1', data: { from: 'changes_requested', to: 'awaiting_approval', revision: 3, approvalId: 'a' } }),
    ).toBe('[acme] task t1 step s1: approval requested (revision 3)');
    const risk = { level: 'high', reason: '`npm publish` publishes to the npm registry', source: 'default' } as const;
    expect(
      webhookText('acme', 'approval.requested', {
        type: 'approval.requested',
        taskId: 't1',
        stepId: 's1',
        data: { ...asked, from: 'awaiting_approval', to: 'awaiting_approval', approvalId: 'a', risk },
      }),
    ).toBe('[acme] task t1 step s1: approval requested (revision 1), high risk: `npm publish` publishes to the npm registry');
    expect(webhookText('acme', 'approval.expired', { type: 'approval.expired', taskId: 't1', stepId: 's1', data: { ...asked, to: 'skipped', defaultOnTimeout: 'skip' } })).toBe(
      '[acme] task t1 step s1: approval expired, skip applied',
    );
    expect(webhookText('acme', 'task.finished', { type: 'task.finished', taskId: 't1', data: { status: 'failed' } })).toBe('[acme] task t1: task finished, failed');
  });
});

describe('nextAttemptDelay', () => {
  it('doubles from the base with jitter in the upper half, capped at an hour', () => {
    expect(nextAttemptDelay(1, 1000, 0)).toBe(500);
    expect(nextAttemptDelay(1, 1000, 0.999999)).toBe(1000);
    expect(nextAttemptDelay(3, 1000, 0)).toBe(2000);
    expect(nextAttemptDelay(30, 1000, 0.5)).toBeLessThanOrEqual(3_600_000);
  });
});
