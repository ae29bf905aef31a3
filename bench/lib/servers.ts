/**
 * The two local modes the bench measures, each started fresh in a temporary directory
 * from the bench's entry (apps/api/src/bench-worker.ts: the Worker plus its bench routes
 * and object methods) with GREENLIGHT_BENCH=1 and a throwaway root token:
 * - serve:     `npm run serve`: the deploy bundle on bare workerd (production-like);
 * - miniflare: the same bundle on Miniflare (what serve was before issue 17), for comparison;
 * - dev:       `npm start`'s `wrangler dev`.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, type LocalServer } from '../../scripts/local.ts';
import { startMiniflare } from '../../scripts/miniflare.ts';
import { startWorkerdServe } from '../../scripts/serve-workerd.ts';
import { startServer } from '../../scripts/server.ts';
import type { Machine } from './machine.ts';
import type { Mode } from './report.ts';

/** The Worker with the bench surface; production's entry (wrangler.toml's main) has none. */
const BENCH_ENTRY = 'apps/api/src/bench-worker.ts';

/** `machine`: the run's bare-workerd floor (lib/machine.ts), for suites that sample it in turns with their figure. */
export type BenchServer = LocalServer & { mode: Mode; rootToken: string; startMs: number; machine?: Machine };

/** `serve` only: an unminified bundle and an open inspector, for bench/profile.ts. */
export type ProfileOptions = { minify?: boolean; inspectorPort?: number; edge?: boolean };

export async function startMode(mode: Mode, profile: ProfileOptions = {}): Promise<BenchServer> {
  const dir = mkdtempSync(join(tmpdir(), `greenlight-bench-${mode}-`));
  const rootToken = `bench_${randomBytes(18).toString('base64url')}`;
  const vars = { GREENLIGHT_ROOT_TOKEN: rootToken, GREENLIGHT_BENCH: '1' };
  const port = await freePort();
  const main = BENCH_ENTRY;
  const started = performance.now();
  let server: LocalServer;
  if (mode === 'serve') {
    server = await startWorkerdServe({ port, persistTo: join(dir, 'state'), vars, buildDir: join(dir, 'build'), main, ...profile });
  } else if (mode === 'miniflare') {
    server = await startMiniflare({ port, persistTo: join(dir, 'state'), vars, buildDir: join(dir, 'build'), main, ...profile });
  } else {
    const envFile = join(dir, 'env');
    writeFileSync(
      envFile,
      Object.entries(vars)
        .map(([k, v]) => `${k}=${v}\n`)
        .join(''),
      { mode: 0o600 },
    );
    server = await startServer({ port, persistTo: join(dir, 'state'), envFile, main });
  }
  const startMs = performance.now() - started;
  return {
    mode,
    url: server.url,
    rootToken,
    startMs,
    async stop() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
