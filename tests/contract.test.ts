/**
 * The API contract without the runtime (issue 12 item 6): the SDK, the CLI and the web
 * page type against `AppRouter` from @greenlight/api/contract, and none of them loads the
 * Worker's generated types (apps/api/worker-configuration.d.ts, 16k lines) or a
 * `cloudflare:*` module. Checked on the compiler's own list of the files it loads, so a
 * stray import of the Worker (or its types put back in a tsconfig) fails here.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT_DIR } from '../scripts/local.ts';

const require = createRequire(import.meta.url);
const TSC = require.resolve('typescript/bin/tsc');

/** A `cloudflare:*` module imported or declared (the Worker types declare `cloudflare:workers`). */
const CLOUDFLARE_MODULE = /(?:from\s*|import\s*\(\s*|declare\s+module\s+|require\s*\(\s*)['"]cloudflare:[a-z-]+['"]/;

/** Every file tsc loads to type-check the project at `dir` (its tsconfig.json), as absolute paths. */
function loadedFiles(dir: string): string[] {
  const out = execFileSync(process.execPath, [TSC, '--noEmit', '--listFiles', '-p', join(ROOT_DIR, dir)], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return out
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.endsWith('.ts') || l.endsWith('.mts') || l.endsWith('.cts') || l.endsWith('.tsx'));
}

const tsconfig = (dir: string): string => readFileSync(join(ROOT_DIR, dir, 'tsconfig.json'), 'utf8');

describe('the API contract without the runtime', () => {
  it("the SDK type-checks without loading worker-configuration.d.ts, @cloudflare types, the Worker's object or any cloudflare: module", () => {
    const files = loadedFiles('packages/sdk');
    // It does load the router through the contract (the check would be empty otherwise).
    expect(files.some((f) => f.endsWith('apps/api/src/contract/index.ts'))).toBe(true);
    expect(files.some((f) => f.endsWith('apps/api/src/router.ts'))).toBe(true);
    expect(files.filter((f) => f.endsWith('worker-configuration.d.ts'))).toEqual([]);
    expect(files.filter((f) => f.includes('@cloudflare/'))).toEqual([]);
    expect(files.filter((f) => /apps\/api\/src\/(workspace|registry|index)\b/.test(f))).toEqual([]);
    expect(files.filter((f) => CLOUDFLARE_MODULE.test(readFileSync(f, 'utf8')))).toEqual([]);
  }, 120_000);

  it('the SDK, the CLI and the page are type-checked with no Worker types (so any import of the Worker fails their typecheck)', () => {
    for (const dir of ['packages/sdk', 'packages/cli', 'apps/web']) {
      const text = tsconfig(dir);
      expect({ dir, worker: text.includes('worker-configuration'), cloudflare: text.includes('@cloudflare') }).toEqual({ dir, worker: false, cloudflare: false });
    }
    // The contract itself is type-checked alone with no types at all (apps/api's typecheck script).
    expect(readFileSync(join(ROOT_DIR, 'apps/api/package.json'), 'utf8')).toContain('tsc --noEmit -p tsconfig.contract.json');
  });

  it('the SDK, the CLI and the page import the API only through its contract', () => {
    const client = readFileSync(join(ROOT_DIR, 'packages/sdk/src/client.ts'), 'utf8');
    expect(client).toContain("from '@greenlight/api/contract'");
    const offenders: string[] = [];
    for (const dir of ['packages/sdk', 'packages/cli', 'apps/web']) {
      for (const file of readdirSync(join(ROOT_DIR, dir), { recursive: true, encoding: 'utf8' })) {
        // dist/ is the packed build (scripts/pack): its declarations of the contract are the contract's own.
        if (!/\.(ts|tsx)$/.test(file) || file.includes('node_modules') || file.split('/')[0] === 'dist') continue;
        const text = readFileSync(join(ROOT_DIR, dir, file), 'utf8');
        if (/from\s+['"]@greenlight\/api(?!\/contract['"])/.test(text) || /from\s+['"][./]*apps\/api\//.test(text)) offenders.push(`${dir}/${file}`);
      }
    }
    expect(offenders).toEqual([]);
    // And the package offers nothing else to import but the Worker itself.
    const pkg = JSON.parse(readFileSync(join(ROOT_DIR, 'apps/api/package.json'), 'utf8')) as { exports: Record<string, string> };
    expect(Object.keys(pkg.exports).sort()).toEqual(['.', './contract']);
  });
});
