/**
 * edit_file and delete_file, applied under a root directory. The approval was given
 * for the file as the agent read it: when the step carries a baseHash and the file
 * has changed since, the change is refused (stale_base) and the file is left alone.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { applyPatch } from 'diff';
import type { ClaimedStep } from '@greenlight/core';
import { HandlerError, type StepHandler } from '../run.ts';
import { sha256Bytes } from './hash.ts';
import { resolveInside } from './paths.ts';

export type FileHandlersOptions = {
  /** Every path a step names is relative to this directory and must stay inside it. */
  root: string;
};

const refuse = (code: string, message: string) => new HandlerError(message, { code, retryable: false });

const param = (step: ClaimedStep, name: string): string | undefined => {
  const v = step.params[name];
  return typeof v === 'string' ? v : undefined;
};

/** The file's bytes, or undefined when there is none. */
async function current(path: string): Promise<Uint8Array | undefined> {
  try {
    return await readFile(path);
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ENOENT') return undefined;
    throw err;
  }
}

function checkBase(step: ClaimedStep, shown: string, bytes: Uint8Array | undefined): void {
  if (step.baseHash === undefined) return;
  if (bytes === undefined) throw refuse('stale_base', `${shown}: the file was deleted since it was read (baseHash ${step.baseHash.slice(0, 12)}…); the approval is stale`);
  const now = sha256Bytes(bytes);
  if (now !== step.baseHash) {
    throw refuse('stale_base', `${shown}: the file changed since it was read (baseHash ${step.baseHash.slice(0, 12)}…, now ${now.slice(0, 12)}…); the approval is stale`);
  }
}

/** Write through a temporary sibling and a rename, so a crash never leaves half a file. */
async function writeAtomic(path: string, data: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const mode = await stat(path).then((s) => s.mode, () => undefined);
  const tmp = join(dirname(path), `.${basename(path)}.greenlight-${randomBytes(6).toString('hex')}`);
  try {
    await writeFile(tmp, data);
    if (mode !== undefined) await chmod(tmp, mode);
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

export function fileHandlers({ root }: FileHandlersOptions): { edit_file: StepHandler; delete_file: StepHandler } {
  return {
    async edit_file(step) {
      const shown = param(step, 'path');
      if (shown === undefined) throw refuse('bad_params', 'edit_file needs params.path');
      const { real: path } = await resolveInside(root, shown);
      const before = await current(path);
      checkBase(step, shown, before);
      const patch = param(step, 'patch');
      const content = param(step, 'content');
      let after: string;
      if (content !== undefined) after = content;
      else if (patch !== undefined) {
        let applied: string | false;
        try {
          applied = applyPatch(before === undefined ? '' : new TextDecoder().decode(before), patch);
        } catch (err) {
          // jsdiff throws on a patch it cannot parse, or one that names several files.
          throw refuse('patch_failed', `${shown}: the patch is not a single-file unified diff (${err instanceof Error ? err.message : String(err)})`);
        }
        if (applied === false) throw refuse('patch_failed', `${shown}: the patch does not apply to the file as it is`);
        after = applied;
      } else throw refuse('bad_params', 'edit_file needs params.patch or params.content');
      await writeAtomic(path, after);
      const bytes = new TextEncoder().encode(after);
      return { output: { path: shown, created: before === undefined, bytes: bytes.length, sha256: sha256Bytes(bytes) } };
    },

    async delete_file(step) {
      const shown = param(step, 'path');
      if (shown === undefined) throw refuse('bad_params', 'delete_file needs params.path');
      const { named, real } = await resolveInside(root, shown);
      if ((await stat(real).catch(() => undefined))?.isDirectory()) throw refuse('not_a_file', `${shown}: is a directory; delete_file removes one file`);
      const before = await current(real);
      checkBase(step, shown, before);
      if (before === undefined) {
        // Gone already. For a step run again after a lost lease, that is the first attempt's work.
        if (step.idempotent) return { output: { path: shown, deleted: false } };
        throw refuse('not_found', `${shown}: no such file`);
      }
      // The name, not its target: deleting a symlink removes the link, as rm does.
      await unlink(named);
      return { output: { path: shown, deleted: true } };
    },
  };
}
