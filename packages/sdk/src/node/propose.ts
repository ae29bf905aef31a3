/**
 * Proposing a file write as a reviewer should see it (issue 16, item 3): writing new
 * content over a file that exists is an edit, so the step carries a unified diff against
 * the file as it is on disk (and its baseHash, so the approval goes stale if the file
 * changes); only a file that does not exist yet is sent as new content. The diff is made
 * over the same lossless text view the file handlers patch through (textView), so what
 * the reviewer approves is byte for byte what fileHandlers writes.
 */
import { Buffer } from 'node:buffer';
import { readFile } from 'node:fs/promises';
import { canonicalPath, type StepInput } from '@greenlight/core';
import { createTwoFilesPatch, FILE_HEADERS_ONLY } from 'diff';
import { HandlerError } from '../run.ts';
import { sha256Bytes } from './hash.ts';
import { patchBytes, textView } from './patch.ts';
import { resolveInside } from './paths.ts';

export type WriteFileStepOptions = {
  /** The directory the path is relative to (the same root fileHandlers gets). */
  root: string;
  /** The file, relative to root. */
  path: string;
  /** The whole new content, as text (written as UTF-8). */
  content: string;
  key: string;
  title?: string;
  explanation?: string;
  dependsOn?: string[];
};

/** An edit_file step as plan() takes it. */
export type EditFileStep = Pick<StepInput, 'key' | 'kind' | 'title' | 'params'> & Partial<Pick<StepInput, 'baseHash' | 'explanation' | 'dependsOn'>>;

async function bytesOf(path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path);
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * The edit_file step that makes `path` hold `content`: `{path, patch}` with baseHash for an
 * existing file, `{path, content}` for a new one. A file whose change cannot be shown as a
 * diff of its bytes (not UTF-8, with non-ASCII changes) is sent as content, with its
 * baseHash and an explanation saying so.
 * @throws HandlerError path_escape / path_ambiguous for a path outside root or with no single meaning.
 */
export async function writeFileStep(o: WriteFileStepOptions): Promise<EditFileStep> {
  const { real } = await resolveInside(o.root, o.path);
  const canonical = canonicalPath(o.path);
  if (!canonical.ok) throw new HandlerError(canonical.reason, { code: 'path_ambiguous', retryable: false });
  const path = canonical.path;
  const before = await bytesOf(real);
  const base = {
    key: o.key,
    kind: 'edit_file' as const,
    ...(o.explanation !== undefined ? { explanation: o.explanation } : {}),
    ...(o.dependsOn !== undefined ? { dependsOn: o.dependsOn } : {}),
  };
  if (before === undefined) return { ...base, title: o.title ?? `Create ${path}`, params: { path, content: o.content } };
  const baseHash = sha256Bytes(before);
  const { text } = textView(before);
  const patch = createTwoFilesPatch(path, path, text, o.content, undefined, undefined, { headerOptions: FILE_HEADERS_ONLY });
  const after = Buffer.from(o.content, 'utf8');
  // Only a diff that stands for exactly these bytes is shown; otherwise the content is, and the step says why.
  let exact = false;
  try {
    exact = patchBytes(before, patch, path).equals(after);
  } catch {
    exact = false;
  }
  if (!exact) {
    return {
      ...base,
      title: o.title ?? `Overwrite ${path}`,
      params: { path, content: o.content },
      baseHash,
      explanation: [o.explanation, `${path} exists, but this change cannot be shown as a diff of its bytes (it is not UTF-8 text, or nothing changes), so the new content is shown whole.`]
        .filter(Boolean)
        .join(' '),
    };
  }
  return { ...base, title: o.title ?? `Edit ${path}`, params: { path, patch }, baseHash };
}
