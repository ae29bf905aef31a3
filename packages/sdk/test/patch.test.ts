/**
 * Applying an approved patch to bytes (patchBytes): the result is the original with
 * exactly the approved hunks, for generated files in UTF-8 and in other encodings,
 * with LF, CRLF, lone CR, a byte order mark, and with or without a final newline;
 * when that cannot be guaranteed the patch is refused with a code. The disk side
 * (fileHandlers) is in files.test.ts and bytes.test.ts.
 */
import { Buffer, isUtf8 } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createPatch, parsePatch } from 'diff';
import { differsOnlyByHunks, patchBytes } from '../src/node/patch.ts';
import { b, bytesOf, edited, editsArb, fileArb } from './generators.ts';

/** What patchBytes answers: the bytes, or the refusal's code. */
function outcome(before: Buffer | undefined, patch: string): { bytes: Buffer } | { code: string } {
  try {
    return { bytes: patchBytes(before, patch, 'f') };
  } catch (err) {
    return { code: (err as { code: string }).code };
  }
}

const hunkText = (patch: string) =>
  parsePatch(patch)[0]!
    .hunks.flatMap((h) => h.lines)
    .join('\n');

describe('patchBytes: exactly the approved hunks, as bytes', () => {
  it('keeps an ISO-8859-1 byte elsewhere in the file (the E9 that became EF BF BD)', () => {
    const before = b('caf\xe9 cr\xe8me\none\ntwo\nthree\nfour\nfive\nsix\nseven\n');
    // The agent read the file as UTF-8 (lossy), as most do; the hunk is far from the é.
    const patch = createPatch('menu.txt', before.toString('utf8'), before.toString('utf8').replace('six\n', 'SIX\n'));
    const after = patchBytes(before, patch, 'menu.txt');
    expect(after.equals(b('caf\xe9 cr\xe8me\none\ntwo\nthree\nfour\nfive\nSIX\nseven\n'))).toBe(true);
  });

  it('property: a UTF-8 file (BOM, CRLF, lone CR, any final newline) becomes exactly the edited bytes', () => {
    fc.assert(
      fc.property(fileArb('utf8'), editsArb('utf8'), fc.boolean(), fc.integer({ min: 0, max: 3 }), (file, edits, toggle, context) => {
        const before = bytesOf(file);
        const expected = bytesOf(edited(file, edits, toggle));
        const patch = createPatch('f', before.toString('utf8'), expected.toString('utf8'), undefined, undefined, { context });
        const got = outcome(before, patch);
        if (before.equals(expected))
          expect(got).toEqual({ code: 'patch_failed' }); // no hunks: nothing to apply
        else expect(got).toEqual({ bytes: expected });
      }),
      { numRuns: 400 },
    );
  });

  it('property: a file in another encoding changes exactly by an ASCII patch, and a non-ASCII patch is refused (unsafe_encoding)', () => {
    let applied = 0;
    let refused = 0;
    fc.assert(
      fc.property(fileArb('latin1'), editsArb('latin1'), fc.boolean(), fc.integer({ min: 0, max: 3 }), (file, edits, toggle, context) => {
        const before = bytesOf(file);
        const expected = bytesOf(edited(file, edits, toggle));
        fc.pre(!before.equals(expected));
        expect(isUtf8(before)).toBe(false);
        const patch = createPatch('f', before.toString('latin1'), expected.toString('latin1'), undefined, undefined, { context });
        const got = outcome(before, patch);
        if (/[^\x00-\x7f]/.test(hunkText(patch))) {
          refused++;
          expect(got).toEqual({ code: 'unsafe_encoding' });
        } else {
          applied++;
          expect(got).toEqual({ bytes: expected });
        }
      }),
      { numRuns: 400 },
    );
    // Both branches were really exercised.
    expect(applied).toBeGreaterThan(20);
    expect(refused).toBeGreaterThan(20);
  });

  it('property: a patch whose hunk no longer matches the file is refused (patch_failed)', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'grapheme', maxLength: 8 }), { minLength: 1, maxLength: 12 }), fc.nat(), fc.nat(), (texts, at, spoil) => {
        // Unique lines, so a hunk cannot fit anywhere else either.
        const lines = texts.map((t, i) => `${i}:${t.replace(/[\r\n]/g, '')}\n`);
        const i = at % lines.length;
        const after = lines.map((l, k) => (k === i ? `changed ${l}` : l));
        const patch = createPatch('f', lines.join(''), after.join(''));
        // Someone changed a line the hunk covers (the changed line or its context) after the patch was made.
        const covered = parsePatch(patch)[0]!.hunks[0]!;
        const j = covered.oldStart - 1 + (spoil % covered.oldLines);
        const onDisk = lines.map((l, k) => (k === j ? `other ${l}` : l)).join('');
        expect(outcome(b(onDisk, 'utf8'), patch)).toEqual({ code: 'patch_failed' });
      }),
      { numRuns: 200 },
    );
  });

  it('refuses a CRLF file patched with an LF diff, and a BOM the patch does not show, with a hint', () => {
    const crlf = b('one\r\ntwo\r\nthree\r\n');
    const lf = createPatch('f', 'one\ntwo\nthree\n', 'one\n2\nthree\n');
    expect(() => patchBytes(crlf, lf, 'f')).toThrow(/CRLF/);
    const bom = b('\ufeffone\ntwo\n', 'utf8');
    const noBom = createPatch('f', 'one\ntwo\n', 'ONE\ntwo\n');
    expect(() => patchBytes(bom, noBom, 'f')).toThrow(/byte order mark/);
    // Made from the file as Node reads it (the BOM kept as U+FEFF), it applies and keeps the BOM.
    const withBom = createPatch('f', bom.toString('utf8'), '\ufeffONE\ntwo\n');
    expect(patchBytes(bom, withBom, 'f').equals(b('\ufeffONE\ntwo\n', 'utf8'))).toBe(true);
  });

  it("refuses what is not one file's unified diff, and text with no bytes", () => {
    expect(outcome(b('x\n'), 'not a diff at all')).toEqual({ code: 'patch_failed' });
    expect(outcome(b('x\n'), `${createPatch('a', 'x\n', 'y\n')}${createPatch('b', 'x\n', 'y\n')}`)).toEqual({ code: 'patch_failed' });
    expect(outcome(b('x\n'), createPatch('a', 'x\n', 'x\n'))).toEqual({ code: 'patch_failed' });
    expect(outcome(b('x\n'), createPatch('a', 'x\n', 'x\ud800\n'))).toEqual({ code: 'unsafe_encoding' });
  });

  it('creates a file from a patch against nothing', () => {
    expect(outcome(undefined, createPatch('new.txt', '', 'hello\r\nworld'))).toEqual({ bytes: b('hello\r\nworld') });
  });
});

describe('differsOnlyByHunks: the independent check', () => {
  const lines = (...l: string[]) => l;
  it('accepts the original with the hunk in place, and nothing else', () => {
    const before = lines('a\n', 'b\n', 'c\n');
    const hunk = { at: 1, old: ['b\n'], new: ['B\n'] };
    expect(differsOnlyByHunks(before, lines('a\n', 'B\n', 'c\n'), [hunk])).toBe(true);
    expect(differsOnlyByHunks(before, lines('a\n', 'B\n', 'C\n'), [hunk])).toBe(false); // a change outside the hunk
    expect(differsOnlyByHunks(before, lines('a\n', 'B\n', 'c'), [hunk])).toBe(false); // a final newline lost
    expect(differsOnlyByHunks(before, lines('a\n', 'b\n', 'c\n'), [hunk])).toBe(false); // the hunk not applied
  });

  it('places a hunk that fits in several places where the result says, whichever comes first', () => {
    // An empty line added at the end, or one of two equal lines removed: a first-fit reading would misplace both.
    expect(differsOnlyByHunks(lines('\n', 'a\n'), lines('\n', 'a\n', '\n'), [{ at: 2, old: [], new: ['\n'] }])).toBe(true);
    expect(differsOnlyByHunks(lines('\r\n', '\n', '\r\n', 'x'), lines('\r\n', '\n', 'x'), [{ at: 2, old: ['\r\n'], new: [] }])).toBe(true);
    expect(differsOnlyByHunks(lines('\r\n', '\n', '\r\n', 'x'), lines('\n', '\r\n', 'x'), [{ at: 2, old: ['\r\n'], new: [] }])).toBe(true);
  });

  it('property: one line changed beyond what the patch says is caught, whichever line it is', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 6 }), { minLength: 1, maxLength: 12 }), fc.nat(), fc.nat(), (texts, at, spoil) => {
        const before = texts.map((t, i) => `${i}:${t.replace(/\n/g, '')}\n`);
        const i = at % before.length;
        const after = before.map((l, k) => (k === i ? `new ${l}` : l));
        const hunks = [{ at: i, old: [before[i]!], new: [after[i]!] }];
        expect(differsOnlyByHunks(before, after, hunks)).toBe(true);
        const j = spoil % after.length;
        const spoiled = after.map((l, k) => (k === j ? `x${l}` : l));
        expect(differsOnlyByHunks(before, spoiled, hunks)).toBe(false);
      }),
    );
  });
});
