/** A unified diff as a table: old and new line numbers, added and removed lines in colour, hunk headers. */
import type { FileDiff } from '../diff.ts';

const name = (f: FileDiff, path: string): string => (f.newPath && f.newPath !== '/dev/null' ? f.newPath : (f.oldPath ?? path));

export function DiffView({ files, path }: { files: FileDiff[]; path: string }) {
  return (
    <div class="diff-files">
      {files.map((f, i) => (
        <div class="diff" key={i}>
          <div class="diff-path">{name(f, path)}</div>
          {/* Wide lines scroll inside this box, which the keyboard can focus to scroll it. */}
          <div class="diff-scroll" tabIndex={0} role="group" aria-label={`Diff of ${name(f, path)}`}>
            <table>
              <tbody>
                {f.hunks.map((h, j) => [
                  <tr class="hunk" key={`h${j}`}>
                    <td class="no" />
                    <td class="no" />
                    <td class="text">{h.header}</td>
                  </tr>,
                  ...h.lines.map((l, k) => (
                    <tr class={l.kind} key={`${j}:${k}`}>
                      <td class="no">{l.oldNo ?? ''}</td>
                      <td class="no">{l.newNo ?? ''}</td>
                      <td class="text">
                        <span class="sign">{l.kind === 'add' ? '+' : l.kind === 'del' ? '-' : ' '}</span>
                        {l.text}
                      </td>
                    </tr>
                  )),
                ])}
              </tbody>
            </table>
          </div>
        </div>
      ))}
    </div>
  );
}
