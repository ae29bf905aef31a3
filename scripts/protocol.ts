/**
 * `npm run docs:protocol`: write docs/protocol.md, the wire protocol reference, from
 * the router and core's schemas (apps/api/protocol/render.ts). `--check` only compares, and
 * exits 1 when the committed file is out of date.
 */
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ROOT_DIR } from './local.ts';
import { renderProtocol } from '../apps/api/protocol/render.ts';

export const PROTOCOL_DOC = join(ROOT_DIR, 'docs', 'protocol.md');

const text = renderProtocol();
if (process.argv.includes('--check')) {
  const current = existsSync(PROTOCOL_DOC) ? readFileSync(PROTOCOL_DOC, 'utf8') : '';
  if (current !== text) {
    console.error('docs/protocol.md is out of date: run npm run docs:protocol');
    process.exit(1);
  }
  console.log('docs/protocol.md is up to date');
} else {
  mkdirSync(dirname(PROTOCOL_DOC), { recursive: true });
  writeFileSync(PROTOCOL_DOC, text);
  console.log(`wrote docs/protocol.md (${text.length} characters)`);
}
