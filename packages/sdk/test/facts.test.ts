/** The SDK hands agent builders the core's derived facts, so they never recount votes themselves (issue 11, item 10). */
import { describe, expect, it } from 'vitest';
import { approvalProgress, decisionPeople, mayApprove, statusLabel } from '../src/index.ts';

describe('derived facts from the SDK', () => {
  it('counts a modify toward N, like the server', () => {
    const votes = [{ principal: 'alice', decision: 'modify' as const, at: 1 }];
    expect(approvalProgress(votes, 2)).toMatchObject({ count: 1, required: 2, remaining: 1, met: false });
    const approval = { options: ['approve' as const], votes, requiredApprovals: 2, createdBy: 'agent-1' };
    expect(mayApprove({ principal: 'alice', role: 'approver' }, approval, { preventSelfApproval: true })).toBe(false);
    expect(mayApprove({ principal: 'bob', role: 'approver' }, approval, { preventSelfApproval: true })).toBe(true);
    expect(decisionPeople({ by: ['policy:deploys'] })).toEqual([]);
    expect(statusLabel('changes_requested')).toBe('changes requested');
  });
});
