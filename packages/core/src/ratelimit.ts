/**
 * Token buckets for rate limiting, pure: the workspace object keeps one per key and
 * one for the workspace, and asks here whether a call may go ahead.
 */
import { z } from 'zod';

export const BucketLimit = z.strictObject({
  ratePerSecond: z.number().positive().max(100_000),
  burst: z.number().int().min(1).max(100_000),
});
export type BucketLimit = z.infer<typeof BucketLimit>;

export const RateLimits = z.strictObject({
  perKey: BucketLimit.default({ ratePerSecond: 100, burst: 200 }),
  // Cloudflare's soft limit for one object is about 1,000 requests a second.
  perWorkspace: BucketLimit.default({ ratePerSecond: 1000, burst: 2000 }),
});
export type RateLimits = z.infer<typeof RateLimits>;
export const DEFAULT_RATE_LIMITS: RateLimits = RateLimits.parse({});

export type Bucket = { tokens: number; at: number };

/** Refill by elapsed time, then take one token if there is one; else say when there will be. */
export function takeToken(bucket: Bucket | undefined, limit: BucketLimit, now: number): { bucket: Bucket; ok: boolean; retryAfterMs: number } {
  const start = bucket ?? { tokens: limit.burst, at: now };
  const tokens = Math.min(limit.burst, start.tokens + ((now - start.at) / 1000) * limit.ratePerSecond);
  if (tokens >= 1) return { bucket: { tokens: tokens - 1, at: now }, ok: true, retryAfterMs: 0 };
  return { bucket: { tokens, at: now }, ok: false, retryAfterMs: Math.ceil(((1 - tokens) / limit.ratePerSecond) * 1000) };
}
