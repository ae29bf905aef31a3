/**
 * Sign-in per workspace through OIDC, on the object's side (docs/sign-in.md): the
 * provider's settings (`oidc.set|get`, admin; the client secret sealed at rest under the
 * data key, never shown again), and the three steps the Worker's /auth routes forward:
 * begin (an authorization URL; state, nonce and PKCE verifier kept here, single-use),
 * finish (the callback: verify, map the claims in core, start a session), and the
 * session's own view, rotation and sign-out. Provider requests are made outside any
 * transaction (oidc-flow.ts); reads and writes are each one synchronous transaction.
 */
import {
  fail,
  OIDC_CALLBACK_PATH,
  OidcSettings,
  ok,
  sha256Hex,
  signInFromClaims,
  SIGNIN_PENDING_MAX,
  SIGNIN_PENDING_TTL_MS,
  SIGNIN_ROTATE_MS,
  type OidcProviderInfo,
  type OidcView,
  type Result,
  type SetOidcInput,
  type SignInView,
} from '@greenlight/core';
import { newSecret } from './keys.ts';
import { beginSignIn, finishSignIn, isLoopback, type Pending } from './oidc-flow.ts';
import type { Pipeline } from './pipeline.ts';
import { openAtRest, sealAtRest } from './seal.ts';
import { endSignIn, findSignIn, rotateSignIn, startSignIn } from './signins.ts';
import type { Tx } from './tx.ts';

/** Binds the sealed client secret to its workspace, so it cannot be moved to another row or object. */
export const oidcSecretAad = (workspaceId: string): string => `oidc-client-secret:${workspaceId}`;

type Stored = { settings: Omit<OidcSettings, 'clientSecret'>; sealedSecret: string; updatedAt: number };

/** The workspace's provider settings as stored (secret sealed), or undefined when sign-in is off. */
export function readOidc(sql: SqlStorage): Stored | undefined {
  const row = sql.exec<{ settings: string; sealed_secret: string; updated_at: number }>(`SELECT settings, sealed_secret, updated_at FROM oidc_settings WHERE id = 1`).toArray()[0];
  if (!row) return undefined;
  const parsed = OidcSettings.omit({ clientSecret: true }).safeParse(JSON.parse(row.settings));
  return parsed.success ? { settings: parsed.data, sealedSecret: row.sealed_secret, updatedAt: row.updated_at } : undefined;
}

const view = (s: Stored): OidcView => ({ ...s.settings, hasClientSecret: true, redirectPath: OIDC_CALLBACK_PATH, updatedAt: s.updatedAt });

/** What `oidc.set` prepares before its transaction: the sealed secret, and whether a plain-http issuer is allowed here. */
export type PreparedOidc = { sealedSecret: string; httpAllowed: boolean };

export async function prepareOidc(input: SetOidcInput, workspaceId: string, env: Env): Promise<PreparedOidc> {
  return { sealedSecret: await sealAtRest(env, input.clientSecret, oidcSecretAad(workspaceId)), httpAllowed: String(env.WEBHOOK_ALLOW_PRIVATE) === 'true' };
}

/**
 * `oidc.set`: replace the provider settings. An `http:` issuer is refused unless it is
 * this machine in local development (WEBHOOK_ALLOW_PRIVATE). Existing sessions keep
 * their role until they end (at most SIGNIN_TTL_MS); sign-out ends one sooner.
 */
export function setOidc(tx: Tx, input: SetOidcInput, prepared: PreparedOidc): Result<OidcView> {
  if (input.issuer.startsWith('http:') && !(prepared.httpAllowed && isLoopback(input.issuer))) {
    return fail('BAD_REQUEST', 'issuer: must be an https URL (plain http only for a loopback issuer in local development)', { issues: [{ path: ['issuer'], message: 'must be https' }] });
  }
  const { clientSecret: _secret, idempotencyKey: _idem, ...settings } = input;
  tx.sql.exec(
    `INSERT INTO oidc_settings (id, settings, sealed_secret, updated_at) VALUES (1, ?, ?, ?)
     ON CONFLICT (id) DO UPDATE SET settings = excluded.settings, sealed_secret = excluded.sealed_secret, updated_at = excluded.updated_at`,
    JSON.stringify(settings),
    prepared.sealedSecret,
    tx.now,
  );
  // Who may sign in, and as what, is the workspace's security: the audit records every change (never the secret).
  tx.emit([
    {
      type: 'oidc.configured',
      data: {
        issuer: settings.issuer,
        clientId: settings.clientId,
        roleClaim: settings.roleClaim,
        roleMap: settings.roleMap,
        ...(settings.allowedDomains ? { allowedDomains: settings.allowedDomains } : {}),
        ...(settings.groupsClaim ? { groupsClaim: settings.groupsClaim } : {}),
      },
    },
  ]);
  return ok(view({ settings, sealedSecret: prepared.sealedSecret, updatedAt: tx.now }));
}

/** `oidc.get`: the settings without the secret; NOT_FOUND when sign-in is not set up. */
export function getOidc(tx: Tx): Result<OidcView> {
  const s = readOidc(tx.sql);
  return s ? ok(view(s)) : fail('NOT_FOUND', 'sign-in is not set up for this workspace: an admin sets it with oidc.set');
}

/** The credential a session's cookie carries: `gls_<workspace>_<secret>`. */
export const SESSION_PATTERN = /^gls_([a-z0-9-]{3,40})_([A-Za-z0-9_-]{20,200})$/;
export const formatSession = (workspaceId: string, secret: string): string => `gls_${workspaceId}_${secret}`;

/** A session's CSRF token: derived from its secret (one-way), so it rotates with it and the object stores nothing more. */
export const csrfTokenOf = (secret: string): Promise<string> => sha256Hex(`greenlight/csrf/v1:${secret}`);

/** The flows of one object, over its pipeline (transactions, clock, data key). */
export class SignInFlows {
  private readonly p: Pipeline;
  constructor(p: Pipeline) {
    this.p = p;
  }

  private live(workspaceId: string): boolean {
    return this.p.currentMeta()?.id === workspaceId;
  }

  private insecure(issuer: string): boolean {
    return issuer.startsWith('http:') && this.p.allowPrivateTargets() && isLoopback(issuer);
  }

  /** Whether sign-in is on, and the button's name: all the page may know before anyone signs in. */
  provider(workspaceId: string): OidcProviderInfo {
    const s = this.p.transact(() => (this.live(workspaceId) ? readOidc(this.p.sql) : undefined));
    return s ? { enabled: true, name: s.settings.name ?? new URL(s.settings.issuer).hostname } : { enabled: false };
  }

  /** An authorization URL for a new sign-in; its state, nonce and verifier are kept (hashed state) until the callback. */
  async begin(workspaceId: string, origin: string): Promise<Result<{ url: string; state: string }>> {
    const s = this.p.transact(() => (this.live(workspaceId) ? readOidc(this.p.sql) : undefined));
    if (!s) return fail('NOT_FOUND', `sign-in is not set up for workspace ${workspaceId}`);
    const secret = await openAtRest(this.p.env, s.sealedSecret, oidcSecretAad(workspaceId));
    if (secret === undefined) return fail('UNAUTHORIZED', 'the client secret cannot be opened (the data key changed): an admin sets it again with oidc.set', { reason: 'provider_unreachable' });
    const now = this.p.now();
    const r = await beginSignIn({ ...s.settings, clientSecret: secret }, `${origin}${OIDC_CALLBACK_PATH}`, workspaceId, this.insecure(s.settings.issuer), now);
    if (!r.ok) return r;
    const { pending } = r.value;
    const stateHash = await sha256Hex(pending.state);
    const full = this.p.transact(() => {
      this.p.sql.exec(`DELETE FROM signin_pending WHERE expires_at < ?`, now);
      if (this.p.sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM signin_pending`).one().n >= SIGNIN_PENDING_MAX) return true;
      this.p.sql.exec(
        `INSERT INTO signin_pending (state_hash, verifier, nonce, redirect_uri, expires_at) VALUES (?, ?, ?, ?, ?)`,
        stateHash,
        pending.verifier,
        pending.nonce,
        pending.redirectUri,
        now + SIGNIN_PENDING_TTL_MS,
      );
      return false;
    });
    if (full) return fail('TOO_MANY_REQUESTS', `too many sign-ins under way in this workspace: try again in a few minutes`, { retryAfterMs: 60_000 });
    return ok({ url: r.value.url, state: pending.state });
  }

  /**
   * The callback: the `state` in the URL must be this browser's (the cookie set at begin)
   * and one this object issued and not yet used; then the code is redeemed and the ID
   * token verified (oidc-flow.ts), its claims mapped (core signInFromClaims), and a
   * session started. Answers the session's cookie value and expiry.
   */
  async finish(workspaceId: string, callbackUrl: string, browserState: string | undefined): Promise<Result<{ session: string; expiresAt: number }>> {
    const refuse = (message: string) => fail('UNAUTHORIZED', message, { reason: 'signin_refused' });
    const callback = new URL(callbackUrl);
    const state = callback.searchParams.get('state') ?? '';
    if (!browserState || !constantTimeEq(state, browserState)) return refuse("the sign-in's state does not match this browser's: start again from the sign-in button");
    const stateHash = await sha256Hex(state);
    const now = this.p.now();
    const found = this.p.transact(() => {
      if (!this.live(workspaceId)) return undefined;
      // Spent here, whatever follows: a state is good for one callback.
      const row = this.p.sql
        .exec<{ verifier: string; nonce: string; redirect_uri: string }>(`DELETE FROM signin_pending WHERE state_hash = ? AND expires_at > ? RETURNING verifier, nonce, redirect_uri`, stateHash, now)
        .toArray()[0];
      const s = readOidc(this.p.sql);
      return row && s ? { row, s } : undefined;
    });
    if (!found) return refuse('this sign-in is unknown, used or expired: start again from the sign-in button');
    const { row, s } = found;
    const secret = await openAtRest(this.p.env, s.sealedSecret, oidcSecretAad(workspaceId));
    if (secret === undefined) return refuse('the client secret cannot be opened (the data key changed): an admin sets it again with oidc.set');
    const pending: Pending = { state, verifier: row.verifier, nonce: row.nonce, redirectUri: row.redirect_uri };
    const settings = { ...s.settings, clientSecret: secret };
    const claims = await finishSignIn(settings, callback, pending, this.insecure(s.settings.issuer), this.p.now());
    if (!claims.ok) return claims;
    const who = signInFromClaims(settings, claims.value);
    if (!who.ok) return who;
    const sessionSecret = newSecret();
    const secretHash = await sha256Hex(sessionSecret);
    const started = this.p.transact(() => startSignIn(this.p.sql, crypto.randomUUID(), secretHash, who.value, this.p.now()));
    return ok({ session: formatSession(workspaceId, sessionSecret), expiresAt: started.expiresAt });
  }

  /**
   * Who the session is, with its CSRF token; a session whose secret is older than
   * SIGNIN_ROTATE_MS gets a new one (`session`: the new cookie value). UNAUTHORIZED when
   * the session is unknown, expired or signed out.
   */
  async view(workspaceId: string, secret: string): Promise<Result<SignInView & { session?: string }>> {
    const hash = await sha256Hex(secret);
    const fresh = newSecret();
    const freshHash = await sha256Hex(fresh);
    const r = this.p.transact(() => {
      if (!this.live(workspaceId)) return undefined;
      const now = this.p.now();
      const s = findSignIn(this.p.sql, hash, now);
      if (!s) return undefined;
      // Only the current secret rotates: a request with the previous one (in its grace) must not start another rotation.
      const rotate = s.current && now - s.rotatedAt >= SIGNIN_ROTATE_MS;
      if (rotate) rotateSignIn(this.p.sql, s.id, freshHash, now);
      return { s, rotate };
    });
    if (!r) return fail('UNAUTHORIZED', 'not signed in, or the session ended: sign in again');
    const current = r.rotate ? fresh : secret;
    const { s } = r;
    return ok({
      workspaceId,
      principal: s.principal,
      email: s.email,
      role: s.role,
      authStrength: s.authStrength,
      groups: s.groups,
      expiresAt: s.expiresAt,
      csrf: await csrfTokenOf(current),
      ...(r.rotate ? { session: formatSession(workspaceId, fresh) } : {}),
    });
  }

  /** Sign-out: the session ends here, on the server; its cookie is then worthless. Idempotent; answers the ended session's id. */
  async end(workspaceId: string, secret: string): Promise<string | undefined> {
    const hash = await sha256Hex(secret);
    return this.p.transact(() => {
      if (!this.live(workspaceId)) return undefined;
      const s = findSignIn(this.p.sql, hash, this.p.now());
      if (s) endSignIn(this.p.sql, s.id, this.p.now());
      return s?.id;
    });
  }
}

/** Constant-time comparison of two strings of any length (lengths leak nothing useful here: states have one length). */
function constantTimeEq(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}
