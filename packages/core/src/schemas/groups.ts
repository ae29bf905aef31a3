/** Approver groups and delegations (groups.*, delegations.*; issue 15 item 6, docs/people.md). */
import { z } from 'zod';
import { EpochMs, Id, IdempotencyKey, Principal } from './common.ts';
import { GroupName } from './policy-shape.ts';

/** A group: its name and members (principals; each counts as the person it is linked to). */
export const ApproverGroup = z.object({ name: z.string(), members: z.array(z.string()), updatedBy: z.string(), updatedAt: EpochMs });
export type ApproverGroup = z.infer<typeof ApproverGroup>;

/** groups.set: create or replace a group's members (1-200 principals). */
export const SetGroupInput = z.strictObject({ name: GroupName, members: z.array(Principal).min(1).max(200), idempotencyKey: IdempotencyKey.optional() });
export type SetGroupInput = z.infer<typeof SetGroupInput>;

/** groups.delete: NOT_FOUND when there is no such group. */
export const DeleteGroupInput = z.strictObject({ name: GroupName, idempotencyKey: IdempotencyKey.optional() });
export type DeleteGroupInput = z.infer<typeof DeleteGroupInput>;

/** The longest delegation: 90 days. */
export const DELEGATION_MAX_MS = 90 * 24 * 3600 * 1000;

/**
 * delegations.set: `to` may approve for `from` until `until` (epoch ms, in the future,
 * at most 90 days ahead). `from` defaults to the caller; only an admin names someone else.
 */
export const SetDelegationInput = z.strictObject({ from: Principal.optional(), to: Principal, until: EpochMs, idempotencyKey: IdempotencyKey.optional() });
export type SetDelegationInput = z.infer<typeof SetDelegationInput>;

export const RevokeDelegationInput = z.strictObject({ id: Id, idempotencyKey: IdempotencyKey.optional() });
export type RevokeDelegationInput = z.infer<typeof RevokeDelegationInput>;

export const Delegation = z.object({ id: z.string(), from: z.string(), to: z.string(), until: EpochMs, createdBy: z.string(), createdAt: EpochMs, revokedAt: EpochMs.optional() });
export type Delegation = z.infer<typeof Delegation>;

/** delegations.list: the live ones (not revoked, not expired), or all with `all`. */
export const ListDelegationsInput = z.strictObject({ all: z.boolean().default(false) }).default({ all: false });
export type ListDelegationsInput = z.infer<typeof ListDelegationsInput>;
