/**
 * `npm run docs:states`: write the state diagrams of docs/architecture.md from core's transition
 * tables (scripts/states/render.ts). `--check` only compares, and exits 1 when the
 * file is out of date.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT_DIR } from './local.ts';
import { withStates } from './states/render.ts';

/** Where the diagrams live (moved from the README with the rest of the architecture, issue 16). */
const DOC = join(ROOT_DIR, 'docs', 'architecture.md');
const current = readFileSync(DOC, 'utf8');
const next = withStates(current);
if (process.argv.includes('--check')) {
  if (current !== next) {
    console.error('docs/architecture.md state diagrams are out of date: run npm run docs:states');
    process.exit(1);
  }
  console.log('docs/architecture.md state diagrams are up to date');
} else {
  writeFileSync(DOC, next);
  console.log(current === next ? 'docs/architecture.md state diagrams unchanged' : 'wrote the state diagrams into docs/architecture.md');
}
