/**
 * Claude Code's Edit and MultiEdit as pure functions over a file's text, so the hook
 * can show the reviewer the file as it would be after the tool runs.
 */
import type { EditOp } from './input.ts';

export type Applied = { ok: true; content: string } | { ok: false; error: string };

/**
 * One exact-string replacement. Strings, never regexes or String.replace patterns: a
 * `$&` in new code must land as `$&`. An empty old_string creates the content of a
 * missing or empty file, as Claude Code's Edit does.
 */
export function applyEdit(content: string | undefined, op: EditOp): Applied {
  if (op.old_string === '') {
    if (content === undefined || content === '') return { ok: true, content: op.new_string };
    return { ok: false, error: 'old_string is empty but the file is not' };
  }
  if (content === undefined) return { ok: false, error: 'the file does not exist' };
  const at = content.indexOf(op.old_string);
  if (at < 0) return { ok: false, error: 'old_string is not in the file' };
  const parts = content.split(op.old_string);
  if (op.replace_all) return { ok: true, content: parts.join(op.new_string) };
  // Claude Code refuses an ambiguous edit; showing one guess would approve something else.
  if (parts.length > 2) return { ok: false, error: `old_string occurs ${parts.length - 1} times and replace_all is not set` };
  return { ok: true, content: content.slice(0, at) + op.new_string + content.slice(at + op.old_string.length) };
}

/** MultiEdit: each edit applies to the result of the one before; one failure fails all. */
export function applyEdits(content: string | undefined, ops: EditOp[]): Applied {
  let current = content;
  for (const [i, op] of ops.entries()) {
    const r = applyEdit(current, op);
    if (!r.ok) return { ok: false, error: `edit ${i + 1} of ${ops.length}: ${r.error}` };
    current = r.content;
  }
  return { ok: true, content: current ?? '' };
}
