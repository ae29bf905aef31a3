/**
 * The hook's tool -> step mapping, from recorded Claude Code PreToolUse inputs against
 * real files: the diff applies to the file on disk and gives what the tool would write,
 * and baseHash is the SHA-256 of the bytes on disk.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyPatch } from 'diff';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseParams } from '@greenlight/core';
import { patchBytes } from '@greenlight/sdk/node';
import { toolToStep, type StepRequest } from '../src/hook/map.ts';
import { fixture } from './helpers.ts';

const GREET = 'export function greet(name: string) {\n  return `Hello, ${name}`;\n}\n';
let dir: string;
const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'greenlight-cli-map-'));
  mkdirSync(join(dir, 'src'));
  writeFileSync(join(dir, 'src', 'greet.ts'), GREET);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** What the step's patch makes of the file as it is on disk now. */
function patched(step: StepRequest, base: string): string {
  const patch = step.params.patch;
  if (typeof patch !== 'string') throw new Error('no patch');
  const result = applyPatch(base, patch);
  if (result === false) throw new Error(`patch does not apply:\n${patch}`);
  return result;
}

function expectValid(step: StepRequest) {
  expect(parseParams(step.kind, step.params).success).toBe(true);
  expect(step.key).toMatch(/^[A-Za-z0-9_.:-]{1,100}$/);
  expect(step.title.length).toBeGreaterThan(0);
}

describe('tool -> step mapping', () => {
  it('Bash becomes run_command with the command and the session cwd', async () => {
    const step = await toolToStep(fixture('bash', dir));
    expectValid(step);
    expect(step).toMatchObject({ kind: 'run_command', key: 'Bash', params: { command: 'npm test -- --run src/greet.test.ts', cwd: dir }, explanation: 'Run the greet tests' });
    expect(step.metadata).toEqual({ tool: 'Bash' });
  });

  it('Edit becomes edit_file with a real diff against the file on disk and its baseHash', async () => {
    const step = await toolToStep(fixture('edit', dir));
    expectValid(step);
    expect(step.kind).toBe('edit_file');
    expect(step.params.path).toBe('src/greet.ts');
    expect(step.baseHash).toBe(sha256(join(dir, 'src', 'greet.ts')));
    expect(step.params.patch).toContain('-  return `Hello, ${name}`;\n+  return `Hello, ${name}!`;');
    expect(patched(step, GREET)).toBe(GREET.replace('`Hello, ${name}`', '`Hello, ${name}!`'));
  });

  it('Edit with replace_all replaces every occurrence, and keeps `$&` literally', async () => {
    const input = fixture('edit', dir);
    input.tool_input = { file_path: join(dir, 'src', 'greet.ts'), old_string: 'name', new_string: '$&_x', replace_all: true };
    const step = await toolToStep(input);
    expect(patched(step, GREET)).toBe(GREET.replaceAll('name', () => '$&_x'));
  });

  it('Edit whose old_string is missing or ambiguous is shown as sent, as a custom step', async () => {
    const input = fixture('edit', dir);
    input.tool_input = { file_path: join(dir, 'src', 'greet.ts'), old_string: 'nowhere', new_string: 'x' };
    const missing = await toolToStep(input);
    expectValid(missing);
    expect(missing).toMatchObject({ kind: 'custom', params: { tool: 'Edit', input: input.tool_input } });
    expect(missing.explanation).toContain('old_string is not in the file');
    input.tool_input = { file_path: join(dir, 'src', 'greet.ts'), old_string: 'name', new_string: 'who' };
    expect((await toolToStep(input)).explanation).toContain('occurs 2 times');
  });

  it('MultiEdit applies its edits in order, each to the result of the one before', async () => {
    const step = await toolToStep(fixture('multiedit', dir));
    expectValid(step);
    expect(step.kind).toBe('edit_file');
    expect(step.title).toBe('Edit src/greet.ts (3 changes)');
    expect(step.baseHash).toBe(sha256(join(dir, 'src', 'greet.ts')));
    expect(patched(step, GREET)).toBe('export function greet(who: string, excited = false) {\n  return excited ? `Hello, ${who}!` : `Hello, ${who}`;\n}\n');
  });

  it('Write of a new file: a diff from /dev/null and no baseHash', async () => {
    const step = await toolToStep(fixture('write-new', dir));
    expectValid(step);
    expect(step.kind).toBe('edit_file');
    expect(step.title).toBe('Create src/farewell.ts');
    expect(step.baseHash).toBeUndefined();
    expect(step.params.patch).toMatch(/^--- \/dev\/null\n\+\+\+ src\/farewell.ts\n@@ -0,0 \+1,1 @@\n/);
    expect(patched(step, '')).toBe('export const farewell = (who: string) => `Bye, ${who}`;\n');
  });

  it('Write over an existing file: a diff from its content, with baseHash', async () => {
    const step = await toolToStep(fixture('write-existing', dir));
    expectValid(step);
    expect(step.title).toBe('Overwrite src/greet.ts');
    expect(step.baseHash).toBe(sha256(join(dir, 'src', 'greet.ts')));
    expect(patched(step, GREET)).toBe('export const greet = (who: string) => `Hi, ${who}`;\n');
  });

  it('Read, Grep and Glob become read steps with relative paths and the pattern as query', async () => {
    const read = await toolToStep(fixture('read', dir));
    expectValid(read);
    expect(read).toMatchObject({ kind: 'read', params: { tool: 'Read', paths: ['src/greet.ts'] } });
    const grep = await toolToStep(fixture('grep', dir));
    expectValid(grep);
    expect(grep).toMatchObject({ kind: 'read', params: { tool: 'Grep', query: 'greet\\(', paths: ['src'] } });
    const glob = await toolToStep(fixture('glob', dir));
    expectValid(glob);
    expect(glob.params).toEqual({ tool: 'Glob', query: '**/*.test.ts' });
  });

  it('WebFetch becomes a GET network step; a URL that is not one becomes custom', async () => {
    const step = await toolToStep(fixture('webfetch', dir));
    expectValid(step);
    expect(step).toMatchObject({ kind: 'network', params: { method: 'GET', url: 'https://nodejs.org/api/util.html' } });
    const bad = fixture('webfetch', dir);
    bad.tool_input = { url: 'not a url', prompt: 'x' };
    expect(await toolToStep(bad)).toMatchObject({ kind: 'custom', params: { tool: 'WebFetch' } });
  });

  it('an MCP tool becomes custom with its input as sent', async () => {
    const input = fixture('mcp', dir);
    const step = await toolToStep(input);
    expectValid(step);
    expect(step).toMatchObject({ kind: 'custom', key: 'mcp__github__create_issue', params: { tool: 'mcp__github__create_issue', input: input.tool_input } });
  });

  it('a path outside the session cwd stays absolute', async () => {
    const input = fixture('read', dir);
    input.tool_input = { file_path: '/etc/hosts' };
    expect((await toolToStep(input)).params.paths).toEqual(['/etc/hosts']);
  });
});

/** The reviewer's diff stands for the file's bytes, never for a decoder's idea of them (issue 11 follow-up). */
describe('byte-exact diffs of files that are not plain UTF-8', () => {
  const edit = (path: string, old_string: string, new_string: string) => {
    const input = fixture('edit', dir);
    input.tool_input = { file_path: path, old_string, new_string };
    return toolToStep(input);
  };
  const patchOf = (step: StepRequest): string => {
    if (typeof step.params.patch !== 'string') throw new Error('no patch');
    return step.params.patch;
  };

  it('a UTF-8 file with a byte order mark: the diff keeps the BOM, and applies to the exact bytes', async () => {
    const path = join(dir, 'bom.txt');
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('first line\nsecond\n')]);
    writeFileSync(path, bytes);
    const step = await edit(path, 'first line', 'first line, edited');
    expectValid(step);
    expect(step.kind).toBe('edit_file');
    expect(patchOf(step)).toContain('-\ufefffirst line\n+\ufefffirst line, edited\n');
    expect(patchBytes(bytes, patchOf(step), 'bom.txt')).toEqual(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('first line, edited\nsecond\n')]));
    expect(step.explanation).toContain('byte order mark');
    expect(step.baseHash).toBe(sha256(path));
  });

  it('an ISO-8859-1 file, edited away from its non-ASCII bytes: a diff of its bytes, no U+FFFD', async () => {
    const path = join(dir, 'latin1.txt');
    const bytes = Buffer.from('caf\xe9 cr\xe8me\n1\n2\n3\n4\nold = 1\n', 'latin1');
    writeFileSync(path, bytes);
    const step = await edit(path, 'old = 1', 'old = 2');
    expectValid(step);
    expect(step.kind).toBe('edit_file');
    expect(patchOf(step)).not.toContain('\ufffd');
    expect(patchOf(step)).toContain('-old = 1\n+old = 2');
    expect(patchBytes(bytes, patchOf(step), 'latin1.txt')).toEqual(Buffer.from('caf\xe9 cr\xe8me\n1\n2\n3\n4\nold = 2\n', 'latin1'));
    expect(step.explanation).toContain('not UTF-8');
    expect(step.baseHash).toBe(sha256(path));
  });

  it('an ISO-8859-1 file, edited next to its non-ASCII bytes: the step says plainly it cannot be shown, and keeps path and baseHash', async () => {
    const path = join(dir, 'latin1.txt');
    writeFileSync(path, Buffer.from('caf\xe9\nx = 1\n', 'latin1'));
    // Claude Code's own read of the file: whatever it decoded the é to, the bytes are not text the diff can show.
    const step = await edit(path, 'x = 1', 'x = 2');
    expectValid(step);
    expect(step).toMatchObject({ kind: 'edit_file', params: { path: 'latin1.txt' }, baseHash: sha256(path) });
    expect(patchOf(step)).not.toContain('\ufffd');
    expect(patchOf(step)).not.toContain('caf');
    expect(step.title).toContain('not UTF-8');
    expect(step.explanation).toContain('latin1.txt is not UTF-8 text');
    expect(step.explanation).toContain('x = 2');
    // No executor can apply it: a patch with no hunks is refused, nothing written.
    expect(() => patchBytes(readFileSync(path), patchOf(step), 'latin1.txt')).toThrow(/no hunks/);
  });

  it('Write of non-ASCII text over an ISO-8859-1 file cannot be shown byte-exact either', async () => {
    const path = join(dir, 'latin1.txt');
    writeFileSync(path, Buffer.from('caf\xe9\n', 'latin1'));
    const input = fixture('write-existing', dir);
    input.tool_input = { file_path: path, content: 'café au lait\n' };
    const step = await toolToStep(input);
    expectValid(step);
    expect(step).toMatchObject({ kind: 'edit_file', baseHash: sha256(path) });
    expect(step.explanation).toContain('not UTF-8 text');
    expect(patchOf(step)).not.toContain('\ufffd');
  });
});
