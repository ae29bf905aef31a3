/**
 * A step's output as a terminal showed it (issue 16 item 3: "command output renders as
 * terminal text, not a JSON string"). Executors report what they got: a string, or
 * `{stdout, stderr, exitCode}` (Claude Code's Bash tool_response, the SDK's handlers),
 * sometimes under other names. Colour and cursor codes (ANSI/VT escapes) are removed with
 * strip-ansi; anything else hidden (bidi overrides, zero-width characters, a lone ESC)
 * is shown as a visible escape by core's revealHidden, as in commands. An output that is
 * none of these stays JSON, pretty-printed. Pure: terminal.test.ts.
 */
import stripAnsi from 'strip-ansi';
import { revealHidden } from '@greenlight/core';

export type TerminalOutput = {
  /** The streams with text, in the order a terminal interleaves them least confusingly: stdout, then stderr. */
  streams: { name: 'stdout' | 'stderr' | 'output'; text: string }[];
  exitCode?: number;
  /** True when the command was interrupted (Claude Code's `interrupted`). */
  interrupted?: boolean;
};

const STDOUT = ['stdout', 'output', 'out'];
const STDERR = ['stderr', 'err'];
const EXIT = ['exitCode', 'exit_code', 'code', 'returncode', 'status'];

/** Text as a terminal would leave it: escapes gone, `\r\n` as newlines, a progress line's last redraw kept. */
export function terminalText(raw: string): string {
  const text = stripAnsi(raw).replace(/\r\n/g, '\n');
  // "50%\r100%" shows "100%" in a terminal: keep what follows the last carriage return of each line.
  const lines = text.split('\n').map((line) =>
    line.includes('\r')
      ? (line
          .split('\r')
          .filter((p) => p !== '')
          .at(-1) ?? '')
      : line,
  );
  return revealHidden(lines.join('\n'));
}

const pick = (o: Record<string, unknown>, names: string[]): unknown => names.map((n) => o[n]).find((v) => v !== undefined);

/** The output as terminal streams, or undefined when it is not shaped like a command's output. */
export function asTerminal(output: unknown): TerminalOutput | undefined {
  if (typeof output === 'string') return { streams: [{ name: 'output', text: terminalText(output) }] };
  if (typeof output !== 'object' || output === null || Array.isArray(output)) return undefined;
  const o = output as Record<string, unknown>;
  const out = pick(o, STDOUT);
  const err = pick(o, STDERR);
  if (typeof out !== 'string' && typeof err !== 'string') return undefined;
  const streams: TerminalOutput['streams'] = [];
  if (typeof out === 'string' && out !== '') streams.push({ name: 'stdout', text: terminalText(out) });
  if (typeof err === 'string' && err !== '') streams.push({ name: 'stderr', text: terminalText(err) });
  const code = pick(o, EXIT);
  return {
    streams,
    ...(typeof code === 'number' && Number.isInteger(code) ? { exitCode: code } : {}),
    ...(o.interrupted === true ? { interrupted: true } : {}),
  };
}

type StructuredHunk = { oldStart: number; oldLines: number; newStart: number; newLines: number; lines: string[] };

const isHunk = (h: unknown): h is StructuredHunk => {
  if (typeof h !== 'object' || h === null) return false;
  const o = h as Record<string, unknown>;
  return ['oldStart', 'oldLines', 'newStart', 'newLines'].every((k) => Number.isInteger(o[k])) && Array.isArray(o.lines) && o.lines.every((l) => typeof l === 'string');
};

/**
 * The diff an edit tool applied, as unified-diff text, when its output carries one:
 * Claude Code's Edit/Write/MultiEdit `tool_response` has `filePath` and
 * `structuredPatch` (jsdiff's hunks: oldStart, oldLines, newStart, newLines, lines).
 * Undefined for any other output.
 */
export function appliedPatch(output: unknown): { path: string; patch: string } | undefined {
  if (typeof output !== 'object' || output === null || Array.isArray(output)) return undefined;
  const o = output as Record<string, unknown>;
  const path = typeof o.filePath === 'string' ? o.filePath : undefined;
  const hunks = Array.isArray(o.structuredPatch) ? o.structuredPatch : undefined;
  if (!path || !hunks || hunks.length === 0 || !hunks.every(isHunk)) return undefined;
  const body = hunks.flatMap((h) => [`@@ -${h.oldStart},${h.oldLines} +${h.newStart},${h.newLines} @@`, ...h.lines]);
  return { path, patch: [`--- a/${path}`, `+++ b/${path}`, ...body, ''].join('\n') };
}
