/**
 * Paths mean one thing everywhere (issue 11, item 2; SPEC section 11). The policy, the
 * Claude Code hook and the SDK's file handlers all read a step's path through
 * `canonicalPath`, so the file a rule judged is the file a handler writes.
 *
 * The canonical form, POSIX throughout:
 * - absolute (`/etc/passwd`) and relative (`src/app.ts`) stay apart: a leading `/` is
 *   never dropped, and `//x` is `/x`;
 * - `.` segments, repeated and trailing `/` are dropped, and `..` removes the segment
 *   before it (`/..` is `/`, as the kernel has it); names that merely start with dots
 *   (`..foo`, `.github`) are names like any other;
 * - Unicode is NFC, so a name has one spelling (macOS file systems treat the NFD
 *   spelling as the same file; a rule written in NFC also catches it);
 * - the root itself is `.` (relative) or `/` (absolute).
 *
 * Paths with no single meaning are refused (`ok: false`): a backslash (a separator on
 * Windows, a name character on POSIX), a drive letter (`C:`), a leading `~` (the home
 * directory to a shell, a plain name to the file system), a relative path whose `..`
 * climbs above its root, and NUL. The policy fails closed on them (policy.ts): a deny
 * or ask rule with a `path` matches them, an allow rule never does; the SDK refuses to
 * touch them.
 */

/** A path in canonical form, or why it has none: no single meaning, or above its root. */
export type CanonicalPath = { ok: true; path: string; absolute: boolean } | { ok: false; problem: 'ambiguous' | 'above_root'; reason: string };

/** Why a raw path (or a path pattern) has no single meaning, if it has not. */
function ambiguity(raw: string): string | undefined {
  if (raw.length === 0) return 'is empty';
  if (raw.includes('\0')) return 'contains NUL';
  if (raw.includes('\\')) return 'contains a backslash (a separator on Windows, a name character on POSIX); write / between names';
  if (/^[A-Za-z]:/.test(raw)) return 'starts with a drive letter; Greenlight paths are POSIX paths';
  if (raw.startsWith('~')) return 'starts with ~ (the home directory to a shell, a plain name to the file system); write the absolute path';
  return undefined;
}

/**
 * The canonical form of a step's path (rules above). Pure string work: no file system,
 * no current directory. Relative paths stay relative to whatever root the step runs in.
 */
export function canonicalPath(raw: string): CanonicalPath {
  const bad = ambiguity(raw);
  if (bad !== undefined) return { ok: false, problem: 'ambiguous', reason: `path ${JSON.stringify(raw)} ${bad}` };
  const nfc = raw.normalize('NFC');
  const absolute = nfc.startsWith('/');
  const out: string[] = [];
  for (const seg of nfc.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg !== '..') out.push(seg);
    else if (out.length > 0) out.pop();
    else if (!absolute) return { ok: false, problem: 'above_root', reason: `path ${JSON.stringify(raw)} climbs above its root with ..` };
  }
  return { ok: true, absolute, path: absolute ? `/${out.join('/')}` : out.length === 0 ? '.' : out.join('/') };
}

/**
 * A path as seen from `root` (an absolute directory, such as a session's cwd): relative
 * when it lies inside `root`, absolute otherwise. Relative inputs are taken relative to
 * `root`. The hook uses this so that a policy's relative globs (`src/**`) match files
 * inside the project and its absolute globs (`/etc/**`) match the rest.
 */
export function pathFrom(root: string, raw: string): CanonicalPath {
  const base = canonicalPath(root);
  if (!base.ok || !base.absolute) return { ok: false, problem: 'ambiguous', reason: `root ${JSON.stringify(root)} is not an absolute path` };
  const bad = ambiguity(raw);
  if (bad !== undefined) return { ok: false, problem: 'ambiguous', reason: `path ${JSON.stringify(raw)} ${bad}` };
  const full = canonicalPath(raw.startsWith('/') ? raw : `${base.path}/${raw}`);
  if (!full.ok) return full;
  if (full.path === base.path) return { ok: true, absolute: false, path: '.' };
  const prefix = base.path === '/' ? '/' : `${base.path}/`;
  return full.path.startsWith(prefix) ? { ok: true, absolute: false, path: full.path.slice(prefix.length) } : full;
}

/**
 * Why a `path` glob of a policy rule can never match a canonical path, if so; checked at
 * `policy.set`. A glob is absolute when it starts with `/` and then matches only absolute
 * paths; otherwise it matches only relative ones.
 */
export function pathPatternProblem(glob: string): string | undefined {
  const bad = ambiguity(glob);
  if (bad !== undefined) return `path pattern ${JSON.stringify(glob)} ${bad}`;
  if (glob.startsWith('!')) return `path pattern ${JSON.stringify(glob)} is a negation, which is not available: order an allow rule before a broader deny instead`;
  const segments = glob.split('/');
  const inner = glob.startsWith('/') ? segments.slice(1) : segments;
  if (glob !== '/' && inner.some((s) => s === '' || s === '.' || s === '..')) {
    return `path pattern ${JSON.stringify(glob)} can never match: paths are compared in canonical form, without empty, . or .. segments and without a trailing /`;
  }
  if (glob.normalize('NFC') !== glob) return `path pattern ${JSON.stringify(glob)} is not in Unicode NFC form, the form paths are compared in`;
  return undefined;
}
