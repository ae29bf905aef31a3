/**
 * One-click links (issue 15, item 4; docs/step-up.md): a link in an `approval.requested`
 * webhook that approves or rejects one approval. It is a bearer secret (authStrength
 * `key`, principal `link:<id>`), so it is allowed only where the rule says `oneClick`
 * (policy.ts refuses it with step-up or N-of-M), bound to the approvalId and the
 * paramsHash the message showed, short-lived, and single-use (using one removes every
 * link of its approval). The token is `gll_<workspace>_<secret>`: the Worker routes by
 * the workspace, the object stores only the token's SHA-256. Pure rules; the object
 * mints, stores and redeems.
 */
import { fail, type CoreError } from './result.ts';
import type { Identity } from './identity.ts';
import { evaluatePolicy } from './policy.ts';
import type { Policy } from './schemas/policy.ts';
import type { Step } from './schemas/step.ts';

/** How long a link lives at most (ms): 15 minutes, and never past its approval's deadline. */
export const LINK_TTL_MS = 15 * 60_000;

/** The decisions a link may carry: one-click means yes or no; anything else needs the page. */
export type LinkDecision = 'approve' | 'reject';

export const LINK_PATTERN = /^gll_([a-z0-9-]{3,40})_([A-Za-z0-9_-]{43})$/;

/** The workspace a link token names, and the token itself; undefined when it is not one. */
export function parseLink(token: string): { workspaceId: string; token: string } | undefined {
  const m = LINK_PATTERN.exec(token);
  return m ? { workspaceId: m[1]!, token } : undefined;
}

export const formatLink = (workspaceId: string, secret: string): string => `gll_${workspaceId}_${secret}`;

/** When a link minted at `now` for an approval that expires at `approvalExpiresAt` (if ever) stops working. */
export const linkExpiresAt = (now: number, approvalExpiresAt: number | undefined): number => Math.min(now + LINK_TTL_MS, approvalExpiresAt ?? Number.POSITIVE_INFINITY);

/** A stored link: what it decides, on which approval and bytes, until when. */
export type Link = { id: string; approvalId: string; paramsHash: string; decision: LinkDecision; expiresAt: number };

/** The identity a link's decision records: a bearer URL, counting for itself. */
export const linkIdentity = (linkId: string): Identity & { principal: string } => ({ principal: `link:${linkId}`, identitySource: 'link', authStrength: 'key', person: `link:${linkId}` });

/**
 * Why `link` may not decide `step` now, or undefined. FORBIDDEN `link_expired` past its
 * time; CONFLICT `not_open` when its approval closed; CONFLICT `stale_params_hash` when
 * the step was revised since the link was sent; FORBIDDEN `one_click_not_allowed` when
 * neither the verdict the step was asked under nor the current policy allows links (a
 * rule that no longer says `oneClick` stops the links already sent).
 */
export function linkRefusal(link: Link, step: Step | undefined, policy: Policy, now: number): CoreError | undefined {
  if (now >= link.expiresAt) return fail('FORBIDDEN', 'this link has expired: open the approval on the Greenlight page', { reason: 'link_expired' }).error;
  if (!step || step.status !== 'awaiting_approval' || step.approval?.id !== link.approvalId) {
    return fail('CONFLICT', `approval ${link.approvalId} is no longer open`, { reason: 'not_open' }).error;
  }
  if (step.paramsHash !== link.paramsHash) {
    return fail('CONFLICT', `step ${step.key} changed since this link was sent: review the new version on the Greenlight page`, { reason: 'stale_params_hash' }).error;
  }
  if (step.policy.oneClick !== true || evaluatePolicy(policy, step).oneClick !== true) {
    return fail('FORBIDDEN', `step ${step.key} may not be decided by a link (its rule does not say oneClick): open it on the Greenlight page`, { reason: 'one_click_not_allowed' }).error;
  }
  return undefined;
}
