import { LIMITS } from '@greenlight/core';
import { describe, expect, it } from 'vitest';
import { collectPages } from '../src/pages.ts';

/** A list of `n` numbers served a page at a time, as the list procedures do; records each request's size. */
function list(n: number) {
  const sizes: number[] = [];
  const page = async (size: number, cursor: string | undefined) => {
    sizes.push(size);
    const from = cursor ? Number(cursor) : 0;
    const items = Array.from({ length: Math.max(0, Math.min(size, n - from)) }, (_, i) => from + i);
    const next = from + items.length;
    return { items, ...(next < n ? { nextCursor: String(next) } : {}) };
  };
  return { page, sizes };
}

describe('collectPages', () => {
  it('reads across pages up to the limit, and answers the cursor of what is left', async () => {
    const { page, sizes } = list(LIMITS.pageSize * 2 + 5);
    const r = await collectPages(LIMITS.pageSize + 3, undefined, page);
    expect(r.items).toEqual(Array.from({ length: LIMITS.pageSize + 3 }, (_, i) => i));
    expect(r.nextCursor).toBe(String(LIMITS.pageSize + 3));
    expect(sizes).toEqual([LIMITS.pageSize, 3]);
  });

  it('stops at the end with no cursor, and starts from the cursor given', async () => {
    const { page } = list(10);
    expect(await collectPages(100, '7', page)).toEqual({ items: [7, 8, 9] });
  });
});
