/**
 * The Greenlight Worker: hono in front, tRPC at /trpc, one Durable Object per
 * workspace behind. The web client is served from static assets; API routes run
 * the Worker first and never touch the asset lookup.
 */
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { LIMITS, SLACK_HEADERS, TICKET_PATTERN, WorkspaceId } from '@greenlight/core';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { secureHeaders } from 'hono/secure-headers';
import { appRouter } from './router.ts';
import { CoreErrorCause } from './trpc/init.ts';
import type { Context } from './contract/rpc.ts';
import { constantTimeEqual } from './auth.ts';
import { claudeCodeHttpHook } from './hooks/claude-code.ts';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { isCrossSite, sessionCookie, signInRoutes } from './signin-routes.ts';
import { csrfTokenOf } from './workspace/oidc.ts';
import { linkRoutes } from './link-page.ts';

export { Workspace } from './workspace/object.ts';
export { Registry } from './registry.ts';
export type { AppRouter } from './contract/index.ts';

const app = new Hono<{ Bindings: Env }>();

/** What a request says about a sign-in session: its cookie's credential, its CSRF header, whether it came from another site. */
type SessionHints = Pick<Context, 'session' | 'csrf' | 'crossSite'>;

/**
 * The deployment's public address (docs/step-up.md): PUBLIC_URL when set (behind a proxy or
 * a custom domain the request's own URL may not be what a browser sees), else the request's origin.
 */
export function publicOrigin(env: Pick<Env, 'PUBLIC_URL'>, requestUrl: string): string {
  const configured = String(env.PUBLIC_URL ?? '').trim();
  return new URL(configured !== '' ? configured : requestUrl).origin;
}

/** The routers' view of this Worker: its objects as the contract's interfaces, the root token behind a comparison. */
function trpcContext(env: Env, authorization: string | null, requestUrl: string, hints: SessionHints = {}): Context {
  return {
    authorization,
    publicOrigin: publicOrigin(env, requestUrl),
    ...hints,
    csrfTokenOf,
    // No root token configured: nothing is the root token.
    isRootToken: (token) => Boolean(env.GREENLIGHT_ROOT_TOKEN) && constantTimeEqual(token, env.GREENLIGHT_ROOT_TOKEN),
    workspace: (id) => env.WORKSPACE.get(env.WORKSPACE.idFromName(id)),
    registry: () => env.REGISTRY.get(env.REGISTRY.idFromName('registry')),
  };
}

// Everything the Worker answers over HTTP carries the same hardening as the page
// (not /ws: a 101 upgrade's headers cannot be changed).
const hardened = secureHeaders({ referrerPolicy: 'no-referrer', xFrameOptions: 'DENY', crossOriginResourcePolicy: 'same-origin' });
app.use('/trpc/*', hardened);
app.use('/healthz', hardened);
app.use('/hooks/*', hardened);
app.use('/slack/*', hardened);
app.use('/auth/*', hardened);

// Sign-in through OIDC (docs/sign-in.md): login, callback, session, logout.
app.route('/auth', signInRoutes);

// The API answers CORS only for the origins an operator configured (CORS_ORIGINS, comma-separated);
// the web page is same-origin and needs none.
app.use('/trpc/*', async (c, next) => {
  const allowed = (c.env.CORS_ORIGINS ?? '')
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean);
  if (allowed.length === 0) return next();
  return cors({ origin: allowed, allowHeaders: ['authorization', 'content-type', 'trpc-accept'], maxAge: 600 })(c, next);
});

app.get('/healthz', (c) => c.json({ ok: true }));

// One-click links (docs/step-up.md): GET shows, POST decides; the token names the workspace.
app.use('/l/*', hardened);
app.route(
  '/',
  linkRoutes((env, id) => env.WORKSPACE.get(env.WORKSPACE.idFromName(id))),
);

// Live events: the ticket names the workspace; its object checks the ticket and keeps the socket.
app.get('/ws', (c) => {
  const m = TICKET_PATTERN.exec(c.req.query('ticket') ?? '');
  if (!m) return c.text('missing or malformed ticket: get one from events.ticket', 401);
  if (c.req.header('upgrade')?.toLowerCase() !== 'websocket') return c.text('expected a WebSocket upgrade', 426);
  return c.env.WORKSPACE.get(c.env.WORKSPACE.idFromName(m[1]!)).fetch(c.req.raw);
});

// Checked before tRPC reads a byte, for declared and streamed bodies alike.
app.use(
  '/trpc/*',
  bodyLimit({
    maxSize: LIMITS.requestBytes,
    onError: (c) =>
      c.json(
        {
          error: {
            code: -32413,
            message: `request body is over the ${LIMITS.requestBytes / 1024 / 1024} MiB limit`,
            data: { code: 'PAYLOAD_TOO_LARGE', httpStatus: 413 },
          },
        },
        413,
      ),
  }),
);

// Claude Code's HTTP hook: the event JSON in, the hook's answer out (hooks/claude-code.ts).
app.post(
  '/hooks/claude-code',
  bodyLimit({ maxSize: LIMITS.requestBytes, onError: (c) => c.json({ error: `request body is over the ${LIMITS.requestBytes / 1024 / 1024} MiB limit` }, 413) }),
  async (c) => {
    let body: unknown;
    try {
      body = await c.req.json();
    } catch {
      body = undefined;
    }
    const result = await claudeCodeHttpHook(
      trpcContext(c.env, c.req.header('authorization') ?? null, c.req.url),
      body,
      { timeout: c.req.query('timeout'), on_error: c.req.query('on_error') },
      c.req.raw.signal,
    );
    if (result.body === undefined) return c.body(null, 200);
    return c.json(result.body, result.status);
  },
);

// Slack's requests (docs/slack.md): the raw body and signing headers go to the workspace's
// object, which verifies them with its own signing secret before reading anything else.
// The workspace is in the path: each workspace's Slack app points at its own URLs.
for (const [path, method] of [
  ['/slack/interactions/:workspace', 'slackInteraction'],
  ['/slack/commands/:workspace', 'slackCommand'],
] as const) {
  app.post(path, bodyLimit({ maxSize: 256 * 1024, onError: (c) => c.json({ error: 'request body is over 256 KiB' }, 413) }), async (c) => {
    const workspaceId = WorkspaceId.safeParse(c.req.param('workspace'));
    if (!workspaceId.success) return c.json({ error: 'unknown workspace' }, 404);
    const stub = c.env.WORKSPACE.get(c.env.WORKSPACE.idFromName(workspaceId.data));
    const answer = await stub[method]({
      workspaceId: workspaceId.data,
      timestamp: c.req.header(SLACK_HEADERS.timestamp) ?? null,
      signature: c.req.header(SLACK_HEADERS.signature) ?? null,
      body: await c.req.text(),
      origin: new URL(c.req.url).origin,
    });
    if (answer.json === undefined) return c.body(null, answer.status as ContentfulStatusCode);
    return c.body(answer.json, answer.status as ContentfulStatusCode, { 'content-type': 'application/json; charset=utf-8' });
  });
}

app.all('/trpc/*', (c) =>
  fetchRequestHandler({
    endpoint: '/trpc',
    req: c.req.raw,
    router: appRouter,
    createContext: () =>
      trpcContext(c.env, c.req.header('authorization') ?? null, c.req.url, { session: sessionCookie(c), csrf: c.req.header('x-greenlight-csrf') ?? null, crossSite: isCrossSite(c.req.raw) }),
    // A batch is bounded so one request cannot carry unbounded work.
    maxBatchSize: LIMITS.batchProcedures,
    // A client told to slow down is told for how long.
    responseMeta: ({ errors }) => {
      const wait = errors.map((e) => (e.cause instanceof CoreErrorCause ? e.cause.retryAfterMs : undefined)).find((ms) => ms !== undefined);
      return wait === undefined ? {} : { headers: new Headers({ 'retry-after': String(Math.max(1, Math.ceil(wait / 1000))) }) };
    },
    onError: ({ error, path }) => {
      if (error.code === 'INTERNAL_SERVER_ERROR') console.error(`trpc ${path ?? '?'}:`, error.cause ?? error);
    },
  }),
);

export default app;
