/** The diff parser: line numbers, multi-file patches, and lines that look like headers. */
import { describe, expect, it } from 'vitest';
import { contentAsDiff, diffStats, parsePatch } from './diff.ts';

describe('parsePatch', () => {
  it('numbers old and new lines across a hunk', () => {
    const [file] = parsePatch(['--- a/src/greet.ts', '+++ b/src/greet.ts', '@@ -1,3 +1,3 @@ export', ' const a = 1;', '-old', '+new', ' end', ''].join('\n'));
    expect(file?.oldPath).toBe('src/greet.ts');
    expect(file?.newPath).toBe('src/greet.ts');
    expect(file?.hunks[0]?.header).toBe('@@ -1,3 +1,3 @@');
    expect(file?.hunks[0]?.lines).toEqual([
      { kind: 'ctx', text: 'const a = 1;', oldNo: 1, newNo: 1 },
      { kind: 'del', text: 'old', oldNo: 2 },
      { kind: 'add', text: 'new', newNo: 2 },
      { kind: 'ctx', text: 'end', oldNo: 3, newNo: 3 },
    ]);
  });

  it('reads a removed line starting with "-- " as a line, not a file header', () => {
    const [file] = parsePatch('--- a/x.sql\n+++ b/x.sql\n@@ -5,2 +5,1 @@\n--- a comment\n keep\n');
    expect(file?.hunks[0]?.lines.map((l) => [l.kind, l.text, l.oldNo, l.newNo])).toEqual([
      ['del', '-- a comment', 5, undefined],
      ['ctx', 'keep', 6, 5],
    ]);
  });

  it('splits git patches into files, keeps "no newline" notes, and counts lines', () => {
    const files = parsePatch(
      [
        'diff --git a/a.txt b/a.txt',
        'index 1..2 100644',
        '--- a/a.txt',
        '+++ b/a.txt',
        '@@ -1 +1 @@',
        '-x',
        '+y',
        '\\ No newline at end of file',
        'diff --git a/b.txt b/b.txt',
        '--- /dev/null',
        '+++ b/b.txt',
        '@@ -0,0 +1,2 @@',
        '+1',
        '+2',
      ].join('\r\n'),
    );
    expect(files.map((f) => [f.oldPath, f.newPath])).toEqual([
      ['a.txt', 'a.txt'],
      ['/dev/null', 'b.txt'],
    ]);
    expect(files[0]?.hunks[0]?.lines.at(-1)).toEqual({ kind: 'note', text: '\\ No newline at end of file' });
    expect(diffStats(files)).toEqual({ added: 3, removed: 1 });
  });

  it('finds no hunks in text that is not a diff', () => {
    expect(parsePatch('just some words\nand more')).toEqual([]);
  });

  it('reads an empty line in a hunk as context, and a hunk whose counts do not add up as nothing (shown raw)', () => {
    const [file] = parsePatch('--- a/x\n+++ b/x\n@@ -1,3 +1,3 @@\n a\n\n-b\n+c\n');
    expect(file?.hunks[0]?.lines.map((l) => [l.kind, l.text, l.oldNo, l.newNo])).toEqual([
      ['ctx', 'a', 1, 1],
      ['ctx', '', 2, 2],
      ['del', 'b', 3, undefined],
      ['add', 'c', undefined, 3],
    ]);
    expect(parsePatch('--- a/x\n+++ b/x\n@@ -1,3 +1,3 @@\n a\n-b\n')).toEqual([]);
  });

  it('keeps the header of a hunk that adds a whole file as written (-0,0)', () => {
    expect(parsePatch('--- /dev/null\n+++ b/n.txt\n@@ -0,0 +1,1 @@\n+x\n')[0]?.hunks[0]).toEqual({ header: '@@ -0,0 +1,1 @@', lines: [{ kind: 'add', text: 'x', newNo: 1 }] });
  });
});

describe('contentAsDiff', () => {
  it('shows new content as added lines numbered from 1', () => {
    const file = contentAsDiff('a\nb\n');
    expect(file.hunks[0]?.header).toBe('@@ -0,0 +1,2 @@');
    expect(file.hunks[0]?.lines).toEqual([
      { kind: 'add', text: 'a', newNo: 1 },
      { kind: 'add', text: 'b', newNo: 2 },
    ]);
  });
});
