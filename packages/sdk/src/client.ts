/**
 * createClient: the typed procedures of the API for agents and tools, on Node 20+,
 * browsers and Workers. Plain JSON over HTTP, no transformer; every error is a
 * GreenlightError with the tRPC code.
 */
import { createTRPCClient, httpBatchLink, httpLink, type TRPCClient } from '@trpc/client';
import type { AppRouter } from '@greenlight/api/contract';
import { GreenlightError } from './errors.ts';

export type ClientOptions = {
  /** The server, e.g. http://127.0.0.1:8787 */
  url: string;
  /** A workspace key `gl_<workspace>_<secret>`, or the root token for workspaces.create/list. */
  key: string;
  /** Bring your own fetch (tests, proxies). Defaults to the global fetch. */
  fetch?: typeof fetch;
  /**
   * A browser signed in through OIDC (docs/sign-in.md): the session cookie is the
   * credential, so no Authorization header is sent (`key` is ignored), and this CSRF token
   * (from GET /auth/session) goes in X-Greenlight-CSRF on every call.
   */
  csrf?: string;
  /**
   * Batch calls made in the same tick into one request (default false). Batching waits
   * a tick before each request (about 1.3 ms in Node, measured by the bench), which an
   * agent's one-call-at-a-time loop only pays for; a page firing several reads at once gains.
   */
  batch?: boolean;
  /** WebSocket implementation for live events; defaults to the global one (Node 22+, browsers, Workers). */
  WebSocket?: typeof WebSocket;
  /**
   * How calls travel (docs/socket-rpc.md). `auto` (default): the agent's calls go over the
   * client's call socket while it is open (connect(), and during run()), else over HTTP.
   * `socket`: a call opens the socket if needed and waits for it (HTTP when it cannot
   * open). `http`: one HTTP request per call, never a socket.
   */
  transport?: 'auto' | 'http' | 'socket';
};

export type Api = TRPCClient<AppRouter>;

/**
 * Names a proxy over procedure paths answers as absent, because runtimes and libraries
 * probe any value for them: `await`, `return` from an async function and
 * Promise.resolve call `then` (a client returned from async code would never arrive);
 * JSON.stringify and test printers call `toJSON`; jest-style `expect` treats a value
 * with `asymmetricMatch` as a matcher; React reads `$$typeof`, DOM printers `nodeType`,
 * older inspectors `inspect`. tRPC itself refuses `then`, `call` and `apply` as router keys.
 */
const ABSENT: ReadonlySet<string> = new Set(['then', 'catch', 'finally', 'toJSON', 'asymmetricMatch', '$$typeof', 'nodeType', 'inspect', 'caller', 'arguments']);

/**
 * Whether `prop` is not a procedure path: a symbol (Symbol.iterator, Symbol.toPrimitive,
 * util.inspect.custom ...), a probe above, or a name every function or object has
 * (toString, valueOf, constructor, call, bind ...), which keeps its usual meaning.
 */
export const isReserved = (prop: string | symbol): boolean => typeof prop === 'symbol' || ABSENT.has(prop) || prop in Object.prototype || prop in Function.prototype;

/** A reserved name's answer on `target`: absent for the probes, the inherited value otherwise. */
export const reservedValue = (target: object, prop: string | symbol): unknown => (typeof prop === 'string' && ABSENT.has(prop) ? undefined : Reflect.get(target, prop));

/** The last part of a procedure call's path: `client.tasks.get.query(...)`. */
const CALLS: ReadonlySet<string> = new Set(['query', 'mutate']);

/**
 * The tRPC proxy, with every call's failure rethrown as a GreenlightError (a server not
 * reached names the procedure's URL under `base` and the network's reason). Built as
 * a proxy over paths so it needs no list of procedures and keeps the router's types.
 * Only `<path>.query()` and `<path>.mutate()` are calls; anything else called throws a
 * TypeError at once, like calling a missing method (no stray request, no unhandled rejection).
 */
function withErrors<T extends object>(target: T, base: string, path: string[] = []): T {
  const fn = (() => {}) as unknown as T;
  return new Proxy(fn, {
    get: (t, prop) => (isReserved(prop) ? reservedValue(t, prop) : withErrors(target, base, [...path, prop as string])),
    apply: (_t, _this, args: unknown[]) => {
      if (!CALLS.has(path[path.length - 1] ?? '')) throw new TypeError(`client.${path.join('.')} is not a function`);
      let node: unknown = target;
      for (const p of path) node = (node as Record<string, unknown>)[p];
      const signal = (args[1] as { signal?: AbortSignal } | undefined)?.signal;
      const call = async () => {
        try {
          return await (node as (...a: unknown[]) => Promise<unknown>)(...args);
        } catch (err) {
          // However fetch reported it, a call its caller aborted is CLIENT_CLOSED_REQUEST.
          if (signal?.aborted) throw GreenlightError.aborted(path.slice(0, -1).join('.'), signal);
          throw GreenlightError.from(err).withUrl(`${base}/trpc/${path.slice(0, -1).join('.')}`);
        }
      };
      return call();
    },
  });
}

export function createApi(opts: ClientOptions): Api {
  const base = opts.url.replace(/\/+$/, '');
  const linkOpts = {
    url: `${base}/trpc`,
    headers: (): Record<string, string> => (opts.csrf !== undefined ? { 'x-greenlight-csrf': opts.csrf } : { authorization: `Bearer ${opts.key}` }),
    ...(opts.fetch ? { fetch: opts.fetch } : {}),
  };
  const client = createTRPCClient<AppRouter>({
    links: [opts.batch === true ? httpBatchLink({ ...linkOpts, maxItems: 50 }) : httpLink(linkOpts)],
  });
  return withErrors(client, base);
}
