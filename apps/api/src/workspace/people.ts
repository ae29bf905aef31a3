/**
 * People (issue 15, docs/people.md): which person a principal counts for. A principal
 * (a second key, a sign-in, a Slack user) linked to a root person counts as that person
 * for N-of-M, "already voted" and preventSelfApproval. The rules (links point at roots,
 * no self-link, no chain) are core's planLink; this stores them and answers lookups.
 */
import { fail, ok, planLink, type IdentityLink, type LinkView, type Result } from '@greenlight/core';
import type { Tx } from './tx.ts';

type LinkRow = { principal: string; person: string; source: string; created_by: string; created_at: number };

const toLink = (r: LinkRow): IdentityLink => ({ principal: r.principal, person: r.person, source: r.source, createdBy: r.created_by, createdAt: r.created_at });

/** The person `principal` counts for: the root it is linked to, else itself. One indexed lookup. */
export function findPerson(sql: SqlStorage, principal: string): string {
  const row = sql.exec<{ person: string }>(`SELECT person FROM identity_links WHERE principal = ?`, principal).toArray()[0];
  return row?.person ?? principal;
}

/** The stored links as core's planLink reads them. */
export const linkView = (sql: SqlStorage): LinkView => ({
  linkOf: (p) => sql.exec<{ person: string }>(`SELECT person FROM identity_links WHERE principal = ?`, p).toArray()[0]?.person,
  hasMembers: (p) => sql.exec(`SELECT 1 FROM identity_links WHERE person = ? LIMIT 1`, p).toArray().length > 0,
});

/**
 * Link `principal` to `person` (resolved to its root) in this transaction, emitting
 * `identity.linked`; `source` says how (admin, slack, oidc…). Errors, nothing stored:
 * BAD_REQUEST self_link, CONFLICT already_linked / has_members (core planLink). Linking
 * again to the same person is a no-op without an event. Answers the stored link.
 */
export function linkIdentity(tx: Tx, input: { principal: string; person: string; source: string }): Result<IdentityLink> {
  const plan = planLink(linkView(tx.sql), input.principal, input.person);
  if (!plan.ok) return plan;
  const { principal, person, unchanged } = plan.value;
  if (!unchanged) {
    tx.q`INSERT INTO identity_links (principal, person, source, created_by, created_at) VALUES (${principal}, ${person}, ${input.source}, ${tx.actor}, ${tx.now})`;
    tx.emit([{ type: 'identity.linked', data: { principal, person, source: input.source } }]);
  }
  const row = tx.q<LinkRow>`SELECT * FROM identity_links WHERE principal = ${principal}`[0]!;
  return ok(toLink(row));
}

/** Unlink `principal`: it counts for itself again (`identity.unlinked`). NOT_FOUND when it is not linked. */
export function unlinkIdentity(tx: Tx, principal: string): Result<IdentityLink> {
  const row = tx.q<LinkRow>`SELECT * FROM identity_links WHERE principal = ${principal}`[0];
  if (!row) return fail('NOT_FOUND', `${principal} is not linked to anyone`);
  tx.q`DELETE FROM identity_links WHERE principal = ${principal}`;
  tx.emit([{ type: 'identity.unlinked', data: { principal, person: row.person } }]);
  return ok(toLink(row));
}

/** At most this many links per list: a workspace's people, not its log. */
export const LINKS_LIST_MAX = 1000;

/** Every link, or one person's, oldest first (at most LINKS_LIST_MAX). */
export function listLinks(tx: Tx, person?: string): { items: IdentityLink[] } {
  const rows =
    person === undefined
      ? tx.q<LinkRow>`SELECT * FROM identity_links ORDER BY created_at, principal LIMIT ${LINKS_LIST_MAX}`
      : tx.q<LinkRow>`SELECT * FROM identity_links WHERE person = ${person} ORDER BY created_at, principal LIMIT ${LINKS_LIST_MAX}`;
  return { items: rows.map(toLink) };
}
