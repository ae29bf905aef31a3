/**
 * Helpers for browser tests: build the review page and measure its JS. Shared so
 * every browser test runs the page exactly as `npm start` serves it. The browser
 * itself comes from chromium.ts.
 */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { ROOT_DIR } from '../../scripts/server.ts';

const require = createRequire(import.meta.url);
export const WEB_DIR = join(ROOT_DIR, 'apps', 'web');
export const RESULTS_DIR = join(ROOT_DIR, 'test-results');

/** `vite build` of apps/web into apps/web/dist, with this Node, so the test never serves a stale page. */
export async function buildPage(): Promise<void> {
  const vite = join(dirname(require.resolve('vite/package.json', { paths: [WEB_DIR] })), 'bin', 'vite.js');
  await promisify(execFile)(process.execPath, [vite, 'build', '--logLevel', 'warn'], { cwd: WEB_DIR });
}

/** Bytes of the page's JavaScript, raw and gzipped (what a browser downloads). */
export function jsSize(): { raw: number; gzip: number } {
  const assets = join(WEB_DIR, 'dist', 'assets');
  let raw = 0;
  let gzip = 0;
  for (const name of readdirSync(assets).filter((f) => f.endsWith('.js'))) {
    const bytes = readFileSync(join(assets, name));
    raw += bytes.length;
    gzip += gzipSync(bytes, { level: 9 }).length;
  }
  return { raw, gzip };
}
