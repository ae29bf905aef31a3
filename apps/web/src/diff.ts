/**
 * Unified diffs for the review view: files, hunks, and each line with its old and new
 * line numbers. The parsing is jsdiff's `parsePatch` (the `diff` package, as the SDK and
 * CLI use); this only numbers the lines. Pure, so it is tested in Node; a patch jsdiff
 * cannot read comes back empty, and the caller shows it raw rather than guessed at.
 */
import { parsePatch as parseUnified } from 'diff';

export type DiffLine = { kind: 'add' | 'del' | 'ctx' | 'note'; text: string; oldNo?: number; newNo?: number };
export type Hunk = { header: string; lines: DiffLine[] };
export type FileDiff = { oldPath?: string; newPath?: string; hunks: Hunk[] };

/** `a/src/x.ts\t2024-01-01` -> `src/x.ts`; /dev/null stays as is. */
function cleanPath(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const path = raw.split('\t')[0]!.trim();
  return /^[ab]\//.test(path) ? path.slice(2) : path;
}

/** Parse a unified diff (one file or a multi-file git patch); files without hunks are left out. */
export function parsePatch(patch: string): FileDiff[] {
  let parsed: ReturnType<typeof parseUnified>;
  try {
    parsed = parseUnified(patch.replace(/\r\n/g, '\n'));
  } catch {
    // A hunk whose line counts do not match its lines, or a line no diff has: not guessed at.
    return [];
  }
  return parsed
    .filter((f) => f.hunks.length > 0)
    .map((f) => {
      const oldPath = cleanPath(f.oldFileName);
      const newPath = cleanPath(f.newFileName);
      return {
        ...(oldPath !== undefined ? { oldPath } : {}),
        ...(newPath !== undefined ? { newPath } : {}),
        hunks: f.hunks.map((h) => {
          // jsdiff moves an empty side's start one up (-0,0 reads as 1): put the header back as written.
          const oldStart = h.oldLines === 0 ? h.oldStart - 1 : h.oldStart;
          const newStart = h.newLines === 0 ? h.newStart - 1 : h.newStart;
          let oldNo = h.oldStart;
          let newNo = h.newStart;
          const lines = h.lines.map((line): DiffLine => {
            const sign = line[0];
            const text = line.slice(1);
            if (sign === '+') return { kind: 'add', text, newNo: newNo++ };
            if (sign === '-') return { kind: 'del', text, oldNo: oldNo++ };
            if (sign === '\\') return { kind: 'note', text: line };
            // An empty line is context whose leading space an editor trimmed.
            return { kind: 'ctx', text, oldNo: oldNo++, newNo: newNo++ };
          });
          return { header: `@@ -${oldStart},${h.oldLines} +${newStart},${h.newLines} @@`, lines };
        }),
      };
    });
}

/** A whole new file content as one hunk of added lines. */
export function contentAsDiff(content: string): FileDiff {
  const lines = content.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return {
    hunks: [{ header: `@@ -0,0 +1,${lines.length} @@`, lines: lines.map((text, i) => ({ kind: 'add', text, newNo: i + 1 })) }],
  };
}

/** Added and removed line counts, for the summary beside the file name. */
export function diffStats(files: FileDiff[]): { added: number; removed: number } {
  let added = 0;
  let removed = 0;
  for (const f of files) {
    for (const h of f.hunks) {
      for (const l of h.lines) {
        if (l.kind === 'add') added++;
        else if (l.kind === 'del') removed++;
      }
    }
  }
  return { added, removed };
}
