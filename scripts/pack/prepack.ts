/**
 * `prepack` / `postpack` of a publishable package (run by `npm pack` in its folder):
 * `node scripts/pack/prepack.ts` builds dist/ and swaps in the manifest that points at it
 * (the repository's own is kept in .package.dev.json); `--restore` (postpack) puts the
 * repository's manifest back. A pack that died in between is repaired by the next run.
 */
import { existsSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildPackage } from './build.ts';

const dir = process.cwd();
const manifest = join(dir, 'package.json');
const saved = join(dir, '.package.dev.json');

/** Put the repository's manifest back, if a pack swapped it out. */
export function restore(): void {
  if (existsSync(saved)) renameSync(saved, manifest);
}

restore();
if (!process.argv.includes('--restore')) {
  const published = await buildPackage(dir);
  const next = join(dir, '.package.publish.json');
  writeFileSync(next, `${JSON.stringify(published, null, 2)}\n`);
  renameSync(manifest, saved);
  renameSync(next, manifest);
}
