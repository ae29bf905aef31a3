/** Free-form JSON is bounded by depth before size, so hostile nesting is a clear error, never a stack overflow. */
import { describe, expect, it } from 'vitest';
import { AnyParams, CompleteInput, LIMITS, Metadata, nestsDeeperThan } from '../src/index.ts';

const nested = (depth: number): unknown => {
  let v: unknown = 'leaf';
  for (let i = 0; i < depth; i++) v = [v];
  return v;
};

describe('JSON depth bounds', () => {
  it('measures nesting without recursion, at any depth', () => {
    expect(nestsDeeperThan(nested(10), 64)).toBe(false);
    expect(nestsDeeperThan({ a: { b: nested(70) } }, 64)).toBe(true);
    expect(nestsDeeperThan(nested(1_000_000), 64)).toBe(true);
  });

  it('refuses 100,000-deep params, metadata and output with an issue that names the limit', () => {
    const deep = nested(100_000);
    for (const r of [AnyParams.safeParse({ tool: 't', input: deep }), Metadata.safeParse({ deep }), CompleteInput.safeParse({ stepId: 's', leaseId: 'l', output: deep })]) {
      expect(r.success).toBe(false);
      expect(r.error?.issues[0]?.message).toContain(`deeper than ${LIMITS.jsonDepth} levels`);
    }
  });

  it('still accepts ordinary nesting and checks size after depth', () => {
    expect(AnyParams.safeParse({ tool: 't', input: nested(20) }).success).toBe(true);
    const big = AnyParams.safeParse({ tool: 't', input: 'x'.repeat(LIMITS.paramsBytes) });
    expect(big.error?.issues[0]?.message).toContain('256 KiB');
  });
});
