/** Stored settings go through core's schemas: migration 9 upgrades older shapes (fixtures/meta-before-9.ts); a bad value names its key. */
import { evictDurableObject, runInDurableObject } from 'cloudflare:test';
import { DEFAULT_RATE_LIMITS } from '@greenlight/core';
import { describe, expect, it } from 'vitest';
import { team } from './harness.ts';
import { stubOf } from './deadlines.ts';
import { OLD_META } from './fixtures/meta-before-9.ts';
import { readStored } from '../src/workspace/meta.ts';
import { MIGRATIONS, migrate } from '../src/workspace/migrations.ts';

describe('stored settings', () => {
  it('migration 9 rewrites settings stored in an older shape with the fields they lacked, and the API reads them', async () => {
    const t = await team();
    await runInDurableObject(stubOf(t.id), (_instance, state) => {
      const sql = state.storage.sql;
      state.storage.transactionSync(() => {
        for (const [key, value] of Object.entries(OLD_META)) sql.exec(`INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)`, key, JSON.stringify(value));
        // As if the object last ran before migration 9.
        sql.exec(`UPDATE meta SET value = '8' WHERE key = 'schema_version'`);
        migrate(sql);
      });
      const stored = (key: string) => JSON.parse(sql.exec<{ value: string }>(`SELECT value FROM meta WHERE key = ?`, key).one().value) as Record<string, unknown>;
      expect(stored('schema_version')).toBe(MIGRATIONS.length);
      expect(stored('policy')).toMatchObject({
        policyVersion: 4,
        policy: { mode: 'manual', requiredApprovals: 2, autoApprove: ['read_file'], preventSelfApproval: true, defaultOnTimeout: 'reject', maxAttempts: 3, leaseSeconds: 60 },
      });
      expect(stored('limits')).toEqual({ perKey: { ratePerSecond: 5, burst: 10 }, perWorkspace: DEFAULT_RATE_LIMITS.perWorkspace });
      expect(stored('usage')).toEqual({ inputTokens: 7, outputTokens: 2, costUsd: 0 });
    });
    // A fresh instance reads what was stored.
    await evictDurableObject(stubOf(t.id));
    const ws = await t.viewer.workspaces.get.query();
    expect(ws.usage).toEqual({ inputTokens: 7, outputTokens: 2, costUsd: 0 });
    expect(ws.limits.perWorkspace).toEqual(DEFAULT_RATE_LIMITS.perWorkspace);
    expect((await t.viewer.policy.get.query()).policy.leaseSeconds).toBe(60);
  });

  it('a stored value that no schema accepts is an error naming its key, not a half-typed object', () => {
    expect(() => readStored('limits', '{"perKey":{"ratePerSecond":-1,"burst":0}}')).toThrow(/meta "limits" is not of its stored shape/);
    expect(() => readStored('usage', 'not json')).toThrow(/meta "usage" is not JSON/);
    expect(readStored('usage', '{}')).toEqual({ inputTokens: 0, outputTokens: 0, costUsd: 0 });
  });
});
