/**
 * Text a reviewer decides on is shown as it is: characters that change how text looks
 * (terminal escapes, carriage returns, bidi overrides, zero-width and tag characters)
 * become visible escapes, and nothing else changes.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hasHidden, revealHidden, revealHiddenDeep } from '../src/index.ts';

describe('revealHidden', () => {
  it.each([
    ['echo hi\x1b[8m; rm -rf ~', 'echo hi\\x1b[8m; rm -rf ~'],
    ['rm -rf ~\r\x1b[2Kecho hi', 'rm -rf ~\\r\\x1b[2Kecho hi'],
    ['a\u202eb\u2066c\u2069', 'a\\u{202e}b\\u{2066}c\\u{2069}'],
    ['x\u009b8m', 'x\\x9b8m'],
    ['zero\u200bwidth\ufeff', 'zero\\u{200b}width\\u{feff}'],
    ['tag\u{e0041}\u{e007f}', 'tag\\u{e0041}\\u{e007f}'],
    ['bell\x07 del\x7f nul\x00', 'bell\\x07 del\\x7f nul\\x00'],
  ])('shows %j as %j', (text, shown) => {
    expect(revealHidden(text)).toBe(shown);
    expect(hasHidden(text)).toBe(true);
  });

  it('keeps tabs, newlines and every visible character, in any script', () => {
    const text = 'for f in *.ts;\n\tdo echo "$f" — ünïcödé 日本語 עברית 😀; done\n';
    expect(revealHidden(text)).toBe(text);
    expect(hasHidden(text)).toBe(false);
  });

  it('leaves no hidden character in any string, and changes nothing else', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        const shown = revealHidden(text);
        expect(hasHidden(shown)).toBe(false);
        if (!hasHidden(text)) expect(shown).toBe(text);
      }),
      { numRuns: 500 },
    );
  });

  it('reveals every string of a value, keys included, and copies it', () => {
    const value = { title: 'a\x1b[8mb', steps: [{ params: { command: 'x\ry', n: 1, ok: true, none: null } }], 'k\u202e': 'v' };
    expect(revealHiddenDeep(value)).toEqual({ title: 'a\\x1b[8mb', steps: [{ params: { command: 'x\\ry', n: 1, ok: true, none: null } }], 'k\\u{202e}': 'v' });
    expect(value.title).toBe('a\x1b[8mb');
  });
});
