/**
 * Keep a step's path inside its root: no absolute paths, no `..` out of it, and no
 * symlink (the file itself, or a directory on the way) that points outside. Checked
 * on the real filesystem, through fs.realpath of the nearest part that exists.
 * The path is read through core's canonicalPath, the function the policy judged it by,
 * so the handler touches exactly the file the policy and the reviewer saw; a path with
 * no single meaning (a backslash, a drive letter, a leading ~) is refused.
 */
import { lstat, realpath } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { canonicalPath } from '@greenlight/core';
import { HandlerError } from '../run.ts';

const escape = (message: string) => new HandlerError(message, { code: 'path_escape', retryable: false });
const ambiguous = (message: string) => new HandlerError(message, { code: 'path_ambiguous', retryable: false });

const inside = (root: string, p: string): boolean => {
  const rel = relative(root, p);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
};

const isMissing = (err: unknown): boolean => {
  const code = (err as { code?: unknown }).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
};

/** The nearest part of `p` that exists, and where it really is. */
async function nearestReal(p: string, shown: string): Promise<{ existing: string; real: string }> {
  for (let at = p; ; at = dirname(at)) {
    try {
      return { existing: at, real: await realpath(at) };
    } catch (err) {
      if (!isMissing(err) || dirname(at) === at) throw err;
    }
    // realpath failed, yet lstat finds a dangling symlink: writing through it would land wherever it points.
    if (
      await lstat(at).then(
        (s) => s.isSymbolicLink(),
        () => false,
      )
    )
      throw escape(`${shown}: goes through a symlink that points nowhere`);
  }
}

export type Resolved = {
  /** The path as named, under the real root: unlink this to remove a symlink itself rather than its target. */
  named: string;
  /** Where it really lands, symlinks followed; for a path that does not exist yet, its would-be location. */
  real: string;
};

/** Resolve `path` (relative to `root`), or refuse it with code path_escape. */
export async function resolveInside(root: string, path: string): Promise<Resolved> {
  if (isAbsolute(path)) throw escape(`${path}: absolute paths are refused; give a path relative to the root`);
  const canonical = canonicalPath(path);
  if (!canonical.ok) throw canonical.problem === 'above_root' ? escape(`${path}: leaves the root`) : ambiguous(canonical.reason);
  const realRoot = await realpath(root);
  const named = resolve(realRoot, canonical.path);
  if (!inside(realRoot, named)) throw escape(`${path}: leaves the root`);
  const { existing, real } = await nearestReal(named, path);
  if (!inside(realRoot, real)) throw escape(`${path}: a symlink on the way points outside the root`);
  return { named, real: resolve(real, relative(existing, named)) };
}
