/**
 * Who a call is for, once the object has verified its credential: a workspace key
 * (keys.ts), or a credential another channel verified by its own means (a sign-in
 * session, a linked Slack user, a one-click link, a passkey assertion). Every caller has
 * a role and an identity (core identity.ts); the pipeline treats them alike from there.
 */
import { keyIdentity, type Identity, type Key } from '@greenlight/core';

/**
 * `id` names the credential (a key id, a session id, a link id); `principal` is whom
 * events and votes name; the identity says how they came in and whom they count for.
 */
export type Caller = Key &
  Identity & {
    /** A key's stored secret hash, for the key.use command; other credentials have none. */ secretHash?: string;
    /** Approver groups a sign-in's claims put the caller in (oidc fills it); stored groups are looked up besides (groups.ts). */
    groups?: string[];
  };

/** A key as a caller: a bearer secret, counting for `person` (its principal unless linked). */
export const keyCaller = (key: Key, person = key.principal): Caller => ({ ...key, ...keyIdentity(key.principal, person) });

/** The identity part of a caller, as core's Ctx takes it. */
export const identityOf = (c: Caller): Identity => ({ identitySource: c.identitySource, authStrength: c.authStrength, person: c.person });
