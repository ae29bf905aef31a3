/**
 * The Worker bundle `npm run deploy` ships, built locally (`wrangler deploy --dry-run`),
 * for the local modes that run it without wrangler's dev server: `npm run serve` on bare
 * workerd (serve-workerd.ts) and Miniflare (miniflare.ts, the bench's comparison).
 */
import { basename, join } from 'node:path';
import { exitOf, OFFLINE_ENV, ROOT_DIR, spawnGroup, WRANGLER_JS } from './local.ts';

export const WRANGLER_CONFIG = join(ROOT_DIR, 'wrangler.toml');

/** Bundle the Worker exactly as `npm run deploy` would (minified), without uploading it. */
export async function buildWorker(outDir: string, minify = true, main?: string): Promise<string> {
  // Its own process group: a Ctrl+C during the build stops wrangler and its esbuild too.
  const child = spawnGroup([WRANGLER_JS, 'deploy', '-c', WRANGLER_CONFIG, '--dry-run', ...(minify ? ['--minify'] : []), '--outdir', outDir, ...(main ? [main] : [])], {
    cwd: ROOT_DIR,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...OFFLINE_ENV, WRANGLER_LOG: 'warn' },
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  await exitOf(child);
  const code = child.exitCode;
  if (code !== 0) throw new Error(`wrangler deploy --dry-run failed (${code}):\n${output}`);
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
