/**
 * Approver groups and delegations (issue 15 item 6, docs/people.md). A group's members
 * are principals, each counting as the person it is linked to (people.ts); a caller is
 * in a group when a sign-in's claims say so (Caller.groups) or a stored group lists
 * them. A live delegation lends its delegator's stored memberships to the delegate
 * (core delegation.ts says what a delegate may do).
 */
import { checkDelegation, delegationLive, fail, ok, samePerson, type ApproverGroup, type Delegation, type Membership, type Result } from '@greenlight/core';
import type { Caller } from './caller.ts';
import { findPerson } from './people.ts';
import type { Tx } from './tx.ts';

type GroupRow = { name: string; members: string; updated_by: string; updated_at: number };
type DelegationRow = { id: string; from_person: string; to_person: string; until: number; created_by: string; created_at: number; revoked_at: number | null };

const toGroup = (r: GroupRow): ApproverGroup => ({ name: r.name, members: JSON.parse(r.members) as string[], updatedBy: r.updated_by, updatedAt: r.updated_at });
const toDelegation = (r: DelegationRow): Delegation => ({
  id: r.id,
  from: r.from_person,
  to: r.to_person,
  until: r.until,
  createdBy: r.created_by,
  createdAt: r.created_at,
  ...(r.revoked_at !== null ? { revokedAt: r.revoked_at } : {}),
});

/** Whether the stored group `name` lists `principal` or anyone of its person. */
function listedIn(sql: SqlStorage, name: string, principal: string, person: string): boolean {
  const row = sql.exec<GroupRow>(`SELECT * FROM approver_groups WHERE name = ?`, name).toArray()[0];
  if (!row) return false;
  return (JSON.parse(row.members) as string[]).some((m) => m === principal || m === person || findPerson(sql, m) === person);
}

/**
 * How `caller` stands toward group `name` at `now` (core nudges.ts Membership): a member
 * through a sign-in claim or a stored group; else the delegate of a member through a
 * live delegation (`onBehalfOf` the delegator); else undefined.
 */
export function memberOf(sql: SqlStorage, caller: Caller, name: string, now: number): Membership | undefined {
  if (caller.groups?.includes(name)) return {};
  if (listedIn(sql, name, caller.principal, caller.person)) return {};
  const rows = sql
    .exec<DelegationRow>(`SELECT * FROM delegations WHERE to_person IN (?, ?) AND until > ? AND revoked_at IS NULL ORDER BY created_at LIMIT 50`, caller.person, caller.principal, now)
    .toArray();
  const from = rows.find((r) => delegationLive(toDelegation(r), now) && listedIn(sql, name, r.from_person, findPerson(sql, r.from_person)));
  return from ? { onBehalfOf: from.from_person } : undefined;
}

/** Create or replace group `name` with `members` (`group.set`). */
export function setGroup(tx: Tx, name: string, members: string[]): ApproverGroup {
  const unique = [...new Set(members)];
  tx.q`INSERT INTO approver_groups (name, members, updated_by, updated_at) VALUES (${name}, ${JSON.stringify(unique)}, ${tx.actor}, ${tx.now})
       ON CONFLICT (name) DO UPDATE SET members = excluded.members, updated_by = excluded.updated_by, updated_at = excluded.updated_at`;
  tx.emit([{ type: 'group.set', data: { name, members: unique } }]);
  return { name, members: unique, updatedBy: tx.actor, updatedAt: tx.now };
}

export const listGroups = (tx: Tx): { items: ApproverGroup[] } => ({ items: tx.q<GroupRow>`SELECT * FROM approver_groups ORDER BY name LIMIT 500`.map(toGroup) });

/** Delete group `name` (`group.deleted`); NOT_FOUND when there is none. Rules naming it then have no members: nobody approves (fail closed). */
export function deleteGroup(tx: Tx, name: string): Result<{ name: string }> {
  if (tx.q`SELECT 1 FROM approver_groups WHERE name = ${name}`.length === 0) return fail('NOT_FOUND', `group ${name} not found`);
  tx.q`DELETE FROM approver_groups WHERE name = ${name}`;
  tx.emit([{ type: 'group.deleted', data: { name } }]);
  return ok({ name });
}

/**
 * A delegation from `from` (default: the caller's person) to `to` until `until`. A
 * non-admin may delegate only for themselves (FORBIDDEN otherwise); the rest is core's
 * checkDelegation (self, past, more than 90 days: BAD_REQUEST). Persons are stored.
 */
export function setDelegation(tx: Tx, input: { from?: string | undefined; to: string; until: number }, id: string): Result<Delegation> {
  const from = findPerson(tx.sql, input.from ?? tx.key.person);
  const to = findPerson(tx.sql, input.to);
  if (tx.key.role !== 'admin' && !samePerson({ principal: tx.key.principal, person: tx.key.person }, { principal: from }, (p) => findPerson(tx.sql, p))) {
    return fail('FORBIDDEN', `only an admin names a delegate for someone else (you are ${tx.key.person}, not ${from})`);
  }
  const checked = checkDelegation({ from, to, until: input.until }, tx.now, (a, b) => a === b);
  if (!checked.ok) return checked;
  tx.q`INSERT INTO delegations (id, from_person, to_person, until, created_by, created_at) VALUES (${id}, ${from}, ${to}, ${input.until}, ${tx.actor}, ${tx.now})`;
  tx.emit([{ type: 'delegation.set', data: { id, from, to, until: input.until } }]);
  return ok({ id, from, to, until: input.until, createdBy: tx.actor, createdAt: tx.now });
}

/** Delegations, live ones only unless `all` (at most 500, newest first). */
export function listDelegations(tx: Tx, all: boolean): { items: Delegation[] } {
  const rows = all
    ? tx.q<DelegationRow>`SELECT * FROM delegations ORDER BY created_at DESC LIMIT 500`
    : tx.q<DelegationRow>`SELECT * FROM delegations WHERE revoked_at IS NULL AND until > ${tx.now} ORDER BY created_at DESC LIMIT 500`;
  return { items: rows.map(toDelegation) };
}

/** Revoke a delegation: its delegator, its delegate or an admin; NOT_FOUND if unknown; revoking twice answers the same. */
export function revokeDelegation(tx: Tx, id: string): Result<Delegation> {
  const row = tx.q<DelegationRow>`SELECT * FROM delegations WHERE id = ${id}`[0];
  if (!row) return fail('NOT_FOUND', `delegation ${id} not found`);
  const mine = [row.from_person, row.to_person].includes(tx.key.person) || [row.from_person, row.to_person].includes(tx.key.principal);
  if (tx.key.role !== 'admin' && !mine) return fail('FORBIDDEN', `only ${row.from_person}, ${row.to_person} or an admin revokes delegation ${id}`);
  if (row.revoked_at === null) {
    tx.q`UPDATE delegations SET revoked_at = ${tx.now} WHERE id = ${id}`;
    tx.emit([{ type: 'delegation.revoked', data: { id, from: row.from_person, to: row.to_person } }]);
    return ok(toDelegation({ ...row, revoked_at: tx.now }));
  }
  return ok(toDelegation(row));
}
