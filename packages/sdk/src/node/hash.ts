/** SHA-256 of a file's bytes, as the hex `baseHash` an edit_file or delete_file step carries. */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';

export const sha256Bytes = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** The hash to put in a step's `baseHash` when planning a change to the file at `path`. */
export async function sha256File(path: string): Promise<string> {
  return sha256Bytes(await readFile(path));
}
