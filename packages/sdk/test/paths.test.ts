/**
 * The file handlers read a step's path through core's canonicalPath (issue 11, item 2):
 * the file they touch is the file the policy judged, and a path with no single meaning
 * is refused before anything is written.
 */
import fc from 'fast-check';
import { mkdtemp, readdir, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { canonicalPath } from '@greenlight/core';
import { fileHandlers } from '../src/node/index.ts';
import { resolveInside } from '../src/node/paths.ts';
import { claimed, codeOf, ctx } from './fixtures.ts';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'greenlight-paths-'));
});
afterEach(async () => rm(root, { recursive: true, force: true }));

describe('the handlers and the policy agree on paths', () => {
  it('refuses paths with no single meaning, and writes nothing', async () => {
    const files = fileHandlers({ root });
    for (const path of ['a\\b.txt', 'C:/x.txt', '~/x.txt']) {
      expect(await codeOf(files.edit_file(claimed('edit_file', { path, content: 'x' }), ctx())), path).toBe('path_ambiguous');
    }
    expect(await codeOf(files.edit_file(claimed('edit_file', { path: 'a/../../x.txt', content: 'x' }), ctx()))).toBe('path_escape');
    expect(await readdir(root)).toEqual([]);
  });

  it('writes the NFC name, the name the policy judged', async () => {
    const files = fileHandlers({ root });
    await files.edit_file(claimed('edit_file', { path: 'caf\u0065\u0301.txt', content: 'x' }), ctx());
    expect(await readdir(root)).toEqual(['caf\u00e9.txt']);
  });

  it('for generated relative paths, the file is root + the canonical path', async () => {
    const real = await realpath(root);
    const seg = fc.oneof(
      fc.constantFrom('.', '..foo', '.git', '.github', 'a b', 'caf\u0065\u0301', '', 'x/..'),
      fc.stringMatching(/^[a-z0-9._-]{1,8}$/).filter((s) => s !== '..'),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(seg, { minLength: 1, maxLength: 5 }), async (segs) => {
        const path = segs.join('/');
        const c = canonicalPath(path);
        if (!c.ok || c.absolute) return;
        const { named } = await resolveInside(root, path);
        expect(named).toBe(c.path === '.' ? real : join(real, c.path));
      }),
      { numRuns: 200 },
    );
  });
});
