/** edit_file and delete_file against real temp directories: stale bases, escapes, real patches, exact bytes. */
import { isUtf8 } from 'node:buffer';
import { execFileSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile, lstat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createPatch, createTwoFilesPatch, parsePatch } from 'diff';
import { fileHandlers, sha256File } from '../src/node/index.ts';
import { claimed, codeOf, ctx } from './fixtures.ts';
import { b, bytesOf, edited, editsArb, fileArb, type Encoding } from './generators.ts';

let root: string;
let outside: string;
let files: ReturnType<typeof fileHandlers>;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'greenlight-root-'));
  outside = await mkdtemp(join(tmpdir(), 'greenlight-outside-'));
  files = fileHandlers({ root });
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
  await rm(outside, { recursive: true, force: true });
});

const edit = (params: Record<string, unknown>, baseHash?: string) => files.edit_file(claimed('edit_file', params, baseHash ? { baseHash } : {}), ctx());
const del = (path: string, extra: Parameters<typeof claimed>[2] = {}) => files.delete_file(claimed('delete_file', { path }, extra), ctx());

describe('edit_file', () => {
  it('applies a unified diff for real when the file is as it was read', async () => {
    const file = join(root, 'src', 'a.ts');
    await mkdir(join(root, 'src'));
    await writeFile(file, 'one\ntwo\nthree\n');
    const baseHash = await sha256File(file);
    const patch = createPatch('src/a.ts', 'one\ntwo\nthree\n', 'one\n2\nthree\n');

    const result = await edit({ path: 'src/a.ts', patch }, baseHash);

    expect(await readFile(file, 'utf8')).toBe('one\n2\nthree\n');
    expect(result).toEqual({ output: { path: 'src/a.ts', created: false, bytes: 12, sha256: await sha256File(file) } });
  });

  it('writes params.content, creating the directories on the way', async () => {
    await edit({ path: 'new/dir/b.txt', content: 'hello\n' });
    expect(await readFile(join(root, 'new', 'dir', 'b.txt'), 'utf8')).toBe('hello\n');
  });

  it('refuses a stale base (stale_base) and leaves the file unchanged on disk', async () => {
    const file = join(root, 'a.txt');
    await writeFile(file, 'as the agent read it\n');
    const baseHash = await sha256File(file);
    await writeFile(file, 'changed by someone else\n');

    expect(await codeOf(edit({ path: 'a.txt', content: 'the approved change\n' }, baseHash))).toBe('stale_base');
    expect(await readFile(file, 'utf8')).toBe('changed by someone else\n');
    const err = await edit({ path: 'a.txt', content: 'x' }, baseHash).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'stale_base', retryable: false });
  });

  it('refuses a stale base when the file was deleted since it was read', async () => {
    expect(await codeOf(edit({ path: 'gone.txt', content: 'x' }, 'a'.repeat(64)))).toBe('stale_base');
    await expect(lstat(join(root, 'gone.txt'))).rejects.toThrow();
  });

  it('fails with patch_failed when the patch does not apply, and with a malformed patch', async () => {
    const file = join(root, 'a.txt');
    await writeFile(file, 'something else\n');
    const patch = createPatch('a.txt', 'one\n', 'two\n');
    expect(await codeOf(edit({ path: 'a.txt', patch }))).toBe('patch_failed');
    const twoFiles = `${createPatch('a.txt', 'something else\n', 'x\n')}${createPatch('b.txt', 'y\n', 'z\n')}`;
    expect(await codeOf(edit({ path: 'a.txt', patch: twoFiles }))).toBe('patch_failed');
    expect(await readFile(file, 'utf8')).toBe('something else\n');
  });

  it('refuses a patch that creates the file (--- /dev/null) when one is there, and one that deletes it (+++ /dev/null): the file is left as it was', async () => {
    const file = join(root, 'config.ts');
    await writeFile(file, 'export const a = 1;\n');
    // Approved as "create config.ts": applied over the existing file it prepended its lines.
    const create = createTwoFilesPatch('/dev/null', 'config.ts', '', 'export const b = 2;\n');
    expect(await codeOf(edit({ path: 'config.ts', patch: create }))).toBe('patch_failed');
    const remove = createTwoFilesPatch('config.ts', '/dev/null', 'export const a = 1;\n', '');
    expect(await codeOf(edit({ path: 'config.ts', patch: remove }))).toBe('patch_failed');
    expect(await readFile(file, 'utf8')).toBe('export const a = 1;\n');
    // Where there is no file, the creating patch creates it.
    expect(await edit({ path: 'new.ts', patch: createTwoFilesPatch('/dev/null', 'new.ts', '', 'x\n') })).toMatchObject({ output: { created: true } });
    expect(await readFile(join(root, 'new.ts'), 'utf8')).toBe('x\n');
  });

  it('refuses a path that climbs out with ..', async () => {
    expect(await codeOf(edit({ path: '../escaped.txt', content: 'x' }))).toBe('path_escape');
    expect(await codeOf(edit({ path: 'a/../../escaped.txt', content: 'x' }))).toBe('path_escape');
    await expect(lstat(join(root, '..', 'escaped.txt'))).rejects.toThrow();
  });

  it('refuses an absolute path, even one inside the root', async () => {
    expect(await codeOf(edit({ path: join(outside, 'abs.txt'), content: 'x' }))).toBe('path_escape');
    expect(await codeOf(edit({ path: join(root, 'abs.txt'), content: 'x' }))).toBe('path_escape');
    await expect(lstat(join(outside, 'abs.txt'))).rejects.toThrow();
  });

  it('refuses a symlink that points outside: the file itself, a directory on the way, and a dangling one', async () => {
    await writeFile(join(outside, 'secret.txt'), 'secret\n');
    await symlink(join(outside, 'secret.txt'), join(root, 'link.txt'));
    await symlink(outside, join(root, 'linkdir'));
    await symlink(join(outside, 'nowhere.txt'), join(root, 'dangling.txt'));

    expect(await codeOf(edit({ path: 'link.txt', content: 'pwned\n' }))).toBe('path_escape');
    expect(await codeOf(edit({ path: 'linkdir/new.txt', content: 'pwned\n' }))).toBe('path_escape');
    expect(await codeOf(edit({ path: 'dangling.txt', content: 'pwned\n' }))).toBe('path_escape');
    expect(await codeOf(del('link.txt'))).toBe('path_escape');

    expect(await readFile(join(outside, 'secret.txt'), 'utf8')).toBe('secret\n');
    await expect(lstat(join(outside, 'new.txt'))).rejects.toThrow();
    await expect(lstat(join(outside, 'nowhere.txt'))).rejects.toThrow();
  });

  it('follows a symlink that stays inside the root', async () => {
    await writeFile(join(root, 'real.txt'), 'old\n');
    await symlink(join(root, 'real.txt'), join(root, 'alias.txt'));
    await edit({ path: 'alias.txt', content: 'new\n' });
    expect(await readFile(join(root, 'real.txt'), 'utf8')).toBe('new\n');
    expect((await lstat(join(root, 'alias.txt'))).isSymbolicLink()).toBe(true);
  });
});

describe('delete_file', () => {
  it('deletes the file when it is as it was read', async () => {
    const file = join(root, 'old.txt');
    await writeFile(file, 'bye\n');
    expect(await del('old.txt', { baseHash: await sha256File(file) })).toEqual({ output: { path: 'old.txt', deleted: true } });
    await expect(lstat(file)).rejects.toThrow();
  });

  it('refuses a stale base and keeps the file', async () => {
    const file = join(root, 'old.txt');
    await writeFile(file, 'v1\n');
    const baseHash = await sha256File(file);
    await writeFile(file, 'v2\n');
    expect(await codeOf(del('old.txt', { baseHash }))).toBe('stale_base');
    expect(await readFile(file, 'utf8')).toBe('v2\n');
  });

  it('refuses .. and absolute paths', async () => {
    await writeFile(join(outside, 'keep.txt'), 'keep\n');
    expect(await codeOf(del(`../${join(outside).split('/').pop()}/keep.txt`))).toBe('path_escape');
    expect(await codeOf(del(join(outside, 'keep.txt')))).toBe('path_escape');
    expect(await readFile(join(outside, 'keep.txt'), 'utf8')).toBe('keep\n');
  });

  it('a missing file is not_found, or already done for an idempotent step', async () => {
    expect(await codeOf(del('missing.txt'))).toBe('not_found');
    expect(await del('missing.txt', { idempotent: true })).toEqual({ output: { path: 'missing.txt', deleted: false } });
  });

  it('refuses a directory', async () => {
    await mkdir(join(root, 'dir'));
    expect(await codeOf(del('dir'))).toBe('not_a_file');
  });
});

describe('exact bytes on disk', () => {
  it('a one-line patch to an ISO-8859-1 file keeps the byte E9 elsewhere in it (not EF BF BD)', async () => {
    const file = join(root, 'menu.txt');
    const original = b('Caf\xe9 du march\xe9\n\nsoup\nbread\ncheese\nwine\ncoffee\n');
    await writeFile(file, original);
    // As an agent reads it (readFile 'utf8', lossy) and diffs it: the hunk is ASCII.
    const seen = await readFile(file, 'utf8');
    const patch = createPatch('menu.txt', seen, seen.replace('wine\n', 'water\n'));

    const result = await edit({ path: 'menu.txt', patch }, await sha256File(file));

    const expected = b('Caf\xe9 du march\xe9\n\nsoup\nbread\ncheese\nwater\ncoffee\n');
    expect((await readFile(file)).equals(expected)).toBe(true);
    expect(result).toMatchObject({ output: { bytes: expected.length, sha256: await sha256File(file) } });
  });

  it('property: on disk, the file becomes exactly the edited bytes, or is left untouched with a code', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<Encoding>('utf8', 'latin1').chain((enc) => fc.tuple(fileArb(enc), editsArb(enc), fc.boolean())),
        fc.context(),
        async ([file, edits, toggle], log) => {
          const before = bytesOf(file);
          const expected = bytesOf(edited(file, edits, toggle));
          if (before.equals(expected)) return;
          const view = isUtf8(before) ? 'utf8' : 'latin1';
          const patch = createPatch('f.txt', before.toString(view), expected.toString(view));
          log.log(JSON.stringify({ before: before.toString('hex'), patch }));
          const path = join(root, 'f.txt');
          await writeFile(path, before);
          const ascii = !/[^\x00-\x7f]/.test(
            parsePatch(patch)[0]!
              .hunks.flatMap((h) => h.lines)
              .join(''),
          );
          if (view === 'utf8' || ascii) {
            await edit({ path: 'f.txt', patch }, await sha256File(path));
            expect((await readFile(path)).equals(expected)).toBe(true);
          } else {
            expect(await codeOf(edit({ path: 'f.txt', patch }))).toBe('unsafe_encoding');
            expect((await readFile(path)).equals(before)).toBe(true);
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('writes params.content as its exact UTF-8 bytes: BOM, CRLF, lone CR and no final newline kept', async () => {
    const content = '\ufeffline one\r\nline\rtwo\nno newline: caf\u00e9 \u20ac';
    await edit({ path: 'c.txt', content });
    expect((await readFile(join(root, 'c.txt'))).equals(b(content, 'utf8'))).toBe(true);
  });

  it('refuses content or a patch with a lone surrogate (unsafe_encoding), leaving the file as it was', async () => {
    const file = join(root, 'a.txt');
    await writeFile(file, 'keep\n');
    expect(await codeOf(edit({ path: 'a.txt', content: 'half a pair: \ud83d\n' }))).toBe('unsafe_encoding');
    expect(await codeOf(edit({ path: 'a.txt', patch: createPatch('a.txt', 'keep\n', 'keep \udc00\n') }))).toBe('unsafe_encoding');
    expect(await readFile(file, 'utf8')).toBe('keep\n');
  });

  it('keeps the file mode, and leaves no temporary file behind', async () => {
    const file = join(root, 'run.sh');
    await writeFile(file, '#!/bin/sh\necho hi\n');
    await chmod(file, 0o750);
    await edit({ path: 'run.sh', patch: createPatch('run.sh', '#!/bin/sh\necho hi\n', '#!/bin/sh\necho bye\n') });
    expect((await stat(file)).mode & 0o777).toBe(0o750);
    expect(await readdir(root)).toEqual(['run.sh']);
  });

  it('refuses what is not a regular file (a FIFO) at once, without waiting on it', async () => {
    execFileSync('mkfifo', [join(root, 'pipe')]);
    expect(await codeOf(edit({ path: 'pipe', content: 'x' }))).toBe('not_a_file');
    expect(await codeOf(del('pipe'))).toBe('not_a_file');
  });
});
