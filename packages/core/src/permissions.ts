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

/** What each capability lets a key do, as a verb phrase ("it can …") and as a subject ("… needs …"). */
const WORDS: Record<Capability, { can: string; doing: string }> = {
  read: { can: 'read tasks, approvals and events', doing: 'Reading tasks' },
  plan: { can: 'plan and revise tasks', doing: 'Planning tasks' },
  execute: { can: 'claim and report steps', doing: 'Claiming and reporting steps' },
  cancel_own: { can: 'cancel its own tasks', doing: 'Cancelling a task' },
  cancel_any: { can: 'cancel any task', doing: "Cancelling another principal's task" },
  decide: { can: 'decide approvals', doing: 'Deciding approvals' },
  set_mode: { can: "raise a task's mode", doing: "Raising a task's mode" },
  admin: { can: 'manage keys, the policy and webhooks', doing: 'Managing keys, the policy and webhooks' },
};

const list = (items: string[]): string => (items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)!}`);

/**
 * The FORBIDDEN message for `role` lacking `capability` (issue 16, item 3): what this key
 * can do, and which keys can do what it asked, as sentences a person reads on the page
 * or in the terminal: "This is an agent key: it can read tasks, approvals and events,
 * plan and revise tasks, claim and report steps and cancel its own tasks. Deciding
 * approvals needs an approver or admin key."
 */
export function forbiddenMessage(role: Role, capability: Capability): string {
  const allowed = (Object.keys(CAPABILITIES) as Role[]).filter((r) => CAPABILITIES[r].has(capability));
  const mine = [...CAPABILITIES[role]].map((c) => WORDS[c].can);
  return `This is ${withArticle(role)} key: it can ${list(mine)}. ${WORDS[capability].doing} needs ${withArticle(allowed.join(' or '))} key.`;
}
