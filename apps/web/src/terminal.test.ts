/** Output shows as a terminal showed it: escapes gone, streams apart, the exit code beside. */
import { describe, expect, it } from 'vitest';
import { asTerminal, terminalText } from './terminal.ts';

describe('terminal output', () => {
  it('strips colour codes, keeps the last redraw of a progress line, reveals hidden characters', () => {
    expect(terminalText('\x1b[32m✓\x1b[39m 12 passed\r\n')).toBe('✓ 12 passed\n');
    expect(terminalText('downloading 10%\rdownloading 100%\ndone')).toBe('downloading 100%\ndone');
    expect(terminalText('rm \u202e-rf')).toBe('rm \\u{202e}-rf');
  });

  it('reads {stdout, stderr, exitCode} and its other spellings; other JSON is not terminal output', () => {
    expect(asTerminal({ stdout: 'ok\n', stderr: '', exitCode: 0 })).toEqual({ streams: [{ name: 'stdout', text: 'ok\n' }], exitCode: 0 });
    expect(asTerminal({ stdout: '', stderr: 'boom', exit_code: 2, interrupted: true })).toEqual({
      streams: [{ name: 'stderr', text: 'boom' }],
      exitCode: 2,
      interrupted: true,
    });
    expect(asTerminal('plain')).toEqual({ streams: [{ name: 'output', text: 'plain' }] });
    expect(asTerminal({ passed: 12 })).toBeUndefined();
    expect(asTerminal([1, 2])).toBeUndefined();
    expect(asTerminal(null)).toBeUndefined();
  });
});

describe('applied diff', () => {
  it('reads Claude Code’s structuredPatch into a unified diff; anything else is not one', async () => {
    const { appliedPatch } = await import('./terminal.ts');
    const output = { filePath: 'src/a.ts', structuredPatch: [{ oldStart: 1, oldLines: 1, newStart: 1, newLines: 1, lines: ['-a', '+b'] }] };
    expect(appliedPatch(output)).toEqual({ path: 'src/a.ts', patch: '--- a/src/a.ts\n+++ b/src/a.ts\n@@ -1,1 +1,1 @@\n-a\n+b\n' });
    expect(appliedPatch({ filePath: 'x', structuredPatch: [{ lines: 'no' }] })).toBeUndefined();
    expect(appliedPatch({ stdout: '' })).toBeUndefined();
  });
});
