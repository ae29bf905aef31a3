/** The web page's build: the Worker serves apps/web/dist, and wrangler will not start without it. */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const WEB = join(ROOT, 'apps', 'web');

/** Build the page once if it has never been built (npm start and npm test always build first). */
export function ensureWebBuilt(): void {
  if (existsSync(join(WEB, 'dist', 'index.html'))) return;
  const vite = join(dirname(createRequire(join(WEB, 'package.json')).resolve('vite/package.json')), 'bin', 'vite.js');
  const r = spawnSync(process.execPath, [vite, 'build', '--logLevel', 'warn'], { cwd: WEB, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('building the web page (apps/web) failed');
}
