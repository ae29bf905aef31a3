/**
 * Reading a cursor-paged list procedure (approvals.list, history.list: `{items,
 * nextCursor?}`) until `limit` items or its end, each request at most LIMITS.pageSize.
 */
import { LIMITS } from '@greenlight/core';

export type Paged<T> = { items: T[]; nextCursor?: string | undefined };

/**
 * The first `limit` items from `cursor` on (the start when undefined), and the cursor of
 * what is left when there is more. `page(size, cursor)` fetches one page.
 */
export async function collectPages<T>(limit: number, cursor: string | undefined, page: (size: number, cursor: string | undefined) => Promise<Paged<T>>): Promise<Paged<T>> {
  const items: T[] = [];
  let next = cursor;
  do {
    const got = await page(Math.min(LIMITS.pageSize, limit - items.length), next);
    items.push(...got.items);
    next = got.nextCursor;
  } while (next && items.length < limit);
  return { items, ...(next ? { nextCursor: next } : {}) };
}
