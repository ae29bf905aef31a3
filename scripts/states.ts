/**
 * `npm run docs:states`: write the README's state diagrams from core's transition
 * tables (scripts/states/render.ts). `--check` only compares, and exits 1 when the
 * README is out of date.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT_DIR } from './local.ts';
import { withStates } from './states/render.ts';

const README = join(ROOT_DIR, 'README.md');
const current = readFileSync(README, 'utf8');
const next = withStates(current);
if (process.argv.includes('--check')) {
  if (current !== next) {
    console.error('README.md state diagrams are out of date: run npm run docs:states');
    process.exit(1);
  }
  console.log('README.md state diagrams are up to date');
} else {
  writeFileSync(README, next);
  console.log(current === next ? 'README.md state diagrams unchanged' : 'wrote the state diagrams into README.md');
}
