/**
 * Sign-in per workspace through OpenID Connect (issue 15 item 1): the admin's settings,
 * and the rules that turn a verified ID token's claims into a caller (principal, role,
 * strength, groups). Pure: the Worker runs the protocol (authorization code + PKCE,
 * JWKS verification) and hands the verified claims here; everything decided about
 * them is decided here.
 *
 * Sources: OpenID Connect Core 1.0 section 2 (`iss`, `sub`: "locally unique and never
 * reassigned within the Issuer", hence the principal) and section 5.1 (`email`,
 * `email_verified`); RFC 8176 for `amr` values.
 */
import { z } from 'zod';
import { Role } from './enums.ts';
import type { AuthStrength } from './identity.ts';
import { fail, ok, type Result } from './result.ts';

const claimName = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[\x21-\x7e]+$/, 'a claim name is printable ASCII without spaces');
const domain = z
  .string()
  .min(1)
  .max(253)
  .regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/, 'a lowercase domain name such as example.com');

/** The issuer identifier: an https URL without query or fragment (http only for a loopback host, checked by the Worker). */
export const OidcIssuer = z
  .url({ protocol: /^https?$/ })
  .max(500)
  .refine((u) => !u.includes('?') && !u.includes('#'), 'an issuer has no query or fragment');

/**
 * What an admin sets with `oidc.set`. `roleMap` maps a value of the `roleClaim` claim to a
 * Greenlight role; the key `*` is the role of anyone whose claim maps to nothing (absent:
 * they are refused). `groupsClaim` names a claim whose strings become the caller's
 * approver groups. `name` is what the page's button says ("Sign in with <name>").
 */
export const OidcSettings = z.strictObject({
  issuer: OidcIssuer,
  clientId: z.string().min(1).max(300),
  clientSecret: z.string().min(1).max(1000),
  name: z.string().min(1).max(60).optional(),
  allowedDomains: z.array(domain).min(1).max(50).optional(),
  roleClaim: claimName,
  roleMap: z.record(z.string().min(1).max(200), Role).refine((m) => Object.keys(m).length >= 1 && Object.keys(m).length <= 100, 'roleMap maps 1 to 100 claim values'),
  groupsClaim: claimName.optional(),
  /** Scopes asked for beyond `openid email profile` (e.g. `groups`, when the provider puts that claim behind a scope). */
  scopes: z
    .array(z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]{1,100}$/, 'a scope token (RFC 6749 section 3.3)'))
    .max(20)
    .optional(),
});
export type OidcSettings = z.infer<typeof OidcSettings>;

/** `oidc.set`'s input: the settings and the usual idempotency key. */
export const SetOidcInput = OidcSettings.extend({ idempotencyKey: z.string().min(1).max(200).optional() });
export type SetOidcInput = z.infer<typeof SetOidcInput>;

/** The settings as `oidc.get` shows them: never the client secret. `redirectPath` is what to register at the provider, under the server's origin. */
export const OidcView = OidcSettings.omit({ clientSecret: true }).extend({
  hasClientSecret: z.literal(true),
  redirectPath: z.string(),
  updatedAt: z.number().int(),
});
export type OidcView = z.infer<typeof OidcView>;

/** What the page's sign-in button needs before anyone is signed in: only whether sign-in is on, and its name. */
export const OidcProviderInfo = z.object({ enabled: z.boolean(), name: z.string().optional() });
export type OidcProviderInfo = z.infer<typeof OidcProviderInfo>;

/** Who a sign-in session stands for (GET /auth/session): `csrf` goes in the X-Greenlight-CSRF header of every state-changing call. */
export const SignInView = z.object({
  workspaceId: z.string(),
  principal: z.string(),
  email: z.string(),
  role: Role,
  authStrength: z.enum(['sso', 'mfa']),
  groups: z.array(z.string()),
  expiresAt: z.number().int(),
  csrf: z.string(),
});
export type SignInView = z.infer<typeof SignInView>;

/** The callback's redirect path, relative to the server's origin (registered at the provider). */
export const OIDC_CALLBACK_PATH = '/auth/callback';
/** A sign-in session lasts at most this long from sign-in (ms): then the reviewer signs in again. */
export const SIGNIN_TTL_MS = 8 * 60 * 60 * 1000;
/** A session unused this long ends (ms). */
export const SIGNIN_IDLE_MS = 60 * 60 * 1000;
/** A session's secret is replaced when older than this (ms), on its next GET /auth/session. */
export const SIGNIN_ROTATE_MS = 15 * 60 * 1000;
/** After a rotation the previous secret still works this long (ms), for requests already in flight. */
export const SIGNIN_ROTATE_GRACE_MS = 30 * 1000;
/** An authorization request must come back within this long (ms). */
export const SIGNIN_PENDING_TTL_MS = 10 * 60 * 1000;
/** The most sign-ins a workspace keeps waiting for their callback: more are refused until some come back or expire (a flood of /auth/login cannot grow the table). */
export const SIGNIN_PENDING_MAX = 1000;
/** The most approver groups one sign-in carries, and each group's length. */
export const SIGNIN_GROUPS_MAX = 50;
const GROUP_MAX_CHARS = 100;
const PRINCIPAL_MAX_CHARS = 300;

/**
 * `amr` values (RFC 8176 section 2) that show more than a password: `mfa`/`mca` say so
 * outright; the rest are a factor beyond something known (a one-time code, a hardware or
 * software key, a phone, a smart card, a biometric). A provider sends them beside `pwd`.
 */
export const SECOND_FACTOR_AMR: ReadonlySet<string> = new Set(['mfa', 'mca', 'otp', 'hwk', 'swk', 'sms', 'tel', 'sc', 'fpt', 'face', 'iris', 'retina', 'vbm']);

/** The principal of an OIDC subject: `oidc:<issuer>#<subject>`, never the email (emails change and are reassigned). */
export const oidcPrincipal = (issuer: string, subject: string): string => `oidc:${issuer}#${subject}`;

/** `sso`, or `mfa` when the ID token's `amr` holds a second factor (SECOND_FACTOR_AMR). */
export function strengthFromAmr(amr: unknown): Extract<AuthStrength, 'sso' | 'mfa'> {
  return Array.isArray(amr) && amr.some((v) => typeof v === 'string' && SECOND_FACTOR_AMR.has(v)) ? 'mfa' : 'sso';
}

/** A claim's strings: a string is one, an array keeps its strings, anything else none. */
const strings = (v: unknown): string[] => (typeof v === 'string' ? [v] : Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

/** Roles from least to most authority: when several claim values map, the most is kept. */
const ROLE_RANK: Record<Role, number> = { viewer: 0, agent: 1, approver: 2, admin: 3 };

/** The role a claim's values map to: the highest mapped, else the `*` entry, else none. */
export function roleFromClaim(value: unknown, roleMap: Record<string, Role>): Role | undefined {
  const mapped = strings(value)
    .map((v) => (Object.hasOwn(roleMap, v) && v !== '*' ? roleMap[v] : undefined))
    .filter((r): r is Role => r !== undefined);
  if (mapped.length > 0) return mapped.reduce((a, b) => (ROLE_RANK[b] > ROLE_RANK[a] ? b : a));
  return Object.hasOwn(roleMap, '*') ? roleMap['*'] : undefined;
}

/** The email's domain, lowercased; undefined when it is not `local@domain`. */
const emailDomain = (email: string): string | undefined => {
  const at = email.lastIndexOf('@');
  return at > 0 && at < email.length - 1 ? email.slice(at + 1).toLowerCase() : undefined;
};

/** What a verified ID token signs in as. */
export type OidcSignIn = { principal: string; email: string; role: Role; authStrength: 'sso' | 'mfa'; groups: string[] };

/**
 * The caller a verified ID token's claims stand for, or why they may not sign in
 * (FORBIDDEN, with a reason): the token must name a subject and a verified email
 * (`email_verified: true`, the boolean, not the string); the email's domain must be one
 * of `allowedDomains` when set (exactly, not a subdomain); the role claim must map to a
 * role. `issuer` is the configured issuer (the token's `iss` was already checked equal).
 */
export function signInFromClaims(settings: Pick<OidcSettings, 'issuer' | 'allowedDomains' | 'roleClaim' | 'roleMap' | 'groupsClaim'>, claims: Record<string, unknown>): Result<OidcSignIn> {
  const sub = claims['sub'];
  if (typeof sub !== 'string' || sub.length === 0) return fail('FORBIDDEN', 'the ID token names no subject (sub)', { reason: 'no_subject' });
  const principal = oidcPrincipal(settings.issuer, sub);
  if (principal.length > PRINCIPAL_MAX_CHARS) return fail('FORBIDDEN', `the subject is too long: a principal is at most ${PRINCIPAL_MAX_CHARS} characters`, { reason: 'no_subject' });
  const email = claims['email'];
  if (typeof email !== 'string' || email.length === 0) return fail('FORBIDDEN', 'the provider sent no email: ask for the "email" scope', { reason: 'email_unverified' });
  if (claims['email_verified'] !== true) return fail('FORBIDDEN', `the provider has not verified ${email}: verify it there, then sign in again`, { reason: 'email_unverified' });
  const d = emailDomain(email);
  if (settings.allowedDomains && (d === undefined || !settings.allowedDomains.includes(d))) {
    return fail('FORBIDDEN', `${email} is not in an allowed domain of this workspace (${settings.allowedDomains.join(', ')})`, { reason: 'domain_not_allowed' });
  }
  const role = roleFromClaim(claims[settings.roleClaim], settings.roleMap);
  if (!role) return fail('FORBIDDEN', `your "${settings.roleClaim}" claim maps to no Greenlight role in this workspace: ask its admin to add it to the role map`, { reason: 'no_role' });
  const groups = settings.groupsClaim ? [...new Set(strings(claims[settings.groupsClaim]).filter((g) => g.length > 0 && g.length <= GROUP_MAX_CHARS))].slice(0, SIGNIN_GROUPS_MAX) : [];
  return ok({ principal, email, role, authStrength: strengthFromAmr(claims['amr']), groups });
}
