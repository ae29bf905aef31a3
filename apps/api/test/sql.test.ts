/** The `sql` tag (sql.ts): every interpolation is a bound parameter, never SQL text. */
import { runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { team } from './harness.ts';
import { stubOf } from './deadlines.ts';
import { sqlTag } from '../src/workspace/sql.ts';

describe('sql tag', () => {
  it('binds values, so a quote or a statement in a value stays a value', async () => {
    const t = await team();
    await runInDurableObject(stubOf(t.id), (_instance, state) => {
      const q = sqlTag(state.storage.sql);
      const hostile = "x'); DROP TABLE keys; --";
      expect(q<{ v: string; n: number }>`SELECT ${hostile} AS v, ${41} + 1 AS n`).toEqual([{ v: hostile, n: 42 }]);
      expect(q<{ n: number }>`SELECT COUNT(*) AS n FROM keys WHERE principal = ${hostile}`).toEqual([{ n: 0 }]);
      expect(q<{ n: number }>`SELECT COUNT(*) AS n FROM keys`[0]!.n).toBeGreaterThan(0);
    });
  });
});
