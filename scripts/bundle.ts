/**
 * The Worker bundle `npm run deploy` ships, built locally (`wrangler deploy --dry-run`),
 * for the local modes that run it without wrangler's dev server: `npm run serve` on bare
 * workerd (serve-workerd.ts) and Miniflare (miniflare.ts, the bench's comparison).
 */
import { basename, join } from 'node:path';
import { exitOf, OFFLINE_ENV, ROOT_DIR, spawnGroup, WRANGLER_JS } from './local.ts';

export const WRANGLER_CONFIG = join(ROOT_DIR, 'wrangler.toml');

/**
 * `wrangler deploy --dry-run` of `config` into `outDir`, offline and quiet, in its own
 * process group (a Ctrl+C during the build stops wrangler and its esbuild too). `args`
 * go after the fixed ones (`--minify`, an entry module). Throws with wrangler's output
 * (its last 4,000 characters) when it fails.
 */
export async function wranglerBundle(config: string, cwd: string, outDir: string, args: string[] = []): Promise<void> {
  const child = spawnGroup([WRANGLER_JS, 'deploy', '-c', config, '--dry-run', '--outdir', outDir, ...args], {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...OFFLINE_ENV, WRANGLER_LOG: 'warn' },
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  await exitOf(child);
  if (child.exitCode !== 0) throw new Error(`wrangler deploy --dry-run -c ${config} failed (${child.exitCode}):\n${output.slice(-4_000)}`);
}

/** Bundle the Worker exactly as `npm run deploy` would (minified), without uploading it; the bundle's path. */
export async function buildWorker(outDir: string, minify = true, main?: string): Promise<string> {
  await wranglerBundle(WRANGLER_CONFIG, ROOT_DIR, outDir, [...(minify ? ['--minify'] : []), ...(main ? [main] : [])]);
  // The bundle is named after its entry module.
  return join(outDir, `${main ? basename(main).replace(/\.ts$/, '') : 'index'}.js`);
}

/** Run wrangler's config reader without its chatter ("Using secrets defined in .dev.vars"). */
export function quietly<T>(fn: () => T): T {
  const before = process.env.WRANGLER_LOG;
  process.env.WRANGLER_LOG = 'warn';
  try {
    return fn();
  } finally {
    if (before === undefined) delete process.env.WRANGLER_LOG;
    else process.env.WRANGLER_LOG = before;
  }
}
