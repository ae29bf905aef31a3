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

/** A workspace key: routes to the workspace's object by the key's prefix; the object checks the secret. */
export const workspaceProcedure = publicProcedure.meta({ credential: 'workspace' }).use(({ ctx, next }) => {
  const parsed = parseKey(bearer(ctx));
  if (!parsed) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'malformed key: expected gl_<workspace>_<secret>' });
  const cred: Cred = parsed;
  return next({ ctx: { ws: ctx.workspace(parsed.workspaceId), cred } });
});

/** A core Result as a tRPC answer: the value, or a TRPCError with the same code. */
export async function unwrap<T>(result: Promise<Result<T>> | Result<T>): Promise<T> {
  const r = await result;
  if (r.ok) return r.value;
  throw new TRPCError({ code: r.error.code, message: r.error.message, cause: new CoreErrorCause(r.error) });
}
