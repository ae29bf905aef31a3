/**
 * Apply an approved unified diff to a file's bytes, so that the result differs from
 * the original by exactly the approved hunks: every byte outside them (other
 * encodings, CRLF or lone CR line endings, a byte order mark, a missing final newline)
 * stays as it was. Pure: bytes and a patch in, bytes out, or a refusal with a code.
 *
 * How: the bytes are read as text through a lossless view (UTF-8 when they are valid
 * UTF-8, else Latin-1, one char per byte), jsdiff applies the patch to that text, the
 * text is turned back into bytes through the same view, and then the result is
 * checked independently, line by line on bytes, against the original and the hunks.
 * Anything the check cannot confirm is refused; nothing is written.
 */
import { Buffer, isUtf8 } from 'node:buffer';
import { applyPatch, parsePatch, type StructuredPatch } from 'diff';
import { HandlerError } from '../run.ts';

/** How the file's bytes are shown to the patch as text; both round-trip exactly. */
export type View = 'utf8' | 'latin1';

/**
 * The lossless text view of a file's bytes: UTF-8 when they are valid UTF-8 (a byte
 * order mark stays U+FEFF), else Latin-1, one char per byte. Not TextDecoder: it drops
 * a BOM, turns invalid bytes into U+FFFD, and its 'latin1' is windows-1252. The
 * Claude Code hook shows its diffs through this view too, so the reviewer's diff and
 * the bytes patchBytes writes are the same.
 */
export function textView(bytes: Uint8Array): { view: View; text: string } {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const view: View = isUtf8(buf) ? 'utf8' : 'latin1';
  return { view, text: buf.toString(view) };
}

/**
 * One hunk as bytes: where the patch says its old lines start (0-based), the lines it
 * expects (context and removed) and the lines it leaves (context and added).
 */
export type ByteHunk = { at: number; old: string[]; new: string[] };

const refuse = (code: 'patch_failed' | 'unsafe_encoding', message: string) => new HandlerError(message, { code, retryable: false });

/** A lone UTF-16 surrogate has no UTF-8 bytes: encoding it would write U+FFFD instead. */
export const hasLoneSurrogate = (s: string): boolean => /\p{Cs}/u.test(s);

/** Anything past 7-bit ASCII: text whose bytes differ between UTF-8, Latin-1 and the other encodings a file may use. */
const NON_ASCII = /[^\x00-\x7f]/;

/**
 * Split a "byte string" (Latin-1 view: char code = byte) into lines that keep their
 * `\n`; only the last may lack one. `\r` is an ordinary byte here, as it is to jsdiff.
 */
function byteLines(bytes: string): string[] {
  const lines: string[] = [];
  let start = 0;
  for (let i = bytes.indexOf('\n'); i !== -1; i = bytes.indexOf('\n', start)) {
    lines.push(bytes.slice(start, i + 1));
    start = i + 1;
  }
  if (start < bytes.length) lines.push(bytes.slice(start));
  return lines;
}

/**
 * The hunk's lines as bytes in `view`, each with its `\n` unless a
 * `\ No newline at end of file` marker follows it. Read off the parsed patch on its
 * own, not off jsdiff's result, so the check below does not trust what it checks.
 */
function byteHunks(patch: StructuredPatch, view: View): ByteHunk[] {
  const bytes = (text: string) => Buffer.from(text, view).toString('latin1');
  return patch.hunks.map((hunk) => {
    // parsePatch has already turned an empty side's "-5,0" into 6, so this is the insertion point too.
    const out: ByteHunk = { at: hunk.oldStart - 1, old: [], new: [] };
    hunk.lines.forEach((line, i) => {
      const op = line === '' ? ' ' : line[0];
      if (op === '\\') return;
      const eol = hunk.lines[i + 1]?.startsWith('\\') ? '' : '\n';
      const text = bytes(line.slice(1)) + eol;
      if (op !== '+') out.old.push(text);
      if (op !== '-') out.new.push(text);
    });
    return out;
  });
}

const matchesAt = (lines: string[], at: number, block: string[]) => at + block.length <= lines.length && block.every((l, i) => lines[at + i] === l);

/** How many placements the check may try before it gives up (and refuses): a bound on work, not a limit real patches meet. */
const CHECK_BUDGET = 100_000;

/**
 * Is `after` exactly `before` with each hunk's old lines replaced by its new lines, in
 * order, without overlap, every other line untouched? A hunk may sit where several
 * places fit (an added blank line, one of two equal lines removed), so places are
 * tried nearest the patch's own line number first, the way patch tools place them, and
 * a dead end backtracks. Whatever this cannot confirm within its budget is refused.
 */
export function differsOnlyByHunks(before: string[], after: string[], hunks: ByteHunk[]): boolean {
  const tailMatches = (o: number, r: number) => before.length - o === after.length - r && before.slice(o).every((l, i) => after[r + i] === l);
  if (hunks.length === 0) return tailMatches(0, 0);
  /** Where hunk h can go after (o, r): unchanged lines up to it, then its old and new lines; nearest the stated line first. */
  const places = (h: number, o: number, r: number, offset: number): number[] => {
    const hunk = hunks[h]!;
    let same = 0;
    while (o + same < before.length && r + same < after.length && before[o + same] === after[r + same]) same++;
    const fit: number[] = [];
    for (let k = 0; k <= same; k++) if (matchesAt(before, o + k, hunk.old) && matchesAt(after, r + k, hunk.new)) fit.push(k);
    const want = hunk.at + offset;
    return fit.sort((a, b) => Math.abs(o + a - want) - Math.abs(o + b - want));
  };
  // Depth-first over hunks, as an explicit stack: a patch may have thousands of hunks.
  const stack = [{ o: 0, r: 0, fit: places(0, 0, 0, 0), next: 0 }];
  let budget = CHECK_BUDGET;
  while (stack.length > 0) {
    const frame = stack[stack.length - 1]!;
    const h = stack.length - 1;
    if (frame.next >= frame.fit.length) {
      stack.pop();
      continue;
    }
    if (--budget < 0) return false;
    const k = frame.fit[frame.next++]!;
    const hunk = hunks[h]!;
    const o = frame.o + k + hunk.old.length;
    const r = frame.r + k + hunk.new.length;
    if (h + 1 === hunks.length) {
      if (tailMatches(o, r)) return true;
      continue;
    }
    stack.push({ o, r, fit: places(h + 1, o, r, frame.o + k - hunk.at), next: 0 });
  }
  return false;
}

/** Why a patch that fits nowhere may not fit: the two usual byte-level mismatches. */
function hint(text: string, patch: StructuredPatch): string {
  const patchText = patch.hunks.flatMap((h) => h.lines).join('\n');
  if (text.includes('\r\n') && !patchText.includes('\r')) return ' (the file has CRLF line endings and the patch has none: make the diff from the file as it is on disk)';
  if (text.startsWith('\ufeff') && !patchText.includes('\ufeff')) return ' (the file starts with a byte order mark, which the patch does not show)';
  return '';
}

/**
 * The bytes `before` (undefined: no file yet, as empty) with the one-file unified
 * diff `patch` applied. Hunks must match exactly (no fuzz); like `patch`, a hunk whose
 * line numbers are off applies where its context matches, nearest first.
 *
 * @throws HandlerError `patch_failed`: not a one-file unified diff, no hunks, it
 *   does not apply, it creates a file (--- /dev/null) that exists, or it deletes one (+++ /dev/null); `unsafe_encoding`: the file is not UTF-8 and the patch has
 *   non-ASCII text (which bytes it means cannot be known), or the patch holds text
 *   with no UTF-8 form.
 */
export function patchBytes(before: Uint8Array | undefined, patch: string, shown: string): Buffer {
  const original = Buffer.from(before ?? new Uint8Array());
  let parsed: StructuredPatch[];
  try {
    parsed = parsePatch(patch);
  } catch (err) {
    throw refuse('patch_failed', `${shown}: the patch is not a unified diff (${err instanceof Error ? err.message : String(err)})`);
  }
  if (parsed.length !== 1) throw refuse('patch_failed', `${shown}: the patch names ${parsed.length} files; a step's patch changes one`);
  const structured = parsed[0]!;
  if (structured.hunks.length === 0) throw refuse('patch_failed', `${shown}: the patch has no hunks (@@ ... @@): nothing to apply`);
  // A patch that creates the file (--- /dev/null) was approved as a new file: over an
  // existing one its lines would land at the top of someone else's file. One that deletes
  // it (+++ /dev/null) was approved as a deletion, which leaves no empty file behind.
  if (structured.oldFileName === '/dev/null' && before !== undefined) {
    throw refuse('patch_failed', `${shown}: the patch creates the file (--- /dev/null), but a file is already there; nothing was changed`);
  }
  if (structured.newFileName === '/dev/null') {
    throw refuse('patch_failed', `${shown}: the patch deletes the file (+++ /dev/null); deleting is a delete_file step, so nothing was changed`);
  }

  const hunkText = structured.hunks.flatMap((h) => h.lines);
  if (hunkText.some(hasLoneSurrogate)) throw refuse('unsafe_encoding', `${shown}: the patch holds a lone UTF-16 surrogate, which has no bytes to write`);
  // Lossless both ways: valid UTF-8 decodes and re-encodes to the same bytes (a BOM stays
  // U+FEFF), and Latin-1 maps each byte to one char (see textView).
  const { view, text } = textView(original);
  if (view === 'latin1' && hunkText.some((l) => NON_ASCII.test(l))) {
    throw refuse('unsafe_encoding', `${shown}: the file is not UTF-8 and the patch has non-ASCII text; which bytes that text stands for cannot be known, so nothing was changed`);
  }
  const applied = applyPatch(text, structured, { autoConvertLineEndings: false, fuzzFactor: 0 });
  if (applied === false) throw refuse('patch_failed', `${shown}: the patch does not apply to the file as it is${hint(text, structured)}`);
  const result = Buffer.from(applied, view);
  if (view === 'latin1' && result.toString('latin1') !== applied) {
    throw refuse('unsafe_encoding', `${shown}: the result has characters the file's encoding cannot hold`);
  }
  if (!differsOnlyByHunks(byteLines(original.toString('latin1')), byteLines(result.toString('latin1')), byteHunks(structured, view))) {
    throw refuse('patch_failed', `${shown}: applying the patch changed more than its hunks (or could not be checked), so nothing was written`);
  }
  return result;
}
