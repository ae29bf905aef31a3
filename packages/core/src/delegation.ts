/**
 * Delegation while away (issue 15 item 6, docs/people.md): a reviewer names a delegate
 * for a period. What a delegate may do: approve steps whose rule asks a group the
 * delegator is in (the delegator's membership is lent, nothing else); their vote is
 * recorded as theirs, `onBehalfOf` the delegator, and counts for the delegate's own
 * person (a delegation never adds a vote). Never for a task the delegator created.
 */
import { DELEGATION_MAX_MS } from './schemas/groups.ts';
import { fail, ok, type Result } from './result.ts';

/**
 * Check a new delegation from `from` to `to` until `until` at `now` (epoch ms). Errors:
 * BAD_REQUEST `self_delegation` when both are one person (`same`), `until_past` when
 * `until` is not after now, `until_too_far` beyond DELEGATION_MAX_MS (90 days).
 */
export function checkDelegation(d: { from: string; to: string; until: number }, now: number, same: (a: string, b: string) => boolean): Result<void> {
  if (same(d.from, d.to)) return fail('BAD_REQUEST', `${d.to} is ${d.from}: a delegate is someone else`, { reason: 'self_delegation', issues: [{ path: ['to'], message: 'the same person as from' }] });
  if (d.until <= now)
    return fail('BAD_REQUEST', `until (${new Date(d.until).toISOString()}) is not in the future`, { reason: 'until_past', issues: [{ path: ['until'], message: 'must be in the future' }] });
  if (d.until > now + DELEGATION_MAX_MS) {
    return fail('BAD_REQUEST', 'a delegation lasts at most 90 days', { reason: 'until_too_far', issues: [{ path: ['until'], message: 'at most 90 days ahead' }] });
  }
  return ok(undefined);
}

/** Whether a stored delegation holds at `now`: not revoked, and `until` still ahead (an expired one lends nothing). */
export const delegationLive = (d: { until: number; revokedAt?: number | undefined }, now: number): boolean => d.revokedAt === undefined && now < d.until;
