/**
 * What a key's role can and cannot do, in words, from core's capability table (`can`):
 * a page signed in with an agent or viewer key says so up front instead of failing with
 * FORBIDDEN on the first click (issue 16 item 3).
 */
import { can, type Capability, type Role } from '@greenlight/core';

/** Each capability as the page says it; a Record, so a capability core adds must be worded here too. */
const WORDS: Record<Capability, string> = {
  read: 'read tasks, approvals and the audit log',
  plan: 'propose tasks',
  execute: 'run approved steps',
  cancel_own: 'cancel its own tasks',
  cancel_any: 'cancel any task',
  decide: 'decide approvals',
  set_mode: 'change a task’s mode',
  admin: 'manage keys, the policy and webhooks',
};
const ORDER = Object.keys(WORDS) as Capability[];

export type RoleAbilities = { can: string[]; cannot: string[] };

/** The capabilities of `role`, worded; `cancel_own` is left out where `cancel_any` covers it. */
export function roleAbilities(role: Role): RoleAbilities {
  const has = ORDER.filter((c) => can(role, c) && !(c === 'cancel_own' && can(role, 'cancel_any')));
  const lacks = ORDER.filter((c) => !can(role, c) && !(c === 'cancel_own' && can(role, 'cancel_any')));
  return { can: has.map((c) => WORDS[c]), cannot: lacks.map((c) => WORDS[c]) };
}

const list = (items: string[]): string => (items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`);
const article = (role: Role): string => (/^[aeiou]/.test(role) ? 'An' : 'A');

/** "An agent key can propose tasks, ... It cannot decide approvals, ..." */
export function roleSummary(role: Role): string {
  const { can: yes, cannot: no } = roleAbilities(role);
  return `${article(role)} ${role} key can ${list(yes)}.${no.length > 0 ? ` It cannot ${list(no)}.` : ''}`;
}

/** Whether the page should explain the key before anything else: it cannot decide, the page's main job. */
export const cannotReview = (role: Role): boolean => !can(role, 'decide');
