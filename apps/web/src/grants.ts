/**
 * A remembered grant's matcher (core's GrantMatcher, h/sessions) as the page shows and
 * edits it: in words ("the exact command `npm test`", "commands starting with `npm run`",
 * "edits of paths matching `src/**`"), and from the reviewer's edits back to a matcher.
 * The server checks every matcher (it must still match the approved step); the page only
 * shapes it. Pure: grants.test.ts.
 */
import type { GrantMatcher } from '@greenlight/core';

const KIND_WORDS: Record<string, string> = { read: 'reads', edit_file: 'edits', delete_file: 'deletes' };

/** The matcher in words, for the grants list and the approve-for-this-session form. */
export function matcherText(m: GrantMatcher): string {
  switch (m.kind) {
    case 'command': {
      const where = m.cwd !== undefined ? ` in ${m.cwd}` : '';
      return 'exact' in m ? `the command ${m.exact}${where}` : `commands starting with ${m.argvPrefix.join(' ')}${where}`;
    }
    case 'path':
      return `${KIND_WORDS[m.stepKind] ?? m.stepKind} of paths matching ${m.glob}`;
    case 'tool':
      return `the tool ${m.tool}`;
  }
}

/**
 * What the reviewer may change: the command's reach (exact, or a prefix of words), a
 * path's glob, a tool's name. A command's directory (`cwd`) is kept as suggested: the
 * server binds a command grant to the directory it was approved in.
 */
export type GrantDraft =
  | { kind: 'command'; exact: string; reach: 'exact' | 'prefix'; prefix: string; cwd?: string | undefined }
  | { kind: 'path'; stepKind: 'read' | 'edit_file' | 'delete_file'; glob: string }
  | { kind: 'tool'; tool: string };

/**
 * The form's starting point for a suggested matcher. A command's prefix starts at its
 * first two words (`npm test`, `git status`): a reviewer widening usually means "this
 * tool, this subcommand"; the words are split on spaces, which the server re-checks
 * against the parsed command.
 */
export function draftOf(m: GrantMatcher): GrantDraft {
  switch (m.kind) {
    case 'command': {
      const words = 'exact' in m ? m.exact.trim().split(/\s+/) : m.argvPrefix;
      return {
        kind: 'command',
        exact: 'exact' in m ? m.exact : m.argvPrefix.join(' '),
        reach: 'exact' in m ? 'exact' : 'prefix',
        prefix: words.slice(0, 2).join(' '),
        ...(m.cwd !== undefined ? { cwd: m.cwd } : {}),
      };
    }
    case 'path':
      return { kind: 'path', stepKind: m.stepKind, glob: m.glob };
    case 'tool':
      return { kind: 'tool', tool: m.tool };
  }
}

/** The matcher the form sends, or why it cannot (an empty prefix or glob). */
export function matcherOf(d: GrantDraft): { ok: true; matcher: GrantMatcher } | { ok: false; error: string } {
  switch (d.kind) {
    case 'command': {
      const where = d.cwd !== undefined ? { cwd: d.cwd } : {};
      if (d.reach === 'exact') return { ok: true, matcher: { kind: 'command', exact: d.exact, ...where } };
      const argvPrefix = d.prefix.trim().split(/\s+/).filter(Boolean);
      return argvPrefix.length > 0 ? { ok: true, matcher: { kind: 'command', argvPrefix, ...where } } : { ok: false, error: 'Type the words the commands must start with.' };
    }
    case 'path':
      return d.glob.trim() ? { ok: true, matcher: { kind: 'path', stepKind: d.stepKind, glob: d.glob.trim() } } : { ok: false, error: 'Type a path or a glob.' };
    case 'tool':
      return d.tool.trim() ? { ok: true, matcher: { kind: 'tool', tool: d.tool.trim() } } : { ok: false, error: 'Type the tool’s name.' };
  }
}
