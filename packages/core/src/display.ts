/**
 * Showing text a reviewer decides on. Titles, commands, diffs, paths and feedback come
 * from agents (which a prompt injection may steer) and are shown to people who approve
 * what they see. Some characters change how text looks rather than what it says: a
 * terminal obeys escape sequences (`ESC[8m` hides the rest of a command, `\r` and
 * `ESC[2K` overwrite it), bidirectional overrides reorder it on a page and in a
 * terminal ("Trojan Source", CVE-2021-42574), zero-width and tag characters hide text
 * outright. Every reader (the CLI, the web page) shows such a character as a visible
 * escape instead, through this one function, so what is shown is what would run.
 */

/**
 * The characters shown as escapes: C0 controls but tab and newline (so `\r` and ESC),
 * DEL and the C1 controls (8-bit CSI among them), the bidirectional marks, embeddings,
 * overrides and isolates, zero-width and invisible format characters, the line and
 * paragraph separators, the byte order mark, and the Unicode tag characters
 * (U+E0000-U+E007F, invisible text).
 */
const HIDDEN = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff\u{e0000}-\u{e007f}]/gu;

/** One hidden character as a visible escape: `\r`, `\x1b`, `\u{202e}`. */
function escapeOf(c: string): string {
  if (c === '\r') return '\\r';
  const code = c.codePointAt(0)!;
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
}

/**
 * `text` with every character that changes how text looks rather than what it says
 * (see HIDDEN) replaced by a visible escape; tabs and newlines stay. Pure; text without
 * such characters comes back unchanged.
 */
export const revealHidden = (text: string): string => text.replace(HIDDEN, escapeOf);

/** Whether `text` holds a character revealHidden would escape. */
export const hasHidden = (text: string): boolean => {
  HIDDEN.lastIndex = 0;
  const found = HIDDEN.test(text);
  HIDDEN.lastIndex = 0;
  return found;
};

/**
 * A copy of a JSON-like value with revealHidden applied to every string in it, object
 * keys included: for readers that show a whole task or approval. Arrays and plain
 * objects are copied; other values are returned as they are.
 */
export function revealHiddenDeep<T>(value: T): T {
  if (typeof value === 'string') return revealHidden(value) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => revealHiddenDeep(v)) as T;
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [revealHidden(k), revealHiddenDeep(v)])) as T;
  }
  return value;
}
