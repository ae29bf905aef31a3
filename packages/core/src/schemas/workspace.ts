/** Workspaces (tenants) and their keys. */
import { z } from 'zod';
import { Role } from '../enums.ts';
import { EpochMs, Id, KeyPrincipal, Title, Usage, WorkspaceId } from './common.ts';
import { PolicyShape as Policy } from './policy-shape.ts';
import { RateLimits } from '../ratelimit.ts';

export const Workspace = z.object({
  id: WorkspaceId,
  name: z.string(),
  createdAt: EpochMs,
  policy: Policy,
  policyVersion: z.number().int(),
  limits: RateLimits,
});
export type Workspace = z.infer<typeof Workspace>;

export const WorkspaceDetail = Workspace.extend({
  counts: z.object({
    tasks: z.record(z.string(), z.number().int()),
    openApprovals: z.number().int(),
    events: z.number().int(),
  }),
  usage: Usage,
  /** Who the calling key is: pages and tools show it, and hide what the role may not do. */
  you: z.object({ keyId: Id, principal: z.string(), role: Role }),
});
export type WorkspaceDetail = z.infer<typeof WorkspaceDetail>;

export const CreateWorkspaceInput = z.strictObject({ id: WorkspaceId, name: Title });

export const Key = z.object({
  id: Id,
  principal: z.string(),
  role: Role,
  createdAt: EpochMs,
  revokedAt: EpochMs.optional(),
  lastUsedAt: EpochMs.optional(),
});
export type Key = z.infer<typeof Key>;

export const CreateKeyInput = z.strictObject({ principal: KeyPrincipal, role: Role });

/** `gl_<workspaceId>_<secret>`: the Worker routes by the prefix, the object checks the secret. */
export const KEY_PATTERN = /^gl_([a-z0-9-]{3,40})_([A-Za-z0-9_-]{20,200})$/;
export function parseKey(key: string): { workspaceId: string; secret: string } | undefined {
  const m = KEY_PATTERN.exec(key);
  return m ? { workspaceId: m[1]!, secret: m[2]! } : undefined;
}
export const formatKey = (workspaceId: string, secret: string): string => `gl_${workspaceId}_${secret}`;
export type CreateKeyInput = z.infer<typeof CreateKeyInput>;

export const SetLimitsInput = z.strictObject({ limits: RateLimits, idempotencyKey: z.string().min(1).max(200).optional() });
export type SetLimitsInput = z.infer<typeof SetLimitsInput>;
