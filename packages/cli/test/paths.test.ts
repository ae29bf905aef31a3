/**
 * The hook reads paths through core's canonical path function (issue 11, item 2), so
 * the policy judges the file Claude Code will touch: inside the session's cwd a path is
 * relative (matched by `src/**`), outside it absolute (matched by `/etc/**`), never the
 * one for the other.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Policy, evaluatePolicy } from '@greenlight/core';
import { displayPath, toolToStep } from '../src/hook/map.ts';
import { fixture } from './helpers.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'greenlight-cli-paths-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const policy = Policy.parse({
  mode: 'manual',
  rules: [
    { name: 'etc', match: { path: '/etc/**' }, action: 'deny' },
    { name: 'src', match: { path: 'src/**' }, action: 'allow' },
    { name: 'reads', match: { kind: 'read' }, action: 'ask' },
  ],
});

describe('hook paths', () => {
  it.each([
    ['src/a.ts', 'src/a.ts'],
    ['./src//a.ts', 'src/a.ts'],
    ['src/x/../a.ts', 'src/a.ts'],
    ['<cwd>/src/a.ts', 'src/a.ts'],
    ['<cwd>//src/./a.ts', 'src/a.ts'],
    ['<cwd>', '.'],
    ['/etc/passwd', '/etc/passwd'],
    ['//etc/passwd', '/etc/passwd'],
    ['<cwd>/../../etc/passwd', '/etc/passwd'],
    ['/src/a.ts', '/src/a.ts'],
  ])('%s is shown and judged as %s', (given, shown) => {
    expect(displayPath(given.replace('<cwd>', dir), dir)).toBe(shown.replace('<cwd>', dir));
  });

  it('a path with no single meaning is passed on as given, so the policy fails closed on it', () => {
    expect(displayPath('C:\\etc\\passwd', dir)).toBe('C:\\etc\\passwd');
  });

  it('reads outside cwd meet absolute rules, reads inside meet relative ones', async () => {
    const judge = async (file_path: string) => {
      const input = fixture('read', dir);
      input.tool_input = { file_path };
      const step = await toolToStep(input);
      return evaluatePolicy(policy, { kind: step.kind, params: step.params }).rule;
    };
    expect(await judge('/etc/passwd')).toBe('etc');
    expect(await judge(`${dir}/../../../../etc/passwd`)).toBe('etc');
    expect(await judge(`${dir}/src/a.ts`)).toBe('src');
    expect(await judge('/src/a.ts')).toBe('reads');
  });
});
