/**
 * When the object's alarm must next run: the earliest of a step deadline (a lease, an
 * approval's expiry, a reminder or an escalation), a webhook delivery or a Slack call due,
 * an idempotency record's expiry, and an idle open task's close. One statement with five indexed MIN subqueries, since the
 * pipeline asks after every call that wrote (five statements cost five trips through
 * the storage API: issue 17's throughput profile). The expiry rules are core's.
 */
import { idempotencyExpiry, sessionIdleMs, type Policy } from '@greenlight/core';

type Earliest = { deadline: number | null; delivery: number | null; slack: number | null; idem: number | null; active: number | null };

/**
 * The next wake-up (epoch ms), or undefined when nothing is pending. `policy` sets the
 * idle close (core sessionIdleMs); without one (no workspace yet), idle tasks are not counted.
 */
export function nextWake(sql: SqlStorage, policy: Pick<Policy, 'limits'> | undefined): number | undefined {
  const e = sql
    .exec<Earliest>(
      `SELECT (SELECT MIN(deadline) FROM steps WHERE deadline IS NOT NULL) AS deadline,
              (SELECT MIN(next_attempt_at) FROM deliveries WHERE status = 'pending') AS delivery,
              (SELECT MIN(next_attempt_at) FROM slack_outbox WHERE status = 'pending') AS slack,
              (SELECT MIN(created_at) FROM idempotency) AS idem,
              (SELECT MIN(active_at) FROM open_tasks) AS active`,
    )
    .one();
  const times = [e.deadline, e.delivery, e.slack, e.idem === null ? null : idempotencyExpiry(e.idem), e.active === null || !policy ? null : e.active + sessionIdleMs(policy)].filter(
    (t): t is number => t !== null,
  );
  return times.length > 0 ? Math.min(...times) : undefined;
}
