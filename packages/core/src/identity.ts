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

/**
 * Who decided, and how: a principal with the identity its act carried (absent on acts
 * recorded before identities were, and on the server's own acts). What decision events,
 * a step's decision, history entries and webhook payloads list.
 */
export const Decider = z.object({
  principal: z.string(),
  identitySource: IdentitySource.optional(),
  authStrength: AuthStrength.optional(),
  person: z.string().optional(),
  onBehalfOf: z.string().optional().meta({ description: 'the reviewer a delegate acted for (docs/people.md, delegation)' }),
});
export type Decider = z.infer<typeof Decider>;

/** A vote's decider: its principal and whichever identity fields it recorded. */
export const deciderOf = (v: Decider): Decider => ({
  principal: v.principal,
  ...(v.identitySource !== undefined ? { identitySource: v.identitySource } : {}),
  ...(v.authStrength !== undefined ? { authStrength: v.authStrength } : {}),
  ...(v.person !== undefined ? { person: v.person } : {}),
  ...(v.onBehalfOf !== undefined ? { onBehalfOf: v.onBehalfOf } : {}),
});

const STRENGTH_WORDS: Record<AuthStrength, string> = { key: 'key', sso: 'SSO', mfa: 'SSO+MFA', passkey: 'passkey' };
const SOURCE_WORDS: Record<IdentitySource, string> = { key: 'an API key', oidc: 'sign-in', slack: 'Slack', link: 'a one-click link' };

/**
 * How a decider is shown on the page, in the CLI and in webhook texts:
 * `alice · SSO+MFA via Slack`, `alice · key` (a key is both the channel and the proof),
 * `alice (slack:T1:U1) · SSO via Slack` when the principal is not the person's own name,
 * `… for bob` when a delegate acted. Without recorded identity: the principal alone.
 */
export function identityText(d: Decider): string {
  const person = d.person ?? d.principal;
  const name = person === d.principal ? person : `${person} (${d.principal})`;
  const forWhom = d.onBehalfOf !== undefined ? ` for ${d.onBehalfOf}` : '';
  const how = identityHow(d);
  return how === undefined ? `${name}${forWhom}` : `${name}${forWhom} · ${how}`;
}

/** How a decider proved who they are, in words (`SSO+MFA via Slack`, `key`); undefined when not recorded. */
export function identityHow(d: Pick<Decider, 'identitySource' | 'authStrength'>): string | undefined {
  if (d.identitySource === undefined || d.authStrength === undefined) return undefined;
  return d.identitySource === 'key' && d.authStrength === 'key' ? 'key' : `${STRENGTH_WORDS[d.authStrength]} via ${SOURCE_WORDS[d.identitySource]}`;
}

/**
 * The deciders of a decision as one line: each decider's identityText when recorded,
 * else the principals of `by` (decisions from before identities were recorded).
 */
export const decidersText = (d: { by: readonly string[]; deciders?: readonly Decider[] | undefined }): string =>
  d.deciders && d.deciders.length > 0 ? d.deciders.map(identityText).join(', ') : d.by.join(', ');

/**
 * The deciders a person's decision event records (issue 15): its `deciders` list (an
 * approval by N), else its acting reviewer's flat identity fields with its single `by`.
 * Undefined for events written before identities were recorded, and for rules' acts.
 */
export function decidersFromEvent(data: Record<string, unknown>, by: readonly string[]): Decider[] | undefined {
  const listed = Decider.array().safeParse(data.deciders);
  if (listed.success && listed.data.length > 0) return listed.data.map(deciderOf);
  if (data.identitySource === undefined || by.length !== 1) return undefined;
  const one = Decider.safeParse({ ...data, principal: by[0] });
  return one.success ? [deciderOf(one.data)] : undefined;
}

/** A vote with the identity fields an event's data recorded (approval.voted, a decision event), for records rebuilt from the log. */
export function identityFields(data: Record<string, unknown>): Partial<Pick<Decider, 'identitySource' | 'authStrength' | 'person' | 'onBehalfOf'>> {
  const d = Decider.omit({ principal: true }).safeParse(data);
  if (!d.success) return {};
  const { principal: _principal, ...fields } = deciderOf({ principal: '', ...d.data });
  return fields;
}
