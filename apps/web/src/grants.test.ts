/** A grant's matcher in words, and the reviewer's edits back to a matcher. */
import { describe, expect, it } from 'vitest';
import { draftOf, matcherOf, matcherText } from './grants.ts';

describe('grant matchers', () => {
  it('read as words', () => {
    expect(matcherText({ kind: 'command', exact: 'npm test' })).toBe('the command npm test');
    expect(matcherText({ kind: 'command', argvPrefix: ['npm', 'run'] })).toBe('commands starting with npm run');
    expect(matcherText({ kind: 'path', stepKind: 'edit_file', glob: 'src/**' })).toBe('edits of paths matching src/**');
    expect(matcherText({ kind: 'tool', tool: 'WebSearch' })).toBe('the tool WebSearch');
  });

  it('a suggested exact command stays exact unless widened to a prefix of its first words', () => {
    const d = draftOf({ kind: 'command', exact: 'npm test -- --watch=false' });
    expect(d).toEqual({ kind: 'command', exact: 'npm test -- --watch=false', reach: 'exact', prefix: 'npm test' });
    expect(matcherOf(d)).toEqual({ ok: true, matcher: { kind: 'command', exact: 'npm test -- --watch=false' } });
    expect(matcherOf({ ...d, reach: 'prefix' } as typeof d)).toEqual({ ok: true, matcher: { kind: 'command', argvPrefix: ['npm', 'test'] } });
    expect(matcherOf({ ...d, reach: 'prefix', prefix: '  ' } as typeof d).ok).toBe(false);
  });

  it('a command bound to a directory says where, and keeps its directory whether exact or widened to a prefix', () => {
    const m = { kind: 'command' as const, exact: 'npm test', cwd: '/repo' };
    expect(matcherText(m)).toBe('the command npm test in /repo');
    expect(matcherText({ kind: 'command', argvPrefix: ['npm', 'run'], cwd: '/repo/pkg' })).toBe('commands starting with npm run in /repo/pkg');
    const d = draftOf(m);
    expect(matcherOf(d)).toEqual({ ok: true, matcher: m });
    expect(matcherOf({ ...d, reach: 'prefix' } as typeof d)).toEqual({ ok: true, matcher: { kind: 'command', argvPrefix: ['npm', 'test'], cwd: '/repo' } });
  });

  it('a path’s glob and a tool’s name are edited as they are', () => {
    expect(matcherOf({ kind: 'path', stepKind: 'edit_file', glob: ' src/** ' })).toEqual({ ok: true, matcher: { kind: 'path', stepKind: 'edit_file', glob: 'src/**' } });
    expect(matcherOf({ kind: 'tool', tool: '' }).ok).toBe(false);
  });
});
