/**
 * tRPC at the edge: authenticate, validate with the core's schemas, forward to the
 * workspace's object. The tenant comes from the key, never from the input. Runtime-
 * neutral: the host hands in a Context (contract/rpc.ts) of interfaces, so nothing here
 * or in the routers names a Worker binding or a `cloudflare:*` module.
 */
import { initTRPC, TRPCError } from '@trpc/server';
import { hasIllFormedString, parseKey, type CoreError, type Result } from '@greenlight/core';
import { ZodError } from 'zod';
import type { Context, Cred } from '../contract/rpc.ts';

export type { Context } from '../contract/rpc.ts';

/** What a procedure declares about itself, read by the protocol reference (scripts/protocol). */
export type ProcedureMeta = { credential: 'root' | 'workspace' };

/** Carries the core's reason and issues from an error to the formatter. */
export class CoreErrorCause extends Error {
  readonly reason: string | undefined;
  readonly issues: CoreError['issues'];
  readonly retryAfterMs: number | undefined;
  constructor(e: CoreError) {
    super(e.message);
    this.reason = e.reason;
    this.issues = e.issues;
    this.retryAfterMs = e.retryAfterMs;
  }
}

/** A zod error's first issue as `path: message`, for the error's message (HTTP and socket calls alike). */
export const firstIssue = (e: ZodError): string => {
  const i = e.issues[0];
  return i ? `${i.path.length ? i.path.join('.') + ': ' : ''}${i.message}` : 'invalid input';
};

/** A zod error's issues as clients see them: path, message, zod's code. */
export const zodIssues = (e: ZodError) => e.issues.map((i) => ({ path: i.path.map((p) => (typeof p === 'number' ? p : String(p))), message: i.message, code: i.code }));

const t = initTRPC
  .context<Context>()
  .meta<ProcedureMeta>()
  .create({
    // Clients see a code, a readable message and, for bad input, the issues; never a stack.
    errorFormatter({ shape, error }) {
      const cause = error.cause;
      const zod = cause instanceof ZodError ? cause : undefined;
      const core = cause instanceof CoreErrorCause ? cause : undefined;
      const internal = error.code === 'INTERNAL_SERVER_ERROR';
      return {
        code: shape.code,
        message: internal ? 'internal error' : zod ? `invalid input: ${firstIssue(zod)}` : shape.message,
        data: {
          code: shape.data.code,
          httpStatus: shape.data.httpStatus,
          ...(shape.data.path ? { path: shape.data.path } : {}),
          ...(zod ? { issues: zodIssues(zod) } : {}),
          ...(core?.issues ? { issues: core.issues } : {}),
          ...(core?.reason ? { reason: core.reason } : {}),
          ...(core?.retryAfterMs !== undefined ? { retryAfterMs: core.retryAfterMs } : {}),
        },
      };
    },
  });

export const router = t.router;

/** Every procedure refuses ill-formed strings before anything hashes or stores them. */
export const publicProcedure = t.procedure.use(async ({ getRawInput, next }) => {
  if (hasIllFormedString(await getRawInput())) {
    throw new TRPCError({ code: 'BAD_REQUEST', message: 'invalid input: a string is not well-formed UTF-16 (lone surrogate)' });
  }
  return next();
});

function bearer(ctx: Context): string {
  const m = /^Bearer\s+(\S+)$/i.exec(ctx.authorization ?? '');
  if (!m) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'missing Authorization: Bearer <key>' });
  return m[1]!;
}

/** The root token: creates and lists workspaces, nothing else. */
export const rootProcedure = publicProcedure.meta({ credential: 'root' }).use(({ ctx, next }) => {
  if (!ctx.isRootToken(bearer(ctx))) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'this needs the root token' });
  return next();
});

/** `gls_<workspace>_<secret>`: a sign-in session's credential, as its cookie carries it (docs/sign-in.md). */
const SESSION_CRED = /^gls_([a-z0-9-]{3,40})_([A-Za-z0-9_-]{20,200})$/;

/** Equal strings, compared without an early exit (CSRF tokens are fixed-length hex). */
function sameText(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/**
 * A sign-in session's credential from its cookie, for a call without Authorization. A
 * state-changing call (every mutation) must come from this site and carry the session's
 * CSRF token in X-Greenlight-CSRF (derived from the session's secret, which a page on
 * another site cannot read): SameSite=Strict already keeps the cookie off cross-site
 * requests, and this holds where it would not (an old browser, a sibling subdomain).
 */
async function sessionCred(ctx: Context, type: 'query' | 'mutation' | 'subscription'): Promise<Cred | undefined> {
  const m = SESSION_CRED.exec(ctx.session ?? '');
  if (!m) return undefined;
  const secret = m[2]!;
  if (type !== 'query') {
    if (ctx.crossSite) throw new TRPCError({ code: 'FORBIDDEN', message: 'a signed-in change must come from this site: the request came from another origin' });
    const expected = ctx.csrfTokenOf ? await ctx.csrfTokenOf(secret) : undefined;
    if (!ctx.csrf) throw new TRPCError({ code: 'FORBIDDEN', message: 'missing X-Greenlight-CSRF header: a signed-in change must carry the token from GET /auth/session' });
    if (!expected || !sameText(ctx.csrf, expected)) throw new TRPCError({ code: 'FORBIDDEN', message: 'wrong X-Greenlight-CSRF token: reload the page (GET /auth/session gives the current one)' });
  }
  return { workspaceId: m[1]!, secret, kind: 'session' };
}

/**
 * A workspace key (Authorization: Bearer), else a sign-in session's cookie: routes to the
 * workspace's object by the credential's prefix; the object checks the secret.
 */
export const workspaceProcedure = publicProcedure.meta({ credential: 'workspace' }).use(async ({ ctx, next, type }) => {
  if (!ctx.authorization) {
    const cred = await sessionCred(ctx, type);
    if (cred) return next({ ctx: { ws: ctx.workspace(cred.workspaceId), cred } });
  }
  const parsed = parseKey(bearer(ctx));
  if (!parsed) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'malformed key: expected gl_<workspace>_<secret>' });
  const cred: Cred = { ...parsed, kind: 'key' };
  return next({ ctx: { ws: ctx.workspace(parsed.workspaceId), cred } });
});

/** A core Result as a tRPC answer: the value, or a TRPCError with the same code. */
export async function unwrap<T>(result: Promise<Result<T>> | Result<T>): Promise<T> {
  const r = await result;
  if (r.ok) return r.value;
  throw new TRPCError({ code: r.error.code, message: r.error.message, cause: new CoreErrorCause(r.error) });
}
