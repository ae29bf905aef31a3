/**
 * `greenlight mcp proxy`: an MCP server on stdio that stands in front of a real one.
 * It answers initialize with the upstream's own capabilities and identity, lists the
 * upstream's tools unchanged, sends every tools/call through the gate (gate.ts), and
 * passes everything else through both ways as it came: resources, prompts, completion,
 * logging, notifications, progress, cancellations. Ends when the client disconnects
 * (exit 0), the upstream exits (exit 1), or on SIGINT/SIGTERM; held calls are abandoned
 * then, so a decision made later runs nothing.
 */
import { randomUUID } from 'node:crypto';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { CallToolRequestSchema, ErrorCode, McpError, ResultSchema, SetLevelRequestSchema, type Notification, type Request, type ServerCapabilities } from '@modelcontextprotocol/sdk/types.js';
import { createClient } from '@greenlight/sdk';
import { budgetedFetch } from '../budget.ts';
import type { Config } from '../config.ts';
import { gateCall, type GateDeps, type Progress } from './gate.ts';
import type { Ledger, LedgerContext } from './ledger.ts';
import { sessionLedger } from './session.ts';
import { connectUpstream, type UpstreamTarget } from './upstream.ts';

export type ProxyOptions = {
  server: string;
  target: UpstreamTarget;
  waitMs: number;
  leaseSeconds: number;
  config: Config;
  requestMs: number;
  version: string;
  log: (line: string) => void;
  /** How calls are grouped into tasks (default: one open session task per gateway process). */
  ledger?: (ctx: LedgerContext) => Ledger;
};

/** How long, after the end, held calls get to be abandoned and results reported. */
const DRAIN_MS = 5_000;

/** The upstream's capabilities minus what the gateway cannot pass through (MCP tasks: a task-augmented call would bypass the hold). */
function mirrored(caps: ServerCapabilities | undefined): ServerCapabilities {
  const { tasks: _tasks, ...rest } = caps ?? {};
  return rest;
}

/** Split a request's `_meta` into its progress token and the rest (each side of the proxy numbers its own tokens). */
function splitMeta(meta: unknown): { token: string | number | undefined; rest: Record<string, unknown> | undefined } {
  if (meta === null || typeof meta !== 'object') return { token: undefined, rest: undefined };
  const { progressToken, ...rest } = meta as Record<string, unknown>;
  const token = typeof progressToken === 'string' || typeof progressToken === 'number' ? progressToken : undefined;
  return { token, rest: Object.keys(rest).length > 0 ? rest : undefined };
}

/** Runs the gateway until it ends; resolves with the exit code. */
export async function runProxy(opts: ProxyOptions): Promise<number> {
  const stop = new AbortController();
  const session = `mcp:${opts.server}:${randomUUID()}`;
  const client = createClient({ url: opts.config.url, key: opts.config.key, fetch: budgetedFetch(opts.requestMs, stop.signal) });
  const cleanup = createClient({ url: opts.config.url, key: opts.config.key, fetch: budgetedFetch(opts.requestMs) });

  let upstream;
  try {
    upstream = await connectUpstream(opts.target, opts.version);
  } catch (err) {
    opts.log(`greenlight: cannot start the upstream MCP server: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
  const info = upstream.client.getServerVersion() ?? { name: opts.server, version: '0' };
  const instructions = upstream.client.getInstructions();
  const capabilities = mirrored(upstream.client.getServerCapabilities());
  const server = new Server(info, { capabilities, ...(instructions ? { instructions } : {}) });
  const reviewUrl = (taskId: string) => `${opts.config.url.replace(/\/+$/, '')}/#/tasks/${encodeURIComponent(taskId)}`;
  const ledger = (opts.ledger ?? sessionLedger)({ client, cleanup, server: opts.server, session, stop: stop.signal, reviewUrl, log: opts.log });
  const deps: GateDeps = {
    ledger,
    client,
    cleanup,
    upstream,
    server: opts.server,
    waitMs: opts.waitMs,
    leaseSeconds: opts.leaseSeconds,
    stop: stop.signal,
    reviewUrl,
    log: opts.log,
  };
  const inFlight = new Set<Promise<unknown>>();
  const track = <T>(p: Promise<T>): Promise<T> => {
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p)).catch(() => {});
    return p;
  };

  // Client -> upstream: anything but tools/call, as it came, with its progress relayed back.
  const forward = async (request: Request, extra: { signal: AbortSignal; sendNotification: (n: Notification) => Promise<void> }) => {
    const { token, rest } = splitMeta(request.params?._meta);
    const params = request.params ? { ...request.params, _meta: rest } : undefined;
    if (params && rest === undefined) delete params._meta;
    const result = await upstream.client.request({ method: request.method, ...(params ? { params } : {}) }, ResultSchema, {
      signal: extra.signal,
      timeout: 2_000_000_000,
      ...(token !== undefined ? { onprogress: (p: Progress) => void extra.sendNotification({ method: 'notifications/progress', params: { ...p, progressToken: token } }) } : {}),
    });
    if (request.method === 'tools/list') upstream.learn(result);
    return result;
  };
  server.fallbackRequestHandler = (request, extra) => track(forward(request, extra));
  if (capabilities.logging) server.setRequestHandler(SetLevelRequestSchema, (request, extra) => track(forward(request, extra)));
  server.fallbackNotificationHandler = async (n) => upstream.client.notification(n);

  server.setRequestHandler(CallToolRequestSchema, (request, extra) => {
    const { token, rest } = splitMeta(request.params._meta);
    let ticks = 0;
    const notify = (params: Record<string, unknown>) => void extra.sendNotification({ method: 'notifications/progress', params: { ...params, progressToken: token! } } as never).catch(() => {});
    return track(
      gateCall(
        deps,
        { name: request.params.name, arguments: request.params.arguments, meta: rest },
        {
          signal: extra.signal,
          progress: (message) => token !== undefined && notify({ progress: ++ticks, message }),
          relay: token !== undefined ? (p) => notify({ ...p }) : undefined,
        },
      ),
    ) as Promise<never>;
  });

  // Upstream -> client: notifications (list changes, logs, resource updates) and requests, as they came.
  upstream.client.fallbackNotificationHandler = async (n) => {
    if (n.method === 'notifications/tools/list_changed') upstream.forget();
    await server.notification(n).catch((e: unknown) => opts.log(`greenlight: could not pass on ${n.method}: ${String(e)}`));
  };
  upstream.client.fallbackRequestHandler = (request, extra) => server.request(request, ResultSchema, { signal: extra.signal });

  let code = 0;
  const ended = new Promise<string>((resolve) => {
    upstream.client.onclose = () => {
      code = stop.signal.aborted ? code : 1;
      resolve('the upstream MCP server exited');
    };
    server.onclose = () => resolve('the MCP client disconnected');
    const onSignal = (s: NodeJS.Signals) => resolve(`stopped by ${s}`);
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    process.stdin.once('end', () => resolve('the MCP client disconnected'));
    process.stdin.once('close', () => resolve('the MCP client disconnected'));
  });
  process.stdout.on('error', () => void transport.close());
  const transport = new StdioServerTransport();
  await server.connect(transport);
  opts.log(`greenlight: MCP gateway for ${opts.server} (${info.name} ${info.version}) is up; calls are recorded in ${opts.config.url}`);

  const why = await ended;
  opts.log(`greenlight: MCP gateway ending: ${why}`);
  stop.abort(new McpError(ErrorCode.ConnectionClosed, why));
  // The session first (a host may kill the gateway soon after closing its stdin): held calls'
  // steps are cancelled with it. Then give running calls a moment to report, and close.
  const closing = ledger.close(`the MCP gateway ended: ${why}`).then(
    () => opts.log('greenlight: session ended'),
    (e: unknown) => opts.log(`greenlight: could not end the session task: ${e instanceof Error ? e.message : String(e)}`),
  );
  await Promise.race([Promise.allSettled([closing, ...inFlight]), new Promise((r) => setTimeout(r, DRAIN_MS).unref())]);
  await Promise.allSettled([transport.close(), upstream.close()]);
  return code;
}
