/**
 * The OpenID Connect authorization-code flow with PKCE, state and nonce (OpenID Connect
 * Core 1.0 section 3.1; RFC 7636), run by the workspace's object with `oauth4webapi`,
 * and the ID token's signature verified against the issuer's JWKS with `jose`. What the
 * verified claims mean (principal, role, strength) is core's (core/src/oidc.ts).
 *
 * Every request to the provider has a deadline (PROVIDER_TIMEOUT_MS): a provider that
 * hangs fails the sign-in, it never holds it open.
 */
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import * as oauth from 'oauth4webapi';
import { fail, ok, type OidcSettings, type Result } from '@greenlight/core';

/** How long one request to the provider may take (ms). */
const PROVIDER_TIMEOUT_MS = 10_000;
/** How long a provider's discovery document is reused (ms). */
const DISCOVERY_TTL_MS = 10 * 60 * 1000;

/** Whether a URL's host is this machine (http is allowed only there, and only where WEBHOOK_ALLOW_PRIVATE says local development). */
export const isLoopback = (url: string): boolean => {
  const host = new URL(url).hostname;
  return host === '127.0.0.1' || host === 'localhost' || host === '[::1]';
};

/** Request options: a deadline, and plain http only for a loopback issuer in local development. */
const requestOptions = (insecure: boolean) => ({ signal: () => AbortSignal.timeout(PROVIDER_TIMEOUT_MS), ...(insecure ? { [oauth.allowInsecureRequests]: true } : {}) });

const discovered = new Map<string, { as: oauth.AuthorizationServer; at: number }>();
const keySets = new Map<string, ReturnType<typeof createRemoteJWKSet>>();

/** The provider's metadata (`/.well-known/openid-configuration`), whose `issuer` must equal the configured one exactly. */
async function discover(issuer: string, insecure: boolean, now: number): Promise<oauth.AuthorizationServer> {
  const hit = discovered.get(issuer);
  if (hit && now - hit.at < DISCOVERY_TTL_MS) return hit.as;
  const url = new URL(issuer);
  const as = await oauth.processDiscoveryResponse(url, await oauth.discoveryRequest(url, { algorithm: 'oidc', ...requestOptions(insecure) }));
  if (discovered.size > 32) discovered.clear();
  discovered.set(issuer, { as, at: now });
  return as;
}

/** What an authorization request leaves behind, kept by the object until its callback (single-use). */
export type Pending = { state: string; verifier: string; nonce: string; redirectUri: string };

/**
 * The provider's authorization URL for a new sign-in, and the secrets its callback must
 * match. `statePrefix` (the workspace id) lets the Worker route the callback.
 */
export async function beginSignIn(settings: OidcSettings, redirectUri: string, statePrefix: string, insecure: boolean, now: number): Promise<Result<{ url: string; pending: Pending }>> {
  let as: oauth.AuthorizationServer;
  try {
    as = await discover(settings.issuer, insecure, now);
  } catch (e) {
    return fail('UNAUTHORIZED', `cannot read the provider's configuration at ${settings.issuer}: ${describe(e)}`, { reason: 'provider_unreachable' });
  }
  if (!as.authorization_endpoint) return fail('UNAUTHORIZED', `the provider ${settings.issuer} names no authorization endpoint`, { reason: 'provider_unreachable' });
  const verifier = oauth.generateRandomCodeVerifier();
  const pending: Pending = { state: `${statePrefix}.${oauth.generateRandomState()}`, verifier, nonce: oauth.generateRandomNonce(), redirectUri };
  const url = new URL(as.authorization_endpoint);
  const scope = ['openid', 'email', 'profile', ...(settings.scopes ?? [])];
  url.searchParams.set('client_id', settings.clientId);
  url.searchParams.set('redirect_uri', redirectUri);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('scope', [...new Set(scope)].join(' '));
  url.searchParams.set('code_challenge', await oauth.calculatePKCECodeChallenge(verifier));
  url.searchParams.set('code_challenge_method', 'S256');
  url.searchParams.set('state', pending.state);
  url.searchParams.set('nonce', pending.nonce);
  return ok({ url: url.href, pending });
}

/**
 * Redeem the callback's code (with the PKCE verifier and the client secret), check the
 * token response and its ID token (issuer, audience, expiry, nonce: oauth4webapi), then
 * the ID token's signature against the issuer's JWKS (jose). Answers the verified claims,
 * or UNAUTHORIZED with what was wrong (reason `signin_refused`).
 */
export async function finishSignIn(settings: OidcSettings, callback: URL, pending: Pending, insecure: boolean, now: number): Promise<Result<JWTPayload>> {
  const refuse = (message: string) => fail('UNAUTHORIZED', message, { reason: 'signin_refused' });
  let as: oauth.AuthorizationServer;
  try {
    as = await discover(settings.issuer, insecure, now);
  } catch (e) {
    return refuse(`cannot read the provider's configuration at ${settings.issuer}: ${describe(e)}`);
  }
  const client: oauth.Client = { client_id: settings.clientId };
  const methods = as.token_endpoint_auth_methods_supported;
  const auth =
    methods && !methods.includes('client_secret_basic') && methods.includes('client_secret_post') ? oauth.ClientSecretPost(settings.clientSecret) : oauth.ClientSecretBasic(settings.clientSecret);
  let idToken: string;
  try {
    const params = oauth.validateAuthResponse(as, client, callback, pending.state);
    const response = await oauth.authorizationCodeGrantRequest(as, client, auth, params, pending.redirectUri, pending.verifier, requestOptions(insecure));
    const tokens = await oauth.processAuthorizationCodeResponse(as, client, response, { expectedNonce: pending.nonce, requireIdToken: true, ...requestOptions(insecure) });
    if (!tokens.id_token) return refuse('the provider sent no ID token');
    idToken = tokens.id_token;
  } catch (e) {
    return refuse(describe(e));
  }
  if (!as.jwks_uri) return refuse(`the provider ${settings.issuer} names no jwks_uri to verify its ID tokens with`);
  let keys = keySets.get(as.jwks_uri);
  if (!keys) {
    if (keySets.size > 32) keySets.clear();
    keys = createRemoteJWKSet(new URL(as.jwks_uri), { timeoutDuration: PROVIDER_TIMEOUT_MS });
    keySets.set(as.jwks_uri, keys);
  }
  try {
    const { payload } = await jwtVerify(idToken, keys, { issuer: as.issuer, audience: settings.clientId, currentDate: new Date(now) });
    return ok(payload);
  } catch (e) {
    return refuse(describe(e));
  }
}

/** A protocol failure in words a reviewer (and an admin reading the log) can act on. */
export function describe(e: unknown): string {
  if (e instanceof joseErrors.JWKSNoMatchingKey || e instanceof joseErrors.JWSSignatureVerificationFailed)
    return "the ID token's signature does not verify with the issuer's published keys (JWKS): it was not signed by the provider";
  if (e instanceof joseErrors.JWTExpired) return 'the ID token has expired';
  if (e instanceof joseErrors.JWTClaimValidationFailed) return `the ID token's "${e.claim}" claim is wrong (${e.reason})`;
  if (e instanceof oauth.AuthorizationResponseError) return `the provider refused the sign-in: ${e.error}${e.error_description ? ` (${e.error_description})` : ''}`;
  if (e instanceof oauth.ResponseBodyError) return `the provider refused the code: ${e.error}${e.error_description ? ` (${e.error_description})` : ''}`;
  if (e instanceof oauth.OperationProcessingError) {
    const claim = claimOf(e.cause);
    if (e.code === oauth.JWT_TIMESTAMP_CHECK) return claim === 'exp' || /exp/.test(e.message) ? 'the ID token has expired' : `the ID token's time claims are wrong: ${e.message}`;
    if (e.code === oauth.JWT_CLAIM_COMPARISON) {
      if (claim === 'aud' || claim === 'azp') return 'the ID token was issued for another client (aud): it is not for this workspace';
      if (claim === 'nonce') return "the ID token's nonce does not match this sign-in: start again from the sign-in button";
      if (claim === 'iss') return 'the ID token comes from another issuer (iss)';
      return `the ID token's "${claim ?? '?'}" claim is wrong`;
    }
    if (/state/.test(e.message)) return "the sign-in's state does not match: start again from the sign-in button";
    return e.message;
  }
  if (e instanceof Error && (e.name === 'TimeoutError' || e.name === 'AbortError')) return `the provider did not answer within ${PROVIDER_TIMEOUT_MS / 1000} s`;
  return e instanceof Error ? e.message : String(e);
}

const claimOf = (cause: unknown): string | undefined => (typeof cause === 'object' && cause !== null && 'claim' in cause && typeof cause.claim === 'string' ? cause.claim : undefined);
