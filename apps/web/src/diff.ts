/**
 * A unified-diff parser for the review view: files, hunks, and each line with its
 * old and new line numbers. Pure, so it is tested in Node; what it cannot read is
 * shown raw by the caller rather than guessed at.
 */
export type DiffLine = { kind: 'add' | 'del' | 'ctx' | 'note'; text: string; oldNo?: number; newNo?: number };
export type Hunk = { header: string; lines: DiffLine[] };
export type FileDiff = { oldPath?: string; newPath?: string; hunks: Hunk[] };

const HUNK = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/;

/** `a/src/x.ts\t2024-01-01` -> `src/x.ts`; /dev/null stays as is. */
function cleanPath(raw: string): string {
  const path = raw.split('\t')[0]!.trim();
  return /^[ab]\//.test(path) ? path.slice(2) : path;
}

export function parsePatch(patch: string): FileDiff[] {
  const files: FileDiff[] = [];
  let file: FileDiff | undefined;
  let hunk: Hunk | undefined;
  // Lines left in the current hunk: a line like "--- x" inside it is a removed line, not a header.
  let oldLeft = 0;
  let newLeft = 0;
  let oldNo = 0;
  let newNo = 0;
  const startFile = (): FileDiff => {
    file = { hunks: [] };
    files.push(file);
    hunk = undefined;
    return file;
  };

  const lines = patch.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  if (lines.at(-1) === '') lines.pop();
  for (const line of lines) {
    const inBody = hunk !== undefined && (oldLeft > 0 || newLeft > 0);
    if (inBody && hunk) {
      const sign = line[0] ?? ' ';
      const text = line.slice(1);
      if (sign === '+') {
        hunk.lines.push({ kind: 'add', text, newNo: newNo++ });
        newLeft--;
      } else if (sign === '-') {
        hunk.lines.push({ kind: 'del', text, oldNo: oldNo++ });
        oldLeft--;
      } else if (sign === '\\') {
        hunk.lines.push({ kind: 'note', text: line });
      } else {
        // An empty line is context whose leading space was trimmed by an editor.
        hunk.lines.push({ kind: 'ctx', text, oldNo: oldNo++, newNo: newNo++ });
        oldLeft--;
        newLeft--;
      }
      continue;
    }
    const m = HUNK.exec(line);
    if (m) {
      const f = file ?? startFile();
      hunk = { header: line, lines: [] };
      f.hunks.push(hunk);
      oldNo = Number(m[1]);
      newNo = Number(m[3]);
      oldLeft = m[2] === undefined ? 1 : Number(m[2]);
      newLeft = m[4] === undefined ? 1 : Number(m[4]);
      continue;
    }
    if (line.startsWith('\\') && hunk) hunk.lines.push({ kind: 'note', text: line });
    else if (line.startsWith('diff --git ')) startFile();
    else if (line.startsWith('--- ')) {
      const f = !file || file.hunks.length > 0 || file.oldPath !== undefined ? startFile() : file;
      f.oldPath = cleanPath(line.slice(4));
    } else if (line.startsWith('+++ ')) (file ?? startFile()).newPath = cleanPath(line.slice(4));
    // Anything else (index, mode lines, prose) is a header we do not need.
  }
  return files.filter((f) => f.hunks.length > 0);
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
