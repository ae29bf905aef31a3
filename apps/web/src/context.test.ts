/** A hook's metadata read as the page shows it: the host, where it runs, how long it waits. */
import { describe, expect, it } from 'vitest';
import { agentContext, agentWaiting } from './context.ts';

describe('agent context', () => {
  it('reads the Claude Code hook’s task metadata, the step’s filling gaps; junk is ignored', () => {
    const task = { source: 'claude-code', sessionId: 's-1', cwd: '/home/me/app', tool: 'Bash' };
    expect(agentContext(task, { repository: 'github.com/me/app' })).toEqual({
      source: 'Claude Code', sessionId: 's-1', cwd: '/home/me/app', repository: 'github.com/me/app',
    });
    expect(agentContext({ cwd: 42, source: '' }, undefined)).toEqual({});
  });

  it('a waiting hook gives up waitSeconds after the approval was asked, and says what it does then', () => {
    expect(agentWaiting(1000, { waitSeconds: 300, onTimeout: 'ask' })).toEqual({ until: 301_000, afterwards: 'it asks in the terminal instead' });
    expect(agentWaiting(1000, undefined, { waitSeconds: 60 })).toEqual({ until: 61_000 });
    expect(agentWaiting(1000, { waitSeconds: -1 })).toBeUndefined();
    expect(agentWaiting(1000, {})).toBeUndefined();
  });
});
