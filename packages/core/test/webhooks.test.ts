/** Which events become webhook notifications, and the retry backoff. */
import { describe, expect, it } from 'vitest';
import { nextAttemptDelay, webhookEventOf, webhookText } from '../src/index.ts';

describe('webhookEventOf', () => {
  it('maps requests, expiries and finishes directly', () => {
    expect(webhookEventOf({ type: 'approval.requested', data: {} })).toBe('approval.requested');
    expect(webhookEventOf({ type: 'approval.expired', data: {} })).toBe('approval.expired');
    expect(webhookEventOf({ type: 'task.finished', data: { status: 'completed' } })).toBe('task.finished');
    expect(webhookEventOf({ type: 'step.revised', data: { from: 'changes_requested', to: 'awaiting_approval' } })).toBe('approval.requested');
  });

  it('reports decisions by people, not by the policy, and nothing else', () => {
    expect(webhookEventOf({ type: 'step.approved', data: { from: 'awaiting_approval', by: ['alice', 'bob'] } })).toBe('approval.decided');
    expect(webhookEventOf({ type: 'step.rejected', data: { from: 'awaiting_approval', by: 'alice' } })).toBe('approval.decided');
    expect(webhookEventOf({ type: 'step.completed', data: { from: 'awaiting_approval', by: 'alice', answer: 'yes' } })).toBe('approval.decided');
    expect(webhookEventOf({ type: 'step.approved', data: { from: 'awaiting_approval', by: 'policy:mode:copilot' } })).toBeUndefined();
    expect(webhookEventOf({ type: 'step.rejected', data: { from: 'awaiting_approval', by: 'policy:protected-paths' } })).toBeUndefined();
    expect(webhookEventOf({ type: 'step.completed', data: { from: 'executing' } })).toBeUndefined();
    expect(webhookEventOf({ type: 'step.claimed', data: { from: 'approved' } })).toBeUndefined();
  });

  it('writes a readable line', () => {
    expect(webhookText('acme', 'approval.decided', { type: 'step.rejected', actor: 'alice', taskId: 't1', stepId: 's1', data: { to: 'rejected', by: 'alice', feedback: 'no' } }))
      .toBe('[acme] task t1 step s1: rejected by alice — no');
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
