/** What each role may do (SPEC section 2). The object checks this on every call. */
import { withArticle } from './article.ts';
import type { Role } from './enums.ts';

export type Capability = 'read' | 'plan' | 'execute' | 'cancel_own' | 'cancel_any' | 'decide' | 'set_mode' | 'admin';

const CAPABILITIES: Record<Role, ReadonlySet<Capability>> = {
  viewer: new Set(['read']),
  agent: new Set(['read', 'plan', 'execute', 'cancel_own']),
  approver: new Set(['read', 'decide', 'set_mode', 'cancel_own', 'cancel_any']),
  admin: new Set(['read', 'plan', 'execute', 'cancel_own', 'cancel_any', 'decide', 'set_mode', 'admin']),
};

export const can = (role: Role, capability: Capability): boolean => CAPABILITIES[role].has(capability);

/**
 * The FORBIDDEN message for `role` lacking `capability`, naming which roles have it:
 * "an approver key may not do this: only admin keys may".
 */
export function forbiddenMessage(role: Role, capability: Capability): string {
  const allowed = (Object.keys(CAPABILITIES) as Role[]).filter((r) => CAPABILITIES[r].has(capability));
  return `${withArticle(role)} key may not do this: only ${allowed.join(' or ')} keys may`;
}
