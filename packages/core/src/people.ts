/**
 * People behind principals (issue 15, docs/people.md). A person is a root principal;
 * other principals (a second key, a sign-in, a Slack user) may be linked to it, and then
 * count as that person: N-of-M counts distinct persons, a person approves a revision
 * once, and the creator of a task may not approve it through any of their identities.
 *
 * Links always point at a root: `a → b` where b is itself linked to c is stored `a → c`,
 * and a principal others are linked to cannot itself be linked elsewhere (unlink them
 * first), so resolving a person is one lookup and a chain or a cycle cannot be stored.
 */
import { fail, ok, type Result } from './result.ts';

/** The person a principal counts for under the workspace's links: the root it is linked to, else itself. */
export type PersonOf = (principal: string) => string;

/** Without links every principal is its own person. */
export const ownPerson: PersonOf = (p) => p;

/** Something that names a principal and, maybe, the person it was recorded as (a vote, an actor, a viewer). */
export type Someone = { principal: string; person?: string | undefined };

/**
 * The person `s` counts for: its recorded person (or principal) resolved through the
 * current links, so a key linked after it voted still counts for its person.
 */
export const personKey = (s: Someone, resolve: PersonOf = ownPerson): string => resolve(s.person ?? s.principal);

/**
 * Whether two someones are one person: the same principal, or the same person through
 * the recorded person of either or the current links.
 */
export function samePerson(a: Someone, b: Someone, resolve: PersonOf = ownPerson): boolean {
  if (a.principal === b.principal) return true;
  const as = new Set([a.principal, personKey(a, resolve), resolve(a.principal)]);
  return [b.principal, personKey(b, resolve), resolve(b.principal)].some((x) => as.has(x));
}

/** What linking needs to know of the stored links (the shell answers from its table; tests from a map). */
export type LinkView = {
  /** The root `principal` is linked to, if it is linked. */
  linkOf(principal: string): string | undefined;
  /** Whether any principal is linked to `principal` (it is a root with members). */
  hasMembers(principal: string): boolean;
};

/** A link to store: `principal` counts for the root `person`; `unchanged` when it already does. */
export type LinkPlan = { principal: string; person: string; unchanged: boolean };

/**
 * Check a link of `principal` to `person` and say what to store. The target is resolved
 * to its root first (links point at roots). Errors, nothing stored:
 * - BAD_REQUEST `self_link`: the principal is (or resolves to) the person itself;
 * - CONFLICT `already_linked`: the principal is linked to another person (unlink first);
 * - CONFLICT `has_members`: other principals are linked to this one, so linking it would
 *   make a chain (link them to the new person instead, or unlink them first).
 * Linking again to the same person is `unchanged` (idempotent).
 */
export function planLink(view: LinkView, principal: string, person: string): Result<LinkPlan> {
  const root = view.linkOf(person) ?? person;
  if (root === principal) {
    const why = person === principal ? `${principal} cannot be linked to itself` : `${person} is already linked to ${principal}: linking back would make a cycle`;
    return fail('BAD_REQUEST', why, { reason: 'self_link' });
  }
  const current = view.linkOf(principal);
  if (current === root) return ok({ principal, person: root, unchanged: true });
  if (current !== undefined) return fail('CONFLICT', `${principal} is already linked to ${current}; unlink it first`, { reason: 'already_linked' });
  if (view.hasMembers(principal)) {
    return fail('CONFLICT', `other identities are linked to ${principal}; link them to ${root} or unlink them first (links point at one person, never along a chain)`, {
      reason: 'has_members',
    });
  }
  return ok({ principal, person: root, unchanged: false });
}
