/**
 * What a step printed, as terminal text (terminal.ts): each stream in a dark box, the
 * exit code beside; output that is not a command's stays pretty-printed JSON.
 */
import { parsePatch } from '../diff.ts';
import { show } from '../format.ts';
import { appliedPatch, asTerminal } from '../terminal.ts';
import { DiffView } from './DiffView.tsx';

export function Output({ output, stepKey }: { output: unknown; stepKey: string }) {
  // An edit tool's result: the diff it applied, as a diff (Claude Code's structuredPatch).
  const applied = appliedPatch(output);
  const files = applied ? parsePatch(applied.patch) : [];
  if (applied && files.length > 0) {
    return (
      <div class="applied">
        <div class="small muted">Applied:</div>
        <DiffView files={files} path={applied.path} />
      </div>
    );
  }
  const term = asTerminal(output);
  if (!term) {
    return (
      // Long output scrolls in its box: focusable so the keyboard can scroll it too.
      <pre class="code output" tabIndex={0} role="group" aria-label={`Output of ${stepKey}`}>
        {show(output)}
      </pre>
    );
  }
  return (
    <div class="terminal-output">
      {(term.exitCode !== undefined || term.interrupted) && (
        <div class={`exit small${term.exitCode ? ' nonzero' : ''}`}>
          {term.exitCode !== undefined && <>exit code {term.exitCode}</>}
          {term.interrupted && <> · interrupted</>}
        </div>
      )}
      {term.streams.length === 0 && <div class="muted small">No output.</div>}
      {term.streams.map((s) => (
        <pre key={s.name} class={`code terminal ${s.name}`} tabIndex={0} role="group" aria-label={`${s.name === 'output' ? 'Output' : s.name} of ${stepKey}`}>
          {s.text}
        </pre>
      ))}
    </div>
  );
}
