/**
 * A real OpenID provider for tests: panva's `oidc-provider` (the certified library),
 * started on 127.0.0.1 in the test process with its development login pages (any login
 * name, any password). Its accounts are the test's; its signing key is the test's too,
 * so a test can make the provider's token endpoint answer with an ID token it altered
 * and re-signed (expired, for another audience, another nonce) or signed with a key the
 * provider never published (forged): `tamper`. Everything else is the library's own.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeJwt, exportJWK, generateKeyPair, SignJWT, type JWK, type JWTPayload } from 'jose';
import Provider, { type Configuration } from 'oidc-provider';

/** Claims of one test account (beside `sub`, which is its login name). */
export type Account = { email: string; email_verified: boolean; roles?: string[]; groups?: string[] };

/** Rewrites the ID token of the next token responses: given its claims, sign what it returns (with `sign` or `forge`). */
export type Tamper = (claims: JWTPayload, keys: { sign: (c: JWTPayload) => Promise<string>; forge: (c: JWTPayload) => Promise<string> }) => Promise<string>;

export type TestProvider = {
  /** The issuer identifier, `http://127.0.0.1:<port>`. */
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** The accounts by login name; add to them at will. */
  readonly accounts: Map<string, Account>;
  /** Alter the ID token of every token response until cleared (undefined). */
  tamper: Tamper | undefined;
  stop(): Promise<void>;
};

/** Start a provider whose one client redirects to `<redirectBase>/auth/callback`. */
export async function startTestProvider(redirectBase: string): Promise<TestProvider> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const forger = await generateKeyPair('RS256', { extractable: true });
  const jwk: JWK = { ...(await exportJWK(privateKey)), kid: 'test-key', alg: 'RS256', use: 'sig' };
  const accounts = new Map<string, Account>();
  const clientId = 'greenlight';
  const clientSecret = 'greenlight-test-client-secret';
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const config: Configuration = {
    clients: [{ client_id: clientId, client_secret: clientSecret, redirect_uris: [`${redirectBase}/auth/callback`], token_endpoint_auth_method: 'client_secret_basic' }],
    jwks: { keys: [jwk as never] },
    // Claims in the ID token itself (the code flow's default puts them only in userinfo).
    conformIdTokenClaims: false,
    claims: { openid: ['sub', 'roles', 'groups'], email: ['email', 'email_verified'], profile: ['name'] },
    features: { devInteractions: { enabled: true } },
    // A first-party client: no consent page, the grant is made on first use.
    loadExistingGrant: async (ctx) => {
      const grant = new ctx.oidc.provider.Grant({ clientId, accountId: ctx.oidc.session!.accountId! });
      grant.addOIDCScope('openid email profile');
      await grant.save();
      return grant;
    },
    findAccount: (_ctx, id) => {
      const a = accounts.get(id);
      return a ? { accountId: id, claims: () => ({ sub: id, ...a }) } : undefined;
    },
    pkce: { required: () => true },
  };
  const provider = new Provider(issuer, config);
  const state: { tamper: Tamper | undefined } = { tamper: undefined };
  provider.use(async (ctx, next) => {
    await next();
    const body = ctx.body as { id_token?: unknown } | undefined;
    if (ctx.path === '/token' && state.tamper && body && typeof body.id_token === 'string') {
      const sign = (c: JWTPayload) => new SignJWT(c).setProtectedHeader({ alg: 'RS256', kid: 'test-key' }).sign(privateKey);
      const forge = (c: JWTPayload) => new SignJWT(c).setProtectedHeader({ alg: 'RS256', kid: 'test-key' }).sign(forger.privateKey);
      ctx.body = { ...body, id_token: await state.tamper(decodeJwt(body.id_token), { sign, forge }) };
    }
  });
  server.on('request', provider.callback());

  return {
    issuer,
    clientId,
    clientSecret,
    accounts,
    get tamper() {
      return state.tamper;
    },
    set tamper(t) {
      state.tamper = t;
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
