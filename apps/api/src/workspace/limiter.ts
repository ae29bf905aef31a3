/**
 * The workspace's rate limiter: token buckets per key id and one for the whole
 * workspace ('*'), kept in the object's memory (an eviction forgives). The bucket
 * arithmetic is core's `takeToken`; this only holds the buckets between calls.
 */
import { fail, takeToken, type Bucket, type CoreError, type Key, type RateLimits } from '@greenlight/core';

export class Limiter {
  private readonly buckets = new Map<string, Bucket>();

  /**
   * Take one token for one procedure call (a batch of ten is ten calls) from the key's
   * bucket and the workspace's, both or neither. Returns TOO_MANY_REQUESTS (reason
   * `rate_limited`, `retryAfterMs`) when either is empty, else undefined.
   */
  take(key: Key, limits: RateLimits, now: number): { ok: false; error: CoreError } | undefined {
    const mine = takeToken(this.buckets.get(key.id), limits.perKey, now);
    const all = takeToken(this.buckets.get('*'), limits.perWorkspace, now);
    if (mine.ok && all.ok) {
      this.buckets.set(key.id, mine.bucket);
      this.buckets.set('*', all.bucket);
      return undefined;
    }
    const retryAfterMs = Math.max(mine.retryAfterMs, all.retryAfterMs);
    const which = mine.ok ? 'this workspace' : 'this key';
    return fail('TOO_MANY_REQUESTS', `rate limit for ${which} reached: retry in ${Math.ceil(retryAfterMs / 1000)} s`, { reason: 'rate_limited', retryAfterMs });
  }
}
