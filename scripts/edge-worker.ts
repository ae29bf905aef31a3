/**
 * The edge of `npm run serve` on bare workerd (serve-workerd.ts): what Cloudflare's asset
 * router does in front of the Worker in production, for this project's `[assets]`. It
 * wraps the deploy bundle's default export in the same isolate (an entry module imports
 * the bundle unchanged and exports `edge(worker, config)`), so no Miniflare entry, proxy
 * or router layer, and no second isolate, sits in an API call's path.
 *
 * - A path in `run_worker_first` goes straight to the Worker (the API never waits for
 *   an asset lookup).
 * - Otherwise a GET or HEAD looks for a file in the assets directory (served by a
 *   workerd disk service), with Cloudflare's default `html_handling`
 *   ("auto-trailing-slash": `/` and `/x/` serve `index.html`, `/x` serves `x.html`,
 *   `/x.html` and `/x/index.html` redirect to their short form) and the `_headers`
 *   rules applied; a miss goes to the Worker, as `not_found_handling = "none"` does.
 * - `_headers`, `_redirects` and dotfiles are never served.
 * Sources: developers.cloudflare.com/workers/static-assets/routing/ and .../headers/.
 */

/** One `_headers` block: a URL pattern (`*` matches anything, `/` included) and the headers it sets. */
export type HeaderRule = { pattern: string; set: Record<string, string> };
export type EdgeConfig = { workerFirst: string[]; headers: HeaderRule[] };
/** The assets directory, served by a workerd disk service (bound under a name the app does not use). */
export const STATIC_BINDING = '__GREENLIGHT_SERVE_STATIC';
type EdgeEnv = { [STATIC_BINDING]: Fetcher };

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  mjs: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  json: 'application/json',
  map: 'application/json',
  svg: 'image/svg+xml',
  png: 'image/png',
  ico: 'image/x-icon',
  webp: 'image/webp',
  woff2: 'font/woff2',
  txt: 'text/plain; charset=utf-8',
  webmanifest: 'application/manifest+json',
};

const globToRegExp = (pattern: string) => new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);

type Rules = { workerFirst: RegExp[]; negated: RegExp[]; headers: { re: RegExp; set: Record<string, string> }[] };
function compile(config: EdgeConfig): Rules {
  return {
    workerFirst: config.workerFirst.filter((p) => !p.startsWith('!')).map(globToRegExp),
    negated: config.workerFirst.filter((p) => p.startsWith('!')).map((p) => globToRegExp(p.slice(1))),
    headers: config.headers.map((h) => ({ re: globToRegExp(h.pattern), set: h.set })),
  };
}

/** Files to try for a path, in order, or a redirect to its canonical form. */
function candidates(path: string): { files: string[] } | { redirect: string } {
  if (path.endsWith('/index.html')) return { redirect: path.slice(0, -'index.html'.length) };
  if (path.endsWith('.html')) return { redirect: path.slice(0, -'.html'.length) };
  if (path.endsWith('/')) return { files: [`${path}index.html`] };
  return { files: [path, `${path}.html`] };
}

async function asset(request: Request, url: URL, env: EdgeEnv, rules: Rules): Promise<Response | undefined> {
  if (request.method !== 'GET' && request.method !== 'HEAD') return undefined;
  let path: string;
  try {
    path = decodeURIComponent(url.pathname);
  } catch {
    return undefined;
  }
  // Nothing outside the directory, no dotfiles, no configuration files.
  if (path.split('/').some((seg) => seg === '..' || seg.startsWith('.')) || /^\/_(headers|redirects)$/.test(path)) return undefined;
  const c = candidates(path);
  if ('redirect' in c) {
    const found = await asset(new Request(new URL(c.redirect, url), { method: 'GET' }), new URL(c.redirect + url.search, url), env, rules);
    if (!found) return undefined;
    return new Response(null, { status: 307, headers: { location: c.redirect + url.search } });
  }
  for (const file of c.files) {
    const res = await env[STATIC_BINDING].fetch(`http://assets${encodeURI(file)}`);
    // A directory answers with a listing (JSON); only plain files are assets.
    if (!res.ok || (res.headers.get('content-type')?.startsWith('application/json') === true && !file.endsWith('.json'))) {
      await res.body?.cancel();
      continue;
    }
    const headers = new Headers({ 'content-type': TYPES[file.slice(file.lastIndexOf('.') + 1)] ?? 'application/octet-stream', 'cache-control': 'public, max-age=0, must-revalidate' });
    for (const h of rules.headers) if (h.re.test(url.pathname)) for (const [k, v] of Object.entries(h.set)) headers.set(k, v);
    if (request.method === 'HEAD') {
      await res.body?.cancel();
      return new Response(null, { headers });
    }
    return new Response(res.body, { headers });
  }
  return undefined;
}

/**
 * The Worker `worker` behind the edge: `run_worker_first` paths go to it directly (one
 * regex test), other GET/HEAD requests are looked up as assets first, and any miss goes
 * to it as well. Everything else of the bundle (its objects) is re-exported beside it.
 */
export function edge<E>(worker: { fetch: (request: Request, env: E, ctx: ExecutionContext) => Response | Promise<Response> }, config: EdgeConfig): ExportedHandler<E & EdgeEnv> {
  const rules = compile(config);
  const workerFirst = (path: string) => rules.workerFirst.some((re) => re.test(path)) && !rules.negated.some((re) => re.test(path));
  return {
    async fetch(request, env, ctx) {
      const url = new URL(request.url);
      if (workerFirst(url.pathname)) return worker.fetch(request, env, ctx);
      return (await asset(request, url, env, rules)) ?? worker.fetch(request, env, ctx);
    },
  };
}
