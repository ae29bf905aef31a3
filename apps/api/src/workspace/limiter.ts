/**
 * The workspace's rate limiter: token buckets per key id and one for the whole
 * workspace ('*'), kept in the object's memory (an eviction forgives). The decision is
 * core's `rate.take` command; this only holds the buckets between calls.
 */
import { emptyWorkspaceState, executeWorkspace, type Bucket, type CoreError, type Key } from '@greenlight/core';
import type { WorkspaceMeta } from './meta.ts';

export class Limiter {
  private buckets: Readonly<Record<string, Bucket>> = {};

  /**
   * Take one token for one procedure call (a batch of ten is ten calls) from the key's
   * bucket and the workspace's, both or neither. Returns TOO_MANY_REQUESTS (reason
   * `rate_limited`, `retryAfterMs`) when either is empty, else undefined. `now` is the
   * object's clock (epoch ms).
   */
  take(key: Key, meta: WorkspaceMeta, now: number): { ok: false; error: CoreError } | undefined {
    const { id, policy, policyVersion, limits, usage } = meta;
    const state = { ...emptyWorkspaceState({ id, policy, policyVersion, limits, usage }), buckets: this.buckets };
    const r = executeWorkspace(state, { type: 'rate.take', keyId: key.id }, { now, newId: () => '', allowPrivateTargets: false });
    if (!r.ok) return r;
    this.buckets = r.value.state.buckets;
    return undefined;
  }
}
