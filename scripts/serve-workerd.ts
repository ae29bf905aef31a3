/**
 * Greenlight on bare workerd: `npm run serve` and the bench's serve mode. The Worker is
 * the bundle `npm run deploy` ships (bundle.ts); its bindings, objects and assets come
 * from wrangler.toml as wrangler reads it. In front of it is only edge-worker.ts (the
 * asset routing Cloudflare does in production); no Miniflare entry worker, no proxy,
 * no Node process in the request path (docs/serving.md says what that saves).
 *
 * State lives in `<persistTo>/v3/do/<name>-<Class>/`, the layout wrangler dev and
 * Miniflare use (same unique keys, so the same object ids): `npm start` and
 * `npm run serve` see the same workspaces.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { transformSync } from 'esbuild';
import { unstable_readConfig } from 'wrangler';
import { buildWorker, quietly, WRANGLER_CONFIG } from './bundle.ts';
import { STATIC_BINDING, type EdgeConfig, type HeaderRule } from './edge-worker.ts';
import { ROOT_DIR } from './local.ts';
import { ensureWebBuilt } from './web.ts';
import { startWorkerd, type Binding, type WorkerdServer } from './workerd.ts';

export type WorkerdServeOptions = {
  port: number;
  /** SQLite state, as `wrangler dev --persist-to`. */
  persistTo: string;
  /** Variables and secrets for the Worker; passed through workerd's environment, never written to its config. */
  vars: Record<string, string>;
  /** Where the bundle and the config are written (default .wrangler/serve). */
  buildDir?: string;
  /** Minify like `npm run deploy` (default); off keeps function names readable in a profile. */
  minify?: boolean;
  /** Open workerd's inspector on this port, for profiling. */
  inspectorPort?: number;
  /** Another entry module than wrangler.toml's main (the bench's apps/api/src/bench-worker.ts), relative to the root. */
  main?: string;
  quiet?: boolean;
  /** false: the bundle's own entry, with no asset routing (only for measuring what the edge costs). */
  edge?: boolean;
};

/**
 * Parse a `_headers` file: an unindented line is a URL pattern, the indented
 * `Name: value` lines under it are the headers it sets (comments start with #).
 * Detaching (`! Name`) is not used by this project and is refused rather than ignored.
 */
export function parseHeaders(text: string): HeaderRule[] {
  const rules: HeaderRule[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (!line.trim() || line.trim().startsWith('#')) continue;
    if (!/^\s/.test(line)) {
      rules.push({ pattern: line.trim(), set: {} });
      continue;
    }
    const rule = rules.at(-1);
    const m = /^\s+([^:!\s][^:]*):\s*(.*)$/.exec(line);
    if (!rule || !m) throw new Error(`_headers: cannot read line "${line.trim()}"`);
    rule.set[m[1]!.trim().toLowerCase()] = m[2]!.trim();
  }
  return rules;
}

/** The generated entry module: the bundle behind the edge. */
const ENTRY = 'serve-entry.js';

/** Env var names for the Worker's secrets: prefixed, so no other variable of workerd's environment can stand in for one. */
const envName = (name: string) => `GREENLIGHT_WORKERD_${name}`;

export async function startWorkerdServe(opts: WorkerdServeOptions): Promise<WorkerdServer> {
  const { port, persistTo, vars, buildDir = join(ROOT_DIR, '.wrangler', 'serve'), minify = true, inspectorPort, main, quiet = true, edge: withEdge = true } = opts;
  ensureWebBuilt();
  const script = await buildWorker(buildDir, minify, main);
  const config = quietly(() => unstable_readConfig({ config: WRANGLER_CONFIG }));
  const name = config.name ?? 'greenlight';
  // Every module wrangler wrote goes in; anything but JavaScript would need its own module type.
  const others = readdirSync(buildDir).filter((f) => !/\.(m?js|map|md|capnp)$/.test(f));
  if (others.length) throw new Error(`serve: the bundle has modules this launcher does not load: ${others.join(', ')}`);

  const assetsDir = config.assets?.directory ? join(dirname(WRANGLER_CONFIG), config.assets.directory) : undefined;
  const headersFile = assetsDir ? join(assetsDir, '_headers') : undefined;
  const edge: EdgeConfig = {
    workerFirst: Array.isArray(config.assets?.run_worker_first) ? config.assets.run_worker_first : config.assets?.run_worker_first === true ? ['/*'] : [],
    headers: headersFile && existsSync(headersFile) ? parseHeaders(readFileSync(headersFile, 'utf8')) : [],
  };
  mkdirSync(buildDir, { recursive: true });
  writeFileSync(join(buildDir, 'edge-worker.js'), transformSync(readFileSync(join(ROOT_DIR, 'scripts', 'edge-worker.ts'), 'utf8'), { loader: 'ts', format: 'esm', target: 'es2023' }).code);
  // The entry: the bundle, unchanged, behind the edge in the same isolate.
  const bundle = `./${basename(script)}`;
  writeFileSync(
    join(buildDir, ENTRY),
    [
      `import worker from ${JSON.stringify(bundle)};`,
      `import { edge } from './edge-worker.js';`,
      `export * from ${JSON.stringify(bundle)};`,
      `export default edge(worker, ${JSON.stringify(edge)});`,
      '',
    ].join('\n'),
  );

  const bindings: Binding[] = [
    ...Object.entries(config.vars ?? {})
      .filter(([k]) => !(k in vars))
      .map(([k, v]): Binding => (typeof v === 'string' ? { name: k, text: v } : { name: k, json: JSON.stringify(v) })),
    ...Object.keys(vars).map((k): Binding => ({ name: k, fromEnvironment: envName(k) })),
    ...(config.durable_objects?.bindings ?? []).map((b: { name: string; class_name: string }): Binding => ({ name: b.name, durableObjectNamespace: b.class_name })),
    ...(assetsDir ? [{ name: STATIC_BINDING, service: 'assets' }] : []),
  ];
  // The entry first; then the bundle and whatever else wrangler wrote beside it.
  const first = withEdge ? [ENTRY, basename(script)] : [basename(script)];
  const modules = [...first, ...readdirSync(buildDir).filter((f) => /\.m?js$/.test(f) && !first.includes(f) && (withEdge || (f !== 'edge-worker.js' && f !== ENTRY)))];
  const compatibilityDate = config.compatibility_date ?? '2026-10-01';
  return startWorkerd({
    port,
    dir: buildDir,
    entry: name,
    quiet,
    ...(inspectorPort !== undefined ? { inspectorPort } : {}),
    env: Object.fromEntries(Object.entries(vars).map(([k, v]) => [envName(k), v])),
    services: [
      {
        worker: {
          name,
          modules: modules.map((f) => ({ name: f, path: join(buildDir, f) })),
          compatibilityDate,
          compatibilityFlags: config.compatibility_flags ?? [],
          bindings,
          durableObjects: (config.durable_objects?.bindings ?? []).map((b: { class_name: string }) => ({ className: b.class_name, uniqueKey: `${name}-${b.class_name}` })),
          storage: 'do',
          globalOutbound: 'internet',
        },
      },
      { disk: { name: 'do', path: join(persistTo, 'v3', 'do'), writable: true } },
      ...(assetsDir ? [{ disk: { name: 'assets', path: assetsDir, writable: false } }] : []),
      // Webhooks: the Worker itself refuses private targets unless WEBHOOK_ALLOW_PRIVATE (local development) says otherwise.
      { network: { name: 'internet', allow: ['public', 'private', 'local'] } },
    ],
  });
}
