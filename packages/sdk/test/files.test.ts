/** edit_file and delete_file against real temp directories: stale bases, escapes, real patches. */
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile, lstat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createPatch } from 'diff';
import { fileHandlers, sha256File } from '../src/node/index.ts';
import { claimed, codeOf, ctx } from './fixtures.ts';

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
