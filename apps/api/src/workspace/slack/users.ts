/**
 * Slack users linked to people, and the single-use link tokens that create the links.
 * A Slack user acts as `slack:<team>:<user>` (identitySource slack, authStrength sso:
 * Slack's own sign-in, whose MFA we cannot see) and counts for the person it is linked
 * to in the people table (people.ts linkIdentity / findPerson). `slack_users` adds what
 * a Slack user may do: the role of the credential that redeemed the link, while that
 * credential lives. Revoking that key, or people.unlink, ends it; both are checked inside
 * each decision's transaction.
 */
import { fail, ok, sha256Hex, SLACK_LINK_TTL_MS, type Result, type Role } from '@greenlight/core';
import type { Caller } from '../caller.ts';
import { newSecret } from '../keys.ts';
import { findPerson, linkIdentity } from '../people.ts';
import type { Tx } from '../tx.ts';

type UserRow = { principal: string; person: string; role: string; linked_by: string; linked_at: number };

/** The Caller a linked Slack user is, or undefined when not linked (never linked, unlinked, or the linking key was revoked). */
export function slackCaller(sql: SqlStorage, principal: string): Caller | undefined {
  const row = sql.exec<UserRow>(`SELECT * FROM slack_users WHERE principal = ?`, principal).toArray()[0];
  if (!row) return undefined;
  const person = findPerson(sql, principal);
  // Unlinked in the people table (people.unlink): a Slack user never votes as itself.
  if (person === principal) return undefined;
  const linker = sql.exec<{ revoked_at: number | null }>(`SELECT revoked_at FROM keys WHERE id = ?`, row.linked_by).toArray()[0];
  if (linker && linker.revoked_at !== null) return undefined;
  return { id: `slack-user:${principal}`, principal, role: row.role as Role, createdAt: row.linked_at, identitySource: 'slack', authStrength: 'sso', person };
}

/** A fresh link token for a Slack user (shown once, in Slack), and its hash (all that is stored). */
export async function mintLinkToken(): Promise<{ token: string; hash: string }> {
  const token = newSecret();
  return { token, hash: await sha256Hex(token) };
}

/** Store a minted token for `principal`, good for ten minutes, once. Old expired tokens go. */
export function storeLinkToken(sql: SqlStorage, principal: string, hash: string, now: number): void {
  sql.exec(`DELETE FROM slack_link_tokens WHERE expires_at < ?`, now);
  sql.exec(`INSERT INTO slack_link_tokens (token_hash, principal, expires_at) VALUES (?, ?, ?)`, hash, principal, now + SLACK_LINK_TTL_MS);
}

/**
 * slack.link: redeem a token for the caller. The Slack user becomes linked to the caller's
 * person (linkIdentity, source `slack`: an `identity.linked` event), with the caller's
 * role, for as long as the caller's key lives. A token unknown, used or expired is
 * NOT_FOUND; a Slack user already linked to someone else is CONFLICT (people.unlink
 * first); either changes nothing.
 */
export function redeemLinkToken(tx: Tx, tokenHash: string): Result<{ principal: string; person: string }> {
  const row = tx.q<{ principal: string; expires_at: number; used_at: number | null }>`SELECT principal, expires_at, used_at FROM slack_link_tokens WHERE token_hash = ${tokenHash}`[0];
  if (!row || row.used_at !== null || row.expires_at <= tx.now) {
    return fail('NOT_FOUND', 'this Slack link is unknown, already used or expired: type /greenlight link in Slack for a new one', { reason: 'slack_link_invalid' });
  }
  if (tx.key.identitySource === 'slack') return fail('FORBIDDEN', 'a Slack user cannot link another Slack user');
  tx.q`UPDATE slack_link_tokens SET used_at = ${tx.now} WHERE token_hash = ${tokenHash}`;
  const linked = linkIdentity(tx, { principal: row.principal, person: tx.key.person, source: 'slack' });
  if (!linked.ok) return linked;
  const { person } = linked.value;
  tx.q`INSERT OR REPLACE INTO slack_users (principal, person, role, linked_by, linked_at) VALUES (${row.principal}, ${person}, ${tx.key.role}, ${tx.key.id}, ${tx.now})`;
  return ok({ principal: row.principal, person });
}
