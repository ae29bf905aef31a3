/** The people procedures' shapes (people.link|unlink|list, docs/people.md). */
import { z } from 'zod';
import { EpochMs, IdempotencyKey, Principal } from './common.ts';

/** One stored link: `principal` counts for the root `person`; `source` says how it was made (admin, slack, oidc…). */
export const IdentityLink = z.object({ principal: z.string(), person: z.string(), source: z.string(), createdBy: z.string(), createdAt: EpochMs });
export type IdentityLink = z.infer<typeof IdentityLink>;

/** people.link: count `principal` as `person` (resolved to its root). */
export const LinkIdentityInput = z.strictObject({ principal: Principal, person: Principal, idempotencyKey: IdempotencyKey.optional() });
export type LinkIdentityInput = z.infer<typeof LinkIdentityInput>;

/** people.unlink: `principal` counts for itself again. */
export const UnlinkIdentityInput = z.strictObject({ principal: Principal, idempotencyKey: IdempotencyKey.optional() });
export type UnlinkIdentityInput = z.infer<typeof UnlinkIdentityInput>;

/** people.list: every link, or those of one person (the root and its members). */
export const ListLinksInput = z.strictObject({ person: Principal.optional() }).default({});
export type ListLinksInput = z.infer<typeof ListLinksInput>;
