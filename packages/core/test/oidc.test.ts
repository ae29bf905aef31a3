import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OidcSettings, Role, oidcPrincipal, roleFromClaim, signInFromClaims, strengthFromAmr, SECOND_FACTOR_AMR } from '../src/index.ts';

const settings = {
  issuer: 'https://idp.example.com',
  roleClaim: 'roles',
  roleMap: { reviewers: 'approver', ops: 'admin', readers: 'viewer' } as Record<string, Role>,
  groupsClaim: 'groups',
};
const claims = (extra: Record<string, unknown> = {}) => ({ sub: 'u-1', email: 'ana@example.com', email_verified: true, roles: ['reviewers'], ...extra });

describe('OIDC claims → caller', () => {
  it('a verified token signs in as oidc:<issuer>#<sub>, never the email, with its mapped role, sso, and its groups', () => {
    const r = signInFromClaims(settings, claims({ groups: ['security', 'security', 'db'] }));
    expect(r).toEqual({ ok: true, value: { principal: 'oidc:https://idp.example.com#u-1', email: 'ana@example.com', role: 'approver', authStrength: 'sso', groups: ['security', 'db'] } });
  });

  it('the same subject is the same principal whatever its email says, and two subjects with one email are two principals', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 50 }), fc.emailAddress(), fc.emailAddress(), (sub, e1, e2) => {
        const a = signInFromClaims({ ...settings, roleMap: { '*': 'viewer' } }, { sub, email: e1, email_verified: true });
        const b = signInFromClaims({ ...settings, roleMap: { '*': 'viewer' } }, { sub, email: e2, email_verified: true });
        const c = signInFromClaims({ ...settings, roleMap: { '*': 'viewer' } }, { sub: `${sub}x`, email: e1, email_verified: true });
        expect(a.ok && b.ok && c.ok).toBe(true);
        if (a.ok && b.ok && c.ok) {
          expect(a.value.principal).toBe(oidcPrincipal(settings.issuer, sub));
          expect(b.value.principal).toBe(a.value.principal);
          expect(c.value.principal).not.toBe(a.value.principal);
        }
      }),
    );
  });

  it('an unverified email is refused: false, missing, or the string "true"', () => {
    for (const v of [false, undefined, 'true', 1]) {
      const r = signInFromClaims(settings, claims({ email_verified: v }));
      expect(r.ok ? undefined : r.error).toMatchObject({ code: 'FORBIDDEN', reason: 'email_unverified', message: expect.stringContaining('not verified') });
    }
    const none = signInFromClaims(settings, { sub: 'u', email_verified: true, roles: 'reviewers' });
    expect(none.ok ? undefined : none.error.reason).toBe('email_unverified');
  });

  it('allowedDomains takes exactly the listed domains, case-insensitively, not subdomains or look-alikes', () => {
    const s = { ...settings, allowedDomains: ['example.com'] };
    expect(signInFromClaims(s, claims({ email: 'Ana@EXAMPLE.com' })).ok).toBe(true);
    for (const email of ['ana@evil.com', 'ana@sub.example.com', 'ana@example.com.evil.com', 'example.com@evil.com', 'ana@']) {
      const r = signInFromClaims(s, claims({ email }));
      expect(r.ok ? undefined : r.error, email).toMatchObject({ code: 'FORBIDDEN', reason: 'domain_not_allowed' });
    }
  });

  it('the role claim maps to the highest mapped role; unmapped falls to "*" or is refused', () => {
    expect(roleFromClaim(['readers', 'ops', 'reviewers'], settings.roleMap)).toBe('admin');
    expect(roleFromClaim('reviewers', settings.roleMap)).toBe('approver');
    expect(roleFromClaim(['nobody'], settings.roleMap)).toBeUndefined();
    expect(roleFromClaim(undefined, { ...settings.roleMap, '*': 'viewer' })).toBe('viewer');
    // A claim value literally "*" or an inherited name maps nothing by itself.
    expect(roleFromClaim(['*', 'constructor', '__proto__'], settings.roleMap)).toBeUndefined();
    const r = signInFromClaims(settings, claims({ roles: ['nobody'] }));
    expect(r.ok ? undefined : r.error).toMatchObject({ code: 'FORBIDDEN', reason: 'no_role', message: expect.stringContaining('"roles" claim maps to no Greenlight role') });
  });

  it('amr with a second factor (RFC 8176) is mfa; a password alone, or no amr, is sso', () => {
    expect(strengthFromAmr(['pwd', 'otp'])).toBe('mfa');
    expect(strengthFromAmr(['hwk'])).toBe('mfa');
    expect(strengthFromAmr(['mfa'])).toBe('mfa');
    expect(strengthFromAmr(['pwd'])).toBe('sso');
    expect(strengthFromAmr('mfa')).toBe('sso');
    expect(strengthFromAmr(undefined)).toBe('sso');
    fc.assert(
      fc.property(fc.array(fc.string()), (amr) => {
        expect(strengthFromAmr(amr)).toBe(amr.some((v) => SECOND_FACTOR_AMR.has(v)) ? 'mfa' : 'sso');
      }),
    );
  });

  it('a token without a subject is refused', () => {
    const r = signInFromClaims(settings, claims({ sub: '' }));
    expect(r.ok ? undefined : r.error.reason).toBe('no_subject');
  });

  it('settings: an issuer with a query, an empty role map or a bad domain are refused', () => {
    const base = { issuer: 'https://idp.example.com', clientId: 'c', clientSecret: 's', roleClaim: 'roles', roleMap: { a: 'approver' } };
    expect(OidcSettings.safeParse(base).success).toBe(true);
    expect(OidcSettings.safeParse({ ...base, issuer: 'https://idp.example.com/?x=1' }).success).toBe(false);
    expect(OidcSettings.safeParse({ ...base, issuer: 'ftp://idp.example.com' }).success).toBe(false);
    expect(OidcSettings.safeParse({ ...base, roleMap: {} }).success).toBe(false);
    expect(OidcSettings.safeParse({ ...base, roleMap: { a: 'owner' } }).success).toBe(false);
    expect(OidcSettings.safeParse({ ...base, allowedDomains: ['Example.com'] }).success).toBe(false);
  });
});
