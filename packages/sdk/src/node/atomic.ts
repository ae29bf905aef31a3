/**
 * Changing one file on disk so that only the file that was checked changes. Reads do
 * not follow a symlink swapped in after the path was resolved; writes go through a
 * synced temporary sibling and a rename (never half a file), after checking, right
 * before the rename, that the file is still the one that was read; deletes first move
 * the file out of the way and then check what they moved, so a file swapped in
 * between the check and the delete is never the one deleted.
 *
 * What remains: between the last check and the rename there is a window of a few
 * system calls in which another writer's change would be overwritten; POSIX has no
 * compare-and-swap rename to close it.
 */
import { Buffer } from 'node:buffer';
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { link, lstat, mkdir, open, realpath, rename, rm, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { HandlerError } from '../run.ts';

/** A regular file as it was read: its bytes, and its identity to notice a replacement. */
export type Snapshot = { bytes: Buffer; dev: number; ino: number; mode: number };

const codeOf = (err: unknown): unknown => (err as { code?: unknown }).code;

const refuse = (code: string, message: string) => new HandlerError(message, { code, retryable: false });
const changed = (shown: string, what: string) => refuse('stale_base', `${shown}: ${what} while the step ran; the approval was for the file as it was read, so nothing was changed`);

// O_NONBLOCK: opening a FIFO someone put at the path returns at once instead of waiting for a writer.
const READ = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);
const NO_FOLLOW = constants.O_NOFOLLOW ?? 0;

/**
 * The regular file at `path`, or undefined when there is none. `follow: false` (the
 * default; `path` is already resolved) refuses a symlink found there now.
 * @throws HandlerError `not_a_file` (a directory, FIFO, device...), `stale_base` (a symlink appeared)
 */
export async function readSnapshot(path: string, shown: string, { follow = false } = {}): Promise<Snapshot | undefined> {
  let fh;
  try {
    fh = await open(path, READ | (follow ? 0 : NO_FOLLOW));
  } catch (err) {
    if (codeOf(err) === 'ENOENT') return undefined;
    if (codeOf(err) === 'ELOOP') throw changed(shown, 'the file was replaced by a symlink');
    throw err;
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw refuse('not_a_file', `${shown}: is not a regular file; edit_file and delete_file change one file`);
    return { bytes: await fh.readFile(), dev: st.dev, ino: st.ino, mode: st.mode & 0o7777 };
  } finally {
    await fh.close();
  }
}

const sameFile = (a: Snapshot, b: Snapshot | undefined) => b !== undefined && a.dev === b.dev && a.ino === b.ino && a.bytes.equals(b.bytes);

// Cut to fit NAME_MAX (255 bytes) whatever the name.
const tempSibling = (path: string) => join(dirname(path), `.${Buffer.from(basename(path)).subarray(0, 180).toString()}.greenlight-${randomBytes(6).toString('hex')}`);

/** The directory is still where it was resolved: no directory on the way was swapped for a symlink since. */
async function checkDir(dir: string, shown: string): Promise<void> {
  if ((await realpath(dir)) !== dir) throw refuse('path_escape', `${shown}: a directory on the way was replaced by a symlink while the step ran`);
}

/** Put `from` at `to` only if nothing is there (link fails on an existing name), then drop `from`. */
async function moveNoReplace(from: string, to: string): Promise<'moved' | 'exists'> {
  try {
    await link(from, to);
  } catch (err) {
    if (codeOf(err) === 'EEXIST') return 'exists';
    // A filesystem without hard links: check, then rename (a narrower guarantee).
    if (!['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS'].includes(String(codeOf(err)))) throw err;
    if (
      await lstat(to).then(
        () => true,
        () => false,
      )
    )
      return 'exists';
    await rename(from, to);
    return 'moved';
  }
  await unlink(from);
  return 'moved';
}

/**
 * Make `path` (a resolved, real path) hold exactly `data`. `expected` is the file as it
 * was read (undefined: there was none, and the file is created only if still absent).
 * Keeps the file's permission bits; the new inode has the writer's owner.
 * @throws HandlerError `stale_base` when the file changed (or appeared) meanwhile; the file is left as it is.
 */
export async function writeChecked(path: string, shown: string, expected: Snapshot | undefined, data: Uint8Array): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  // Checked before the temporary file is written (no bytes land outside) and again before the rename.
  await checkDir(dir, shown);
  const tmp = tempSibling(path);
  try {
    // 'wx': a fresh name, never through an existing file or symlink. Owner-only until the mode is copied.
    const fh = await open(tmp, 'wx', expected ? 0o600 : 0o666);
    try {
      await fh.writeFile(data);
      if (expected) await fh.chmod(expected.mode);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await checkDir(dir, shown);
    if (expected === undefined) {
      if ((await moveNoReplace(tmp, path)) === 'exists') throw changed(shown, 'a file appeared at this path');
      return;
    }
    if (!sameFile(expected, await readSnapshot(path, shown))) throw changed(shown, 'the file changed');
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/**
 * Delete the file named `named` (a symlink itself, not its target, as rm does), after
 * `check` accepts its bytes (read through the link). The file is first renamed to a
 * private name and checked there, so what is checked is what is deleted; a refused file
 * goes back under its name.
 * @returns false when there was nothing to delete.
 * @throws whatever `check` throws, or HandlerError `not_a_file`, `path_escape`, `stale_base`.
 */
export async function removeChecked(named: string, shown: string, check?: (bytes: Buffer) => void): Promise<boolean> {
  const st = await lstat(named).catch((err: unknown) => {
    if (codeOf(err) === 'ENOENT') return undefined;
    throw err;
  });
  if (!st) return false;
  if (st.isDirectory()) throw refuse('not_a_file', `${shown}: is a directory; delete_file removes one file`);
  await checkDir(dirname(named), shown);
  if (!check) {
    await unlink(named);
    return true;
  }
  const tmp = tempSibling(named);
  try {
    await rename(named, tmp);
  } catch (err) {
    if (codeOf(err) === 'ENOENT') return false;
    throw err;
  }
  try {
    const taken = await readSnapshot(tmp, shown, { follow: true });
    if (!taken) throw changed(shown, 'the file vanished');
    check(taken.bytes);
  } catch (err) {
    if ((await moveNoReplace(tmp, named)) === 'exists') {
      throw refuse('stale_base', `${shown}: a new file appeared under this name while the step ran; the file that was there is kept as ${basename(tmp)}`);
    }
    throw err;
  }
  await unlink(tmp);
  return true;
}
