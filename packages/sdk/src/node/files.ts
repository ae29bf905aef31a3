/**
 * edit_file and delete_file, applied under a root directory, to bytes: the file ends
 * up differing from what it was by exactly the approved change, whatever its encoding,
 * line endings or final newline. The approval was given for the file as the agent
 * read it: when the step carries a baseHash and the file has changed since, the change
 * is refused (stale_base) and the file is left alone. See patch.ts for how a patch is
 * applied and checked, atomic.ts for how the file is replaced or deleted.
 */
import { Buffer } from 'node:buffer';
import { stat } from 'node:fs/promises';
import type { ClaimedStep } from '@greenlight/core';
import { HandlerError, type StepHandler } from '../run.ts';
import { readSnapshot, removeChecked, writeChecked } from './atomic.ts';
import { sha256Bytes } from './hash.ts';
import { hasLoneSurrogate, patchBytes } from './patch.ts';
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

/** @throws stale_base when the step carries a baseHash and `bytes` (undefined: no file) are not what it names. */
function checkBase(step: ClaimedStep, shown: string, bytes: Uint8Array | undefined): void {
  if (step.baseHash === undefined) return;
  if (bytes === undefined) throw refuse('stale_base', `${shown}: the file was deleted since it was read (baseHash ${step.baseHash.slice(0, 12)}…); the approval is stale`);
  const now = sha256Bytes(bytes);
  if (now !== step.baseHash) {
    throw refuse('stale_base', `${shown}: the file changed since it was read (baseHash ${step.baseHash.slice(0, 12)}…, now ${now.slice(0, 12)}…); the approval is stale`);
  }
}

/**
 * The approved `content` as bytes: its UTF-8 encoding, exactly (no byte order mark
 * added or removed, line endings as written). A lone surrogate has no UTF-8 form.
 */
function contentBytes(content: string, shown: string): Buffer {
  if (hasLoneSurrogate(content)) throw refuse('unsafe_encoding', `${shown}: the content holds a lone UTF-16 surrogate, which has no bytes to write`);
  return Buffer.from(content, 'utf8');
}

export function fileHandlers({ root }: FileHandlersOptions): { edit_file: StepHandler; delete_file: StepHandler } {
  return {
    async edit_file(step) {
      const shown = param(step, 'path');
      if (shown === undefined) throw refuse('bad_params', 'edit_file needs params.path');
      const { real: path } = await resolveInside(root, shown);
      const before = await readSnapshot(path, shown);
      checkBase(step, shown, before?.bytes);
      const patch = param(step, 'patch');
      const content = param(step, 'content');
      let after: Buffer;
      if (content !== undefined) after = contentBytes(content, shown);
      else if (patch !== undefined) after = patchBytes(before?.bytes, patch, shown);
      else throw refuse('bad_params', 'edit_file needs params.patch or params.content');
      // Written only if the file is still the one just checked (or still absent).
      await writeChecked(path, shown, before, after);
      return { output: { path: shown, created: before === undefined, bytes: after.length, sha256: sha256Bytes(after) } };
    },

    async delete_file(step) {
      const shown = param(step, 'path');
      if (shown === undefined) throw refuse('bad_params', 'delete_file needs params.path');
      const { named, real } = await resolveInside(root, shown);
      if ((await stat(real).catch(() => undefined))?.isDirectory()) throw refuse('not_a_file', `${shown}: is a directory; delete_file removes one file`);
      const before = await readSnapshot(real, shown);
      checkBase(step, shown, before?.bytes);
      // The name, not its target: deleting a symlink removes the link, as rm does. With a
      // baseHash, the bytes are checked again on the very file taken away, so a file
      // swapped in after the check above is put back, not deleted.
      const deleted = before !== undefined && (await removeChecked(named, shown, step.baseHash === undefined ? undefined : (bytes) => checkBase(step, shown, bytes)));
      if (!deleted) {
        // Gone already. For a step run again after a lost lease, that is the first attempt's work.
        if (step.idempotent) return { output: { path: shown, deleted: false } };
        throw refuse('not_found', `${shown}: no such file`);
      }
      return { output: { path: shown, deleted: true } };
    },
  };
}
