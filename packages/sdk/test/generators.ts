/** Generated files as bytes (UTF-8 or another encoding; LF, CRLF, lone CR; BOM; final newline or not) and edits to them. */
import { Buffer } from 'node:buffer';
import fc from 'fast-check';

export const b = (s: string, enc: BufferEncoding = 'latin1') => Buffer.from(s, enc);

/** Pieces of a line: ASCII, UTF-8 multibyte characters, and a lone CR inside a line. */
const UTF8_ATOMS = ['a', 'b', 'z', '0', ' ', '\t', '\r', 'é', '€', '😀', '\u00a0', 'ß'].map((s) => b(s, 'utf8'));
/** Bytes that are not UTF-8 on their own: ISO-8859-1 é, ü, nbsp, and 0x80, 0xff. */
const LATIN1_ATOMS = [0xe9, 0xfc, 0xa0, 0x80, 0xff].map((n) => Buffer.from([n]));

export type Encoding = 'utf8' | 'latin1';
export type Line = { text: Buffer; eol: '\n' | '\r\n' };
export type File = { bom: boolean; lines: Line[]; finalNewline: boolean };

const ASCII_ATOMS = UTF8_ATOMS.filter((a) => a.every((byte) => byte < 0x80));

const lineOf = (atoms: Buffer[]): fc.Arbitrary<Line> =>
  fc.record({
    text: fc.array(fc.constantFrom(...atoms), { maxLength: 6 }).map((a) => Buffer.concat(a)),
    eol: fc.constantFrom('\n' as const, '\r\n' as const),
  });

/** UTF-8 lines; or, for a file in another encoding, mostly ASCII lines and some with bytes that are not UTF-8. */
const lineArb = (enc: Encoding): fc.Arbitrary<Line> =>
  enc === 'utf8' ? lineOf(UTF8_ATOMS) : fc.oneof({ weight: 5, arbitrary: lineOf(ASCII_ATOMS) }, { weight: 1, arbitrary: lineOf([...ASCII_ATOMS, ...LATIN1_ATOMS]) });

export const fileArb = (enc: Encoding): fc.Arbitrary<File> =>
  enc === 'utf8'
    ? fc.record({ bom: fc.boolean(), lines: fc.array(lineArb(enc), { maxLength: 14 }), finalNewline: fc.boolean() })
    : fc
        // At least one line that is not UTF-8, somewhere in the file.
        .record({
          lines: fc.array(lineArb(enc), { maxLength: 20 }),
          at: fc.nat(),
          mark: fc.constantFrom(...LATIN1_ATOMS),
          eol: fc.constantFrom('\n' as const, '\r\n' as const),
          finalNewline: fc.boolean(),
        })
        .map(({ lines, at, mark, eol, finalNewline }) => {
          const all = [...lines];
          all.splice(at % (lines.length + 1), 0, { text: Buffer.concat([b('caf'), mark]), eol });
          return { bom: false, lines: all, finalNewline };
        });

export function bytesOf(f: File): Buffer {
  const parts: Buffer[] = f.bom ? [b('\ufeff', 'utf8')] : [];
  f.lines.forEach((l, i) => parts.push(l.text, i < f.lines.length - 1 || f.finalNewline ? b(l.eol) : Buffer.alloc(0)));
  return Buffer.concat(parts);
}

export type Edit = { op: 'replace' | 'insert' | 'delete'; at: number; line: Line };
export const editsArb = (enc: Encoding) =>
  fc.array(fc.record({ op: fc.constantFrom('replace' as const, 'insert' as const, 'delete' as const), at: fc.nat(), line: lineArb(enc) }), { minLength: 1, maxLength: 4 });

export function edited(f: File, edits: Edit[], toggleFinalNewline: boolean): File {
  const lines = [...f.lines];
  for (const e of edits) {
    const at = lines.length === 0 ? 0 : e.at % (lines.length + (e.op === 'insert' ? 1 : 0));
    if (e.op === 'insert') lines.splice(at, 0, e.line);
    else if (lines.length > 0) lines.splice(at, 1, ...(e.op === 'replace' ? [e.line] : []));
  }
  return { ...f, lines, finalNewline: toggleFinalNewline ? !f.finalNewline : f.finalNewline };
}
