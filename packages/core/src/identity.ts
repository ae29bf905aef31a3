/**
 * Who stands behind an act, and how strongly they proved it (SPEC section 11, "People").
 * A key, a sign-in session (OIDC), a linked Slack user or a one-click link each give a
 * `principal` (the name the credential carries: a key's label, `oidc:<issuer>#<subject>`,
 * `slack:<team>:<user>`, `link:<id>`), the `identitySource` it came through, the
 * `authStrength` it proved, and the `person` it is linked to. N-of-M and preventSelfApproval
 * count persons, so two keys or two channels of one person are one approval.
 */
import { z } from 'zod';

/** The channel a caller came through. */
export const IdentitySource = z.enum(['key', 'oidc', 'slack', 'link']);
export type IdentitySource = z.infer<typeof IdentitySource>;

/**
 * How strongly a caller proved who they are, weakest first: a bearer secret (a key or a
 * link), a single sign-on session, a session whose provider asserted a second factor
 * (`amr` holding `mfa`, `otp`, `hwk`…), or a WebAuthn assertion made for this decision.
 */
export const AuthStrength = z.enum(['key', 'sso', 'mfa', 'passkey']);
export type AuthStrength = z.infer<typeof AuthStrength>;

const RANK: Record<AuthStrength, number> = { key: 0, sso: 1, mfa: 2, passkey: 3 };

/** Whether `have` meets a rule's `need` (`minAuth`): passkey ≥ mfa ≥ sso ≥ key. */
export const strengthAtLeast = (have: AuthStrength, need: AuthStrength): boolean => RANK[have] >= RANK[need];

/** The stronger of two strengths. */
export const strongerOf = (a: AuthStrength, b: AuthStrength): AuthStrength => (RANK[a] >= RANK[b] ? a : b);

/** The identity behind a call, beside its principal. `person` is the principal it is linked to, itself when unlinked. */
export const Identity = z.object({
  identitySource: IdentitySource,
  authStrength: AuthStrength,
  person: z.string().min(1).max(300),
});
export type Identity = z.infer<typeof Identity>;

/** A key's identity: a bearer secret, standing for its own principal unless linked to a person. */
export const keyIdentity = (principal: string, person = principal): Identity => ({ identitySource: 'key', authStrength: 'key', person });

/** The person behind a vote or an actor: its `person` when recorded, else its principal (votes from before identities were recorded). */
export const personOf = (v: { principal: string; person?: string | undefined }): string => v.person ?? v.principal;
