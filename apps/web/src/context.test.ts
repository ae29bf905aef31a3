/** A hook's context read as the page shows it: the host, where it runs, how long it waits. */
import { describe, expect, it } from 'vitest';
import { agentContext, agentWaiting } from './context.ts';

describe('agent context', () => {
  it('the step’s context first, the hook’s metadata filling gaps; junk is ignored', () => {
    const task = { source: 'claude-code', session: 's-1', cwd: '/tmp/other', tool: 'Bash' };
    expect(agentContext({ cwd: '/home/me/app', gitRemote: 'github.com/me/app', gitBranch: 'main' }, task)).toEqual({
      source: 'Claude Code',
      sessionId: 's-1',
      cwd: '/home/me/app',
      repository: 'github.com/me/app',
      branch: 'main',
    });
    expect(agentContext(undefined, task)).toEqual({ source: 'Claude Code', sessionId: 's-1', cwd: '/tmp/other' });
    expect(agentContext(undefined, { cwd: 42, source: '' }, undefined)).toEqual({});
  });

  it('a waiting agent gives up at waitUntil, or waitSeconds after the approval was asked, and says what it does then', () => {
    expect(agentWaiting({ waitUntil: 9000 }, 1000, { onTimeout: 'deny' })).toEqual({ until: 9000, afterwards: 'it denies the call' });
    expect(agentWaiting({}, 1000, { waitSeconds: 300, onTimeout: 'ask' })).toEqual({ until: 301_000, afterwards: 'it asks in the terminal instead' });
    expect(agentWaiting({}, 1000, undefined, { waitSeconds: 60 })).toEqual({ until: 61_000 });
    expect(agentWaiting({}, 1000, { waitSeconds: -1 })).toBeUndefined();
  });
});
