/** writeFileStep: a write over an existing file is proposed as a diff against it (issue 16), and applies to exactly the new content. */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseParams } from '@greenlight/core';
import { fileHandlers, sha256File, writeFileStep } from '../src/node/index.ts';
import { claimed, codeOf, ctx } from './fixtures.ts';

let root: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'greenlight-propose-'));
  await mkdir(join(root, 'src'));
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Run the step as an executor would, with the real file handler. */
async function apply(step: Awaited<ReturnType<typeof writeFileStep>>): Promise<void> {
  await fileHandlers({ root }).edit_file(claimed('edit_file', step.params, step.baseHash ? { baseHash: step.baseHash } : {}), ctx());
}

describe('writeFileStep', () => {
  it('sends an overwrite of an existing file as a diff against it, with its baseHash, which applies to the new content', async () => {
    await writeFile(join(root, 'src', 'a.ts'), 'one\ntwo\nthree\n');
    const step = await writeFileStep({ root, path: './src/a.ts', content: 'one\n2\nthree\n', key: 'a' });
    expect(step.title).toBe('Edit src/a.ts');
    expect(step.params.path).toBe('src/a.ts');
    expect(step.params).not.toHaveProperty('content');
    expect(String(step.params.patch)).toContain('-two\n+2\n');
    expect(step.baseHash).toBe(await sha256File(join(root, 'src', 'a.ts')));
    expect(parseParams('edit_file', step.params).success).toBe(true);
    await apply(step);
    expect(await readFile(join(root, 'src', 'a.ts'), 'utf8')).toBe('one\n2\nthree\n');
  });

  it('sends a new file as its content, without a baseHash', async () => {
    const step = await writeFileStep({ root, path: 'src/new.ts', content: 'export {};\n', key: 'n' });
    expect(step).toMatchObject({ kind: 'edit_file', title: 'Create src/new.ts', params: { path: 'src/new.ts', content: 'export {};\n' } });
    expect(step.baseHash).toBeUndefined();
    await apply(step);
    expect(await readFile(join(root, 'src', 'new.ts'), 'utf8')).toBe('export {};\n');
  });

  it('keeps a byte order mark and CRLF endings exact', async () => {
    await writeFile(join(root, 'src', 'w.txt'), '\ufeffa\r\nb\r\n');
    const step = await writeFileStep({ root, path: 'src/w.txt', content: '\ufeffa\r\nB\r\n', key: 'w' });
    expect(step.params).toHaveProperty('patch');
    await apply(step);
    expect(await readFile(join(root, 'src', 'w.txt'), 'utf8')).toBe('\ufeffa\r\nB\r\n');
  });

  it("shows the content whole, with the baseHash and a note, when the change is not a diff of the file's bytes", async () => {
    await writeFile(join(root, 'src', 'l.txt'), Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a])); // "café" in Latin-1
    const step = await writeFileStep({ root, path: 'src/l.txt', content: 'caf\u00e9!\n', key: 'l' });
    expect(step.params).toMatchObject({ path: 'src/l.txt', content: 'caf\u00e9!\n' });
    expect(step.baseHash).toBeDefined();
    expect(step.explanation).toContain('cannot be shown as a diff');
  });

  it('refuses a path outside the root', async () => {
    expect(await codeOf(writeFileStep({ root, path: '../x', content: 'x', key: 'x' }))).toBe('path_escape');
    expect(await codeOf(writeFileStep({ root, path: '/etc/passwd', content: 'x', key: 'x' }))).toBe('path_escape');
  });
});
