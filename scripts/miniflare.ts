/**
 * Greenlight on Miniflare without wrangler's dev proxy: `npm run serve` and the bench's
 * production-like mode. The Worker is the bundle wrangler builds for deploy
 * (`wrangler deploy --dry-run`); its bindings, Durable Objects and assets come from
 * wrangler.toml as wrangler itself reads it, so nothing here restates the config.
 * Requests reach workerd directly: no Node proxy in front, no file watcher, no
 * trace store. State lives in `<persistTo>/v3`, the layout `wrangler dev` uses, so
 * `npm start` and `npm run serve` see the same workspaces.
 */
import { join } from 'node:path';
import { convertV4MiniflareOptions, Log, LogLevel, Miniflare } from 'miniflare';
import { unstable_getMiniflareWorkerOptions, unstable_readConfig } from 'wrangler';
import { buildWorker, quietly, WRANGLER_CONFIG as CONFIG } from './bundle.ts';
import { ROOT_DIR, waitHealthy, whileStarting, type LocalServer } from './local.ts';
import { ensureWebBuilt } from './web.ts';

export type MiniflareOptions = {
  port: number;
  /** SQLite state, as `wrangler dev --persist-to`. */
  persistTo: string;
  /** Variables and secrets for the Worker (GREENLIGHT_ROOT_TOKEN, ...), never put on a command line. */
  vars: Record<string, string>;
  /** Where the bundle is written (default .wrangler/serve). */
  buildDir?: string;
  quiet?: boolean;
  /** Minify like `npm run deploy` (default); off keeps function names readable in a profile. */
  minify?: boolean;
  /** Open workerd's inspector (DevTools protocol) on this port, for profiling. */
  inspectorPort?: number;
  /** Another entry module than wrangler.toml's main (the bench's apps/api/src/bench-worker.ts), relative to the root. */
  main?: string;
};

export type MiniflareServer = LocalServer & { miniflare: Miniflare };

export async function startMiniflare(opts: MiniflareOptions): Promise<MiniflareServer> {
  const { port, persistTo, vars, buildDir = join(ROOT_DIR, '.wrangler', 'serve'), quiet = true, minify = true, inspectorPort, main } = opts;
  ensureWebBuilt();
  const script = await buildWorker(buildDir, minify, main);
  const { name, configVars, workerOptions } = quietly(() => {
    const config = unstable_readConfig({ config: CONFIG });
    return { name: config.name, configVars: config.vars, workerOptions: unstable_getMiniflareWorkerOptions(config).workerOptions };
  });
  // The bundle needs no module rules (Miniflare 5 refuses to convert them anyway).
  const { modulesRules: _rules, ...options } = workerOptions;
  const miniflare = new Miniflare(
    convertV4MiniflareOptions({
      host: '127.0.0.1',
      port,
      rootPath: ROOT_DIR,
      resourcePersistencePath: join(persistTo, 'v3'),
      log: new Log(quiet ? LogLevel.WARN : LogLevel.INFO),
      // Offline: a fixed placeholder for request.cf instead of fetching one from Cloudflare.
      cf: false,
      ...(inspectorPort !== undefined ? { inspectorPort } : {}),
      workers: [
        {
          ...options,
          // The same name as under wrangler dev: the objects' storage is keyed by it.
          name: name ?? 'greenlight',
          scriptPath: script,
          modules: true,
          modulesRoot: buildDir,
          // wrangler.toml's [vars], then ours; not .dev.vars, which wrangler's reader would add.
          bindings: { ...configVars, ...vars },
        },
      ],
    }),
  );
  const url = `http://127.0.0.1:${port}`;
  let failure: string | undefined;
  miniflare.ready.catch((e: unknown) => (failure = String(e)));
  try {
    // A stop asked for meanwhile (Ctrl+C) disposes of it: workerd does not outlive us.
    await whileStarting(
      () => miniflare.dispose(),
      (async () => {
        await miniflare.ready;
        await waitHealthy(url, { timeoutMs: 30_000, what: 'Miniflare', failed: () => failure });
      })(),
    );
  } catch (e) {
    await miniflare.dispose().catch(() => undefined);
    throw e;
  }
  return { url, miniflare, stop: () => miniflare.dispose() };
}
