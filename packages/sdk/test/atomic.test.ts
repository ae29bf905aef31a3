/**
 * Only the checked file changes (atomic.ts), on real temp directories: a file changed,
 * created or swapped after it was checked is never overwritten or deleted, a refused
 * delete puts the file back, and a directory swapped for a symlink is caught. The
 * interleavings are real writes made at the point where another process could make them.
 */
import { lstat, mkdir, mkdtemp, readdir, readFile, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readSnapshot, removeChecked, writeChecked } from '../src/node/atomic.ts';
import { b } from './generators.ts';
import { codeOf } from './fixtures.ts';

let root: string;
let outside: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'greenlight-atomic-'));
  outside = await mkdtemp(join(tmpdir(), 'greenlight-outside-'));
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
  await rm(outside, { recursive: true, force: true });
});

describe('writeChecked', () => {
  it('does not overwrite a change made after the file was read (stale_base), and leaves no temporary file', async () => {
    const file = join(root, 'a.txt');
    await writeFile(file, 'as read\n');
    const seen = await readSnapshot(file, 'a.txt');
    await writeFile(file, 'written by someone else meanwhile\n');
    expect(await codeOf(writeChecked(file, 'a.txt', seen, b('approved\n')))).toBe('stale_base');
    expect(await readFile(file, 'utf8')).toBe('written by someone else meanwhile\n');
    expect(await readdir(root)).toEqual(['a.txt']);
  });

  it('does not overwrite a file replaced by another with the same bytes (an editor saving by rename)', async () => {
    const file = join(root, 'a.txt');
    await writeFile(file, 'same\n');
    const seen = await readSnapshot(file, 'a.txt');
    await writeFile(join(root, 'b.txt'), 'same\n');
    await rename(join(root, 'b.txt'), file);
    expect(await codeOf(writeChecked(file, 'a.txt', seen, b('approved\n')))).toBe('stale_base');
    expect(await readFile(file, 'utf8')).toBe('same\n');
  });

  it('creates a new file only if none appeared meanwhile', async () => {
    const file = join(root, 'new.txt');
    const seen = await readSnapshot(file, 'new.txt');
    expect(seen).toBeUndefined();
    await writeFile(file, "someone else's\n");
    expect(await codeOf(writeChecked(file, 'new.txt', seen, b('approved\n')))).toBe('stale_base');
    expect(await readFile(file, 'utf8')).toBe("someone else's\n");
    expect(await readdir(root)).toEqual(['new.txt']);
  });

  it('refuses when a directory on the way became a symlink out of the root, writing nothing outside', async () => {
    await mkdir(join(root, 'sub'));
    const file = join(root, 'sub', 'a.txt');
    await writeFile(file, 'x\n');
    const seen = await readSnapshot(file, 'sub/a.txt');
    await rm(join(root, 'sub'), { recursive: true });
    await writeFile(join(outside, 'a.txt'), 'x\n');
    await symlink(outside, join(root, 'sub'));
    expect(await codeOf(writeChecked(file, 'sub/a.txt', seen, b('pwned\n')))).toBe('path_escape');
    expect(await readFile(join(outside, 'a.txt'), 'utf8')).toBe('x\n');
    expect(await readdir(outside)).toEqual(['a.txt']);
  });

  it('refuses a file that became a symlink since it was resolved', async () => {
    await writeFile(join(outside, 'secret'), 's\n');
    await symlink(join(outside, 'secret'), join(root, 'link'));
    expect(await codeOf(readSnapshot(join(root, 'link'), 'link'))).toBe('stale_base');
  });
});

describe('removeChecked', () => {
  it('deletes the file whose bytes it checked', async () => {
    const file = join(root, 'old.txt');
    await writeFile(file, 'bye\n');
    const seen: string[] = [];
    expect(await removeChecked(file, 'old.txt', (bytes) => void seen.push(bytes.toString()))).toBe(true);
    expect(seen).toEqual(['bye\n']);
    expect(await readdir(root)).toEqual([]);
  });

  it('puts a refused file back under its name, the same file (inode) with the same bytes', async () => {
    const file = join(root, 'old.txt');
    await writeFile(file, 'not what was approved\n');
    const { ino } = await stat(file);
    const refused = new Error('no');
    await expect(
      removeChecked(file, 'old.txt', () => {
        throw refused;
      }),
    ).rejects.toBe(refused);
    expect((await stat(file)).ino).toBe(ino);
    expect(await readFile(file, 'utf8')).toBe('not what was approved\n');
    expect(await readdir(root)).toEqual(['old.txt']);
  });

  it('never deletes a file that appeared under the name while the taken one was checked; keeps both', async () => {
    const file = join(root, 'old.txt');
    await writeFile(file, 'taken\n');
    const err = await removeChecked(file, 'old.txt', () => {
      // Another process writes a new file under the name while the check runs; then the check refuses.
      writeFileSync(file, 'new\n');
      throw new Error('refused');
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'stale_base' });
    const names = (await readdir(root)).sort();
    expect(names).toHaveLength(2);
    expect(await readFile(file, 'utf8')).toBe('new\n');
    const kept = names.find((n) => n !== 'old.txt')!;
    expect(await readFile(join(root, kept), 'utf8')).toBe('taken\n');
    expect((err as Error).message).toContain(kept);
  });

  it('deletes a symlink itself, checking the bytes it points at', async () => {
    await writeFile(join(root, 'target.txt'), 't\n');
    await symlink('target.txt', join(root, 'alias.txt'));
    const seen: string[] = [];
    expect(await removeChecked(join(root, 'alias.txt'), 'alias.txt', (bytes) => void seen.push(bytes.toString()))).toBe(true);
    expect(seen).toEqual(['t\n']);
    await expect(lstat(join(root, 'alias.txt'))).rejects.toThrow();
    expect(await readFile(join(root, 'target.txt'), 'utf8')).toBe('t\n');
  });

  it('answers false when there is nothing to delete', async () => {
    expect(await removeChecked(join(root, 'missing'), 'missing', () => {})).toBe(false);
  });
});
