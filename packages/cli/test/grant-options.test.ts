/** `greenlight approve`'s grant flags (docs/sessions.md): checked before any request, so a typo is a usage error (exit 2). */
import { describe, expect, it } from 'vitest';
import { grantOptions } from '../src/commands/decide.ts';
import { UsageError } from '../src/errors.ts';
import { helpText } from '../src/main.ts';

describe('approve --for-session / --scope / --grant', () => {
  it('maps --for-session to scope task, and passes --scope and a --grant matcher through', () => {
    expect(grantOptions({})).toEqual({});
    expect(grantOptions({ 'for-session': true })).toEqual({ scope: 'task' });
    expect(grantOptions({ scope: 'always' })).toEqual({ scope: 'always' });
    expect(grantOptions({ 'for-session': true, grant: '{"kind":"command","argvPrefix":["npm","test"]}' })).toEqual({
      scope: 'task',
      grant: { kind: 'command', argvPrefix: ['npm', 'test'] },
    });
  });

  it('refuses an unknown scope, --for-session with another scope, a matcher that is not JSON or not a matcher, and --grant without a scope', () => {
    expect(() => grantOptions({ scope: 'forever' })).toThrow(UsageError);
    expect(() => grantOptions({ 'for-session': true, scope: 'always' })).toThrow(/--for-session is --scope task/);
    expect(() => grantOptions({ scope: 'task', grant: 'npm test' })).toThrow(/as JSON/);
    expect(() => grantOptions({ scope: 'task', grant: '{"kind":"command","argvPrefix":[]}' })).toThrow(/not a matcher/);
    expect(() => grantOptions({ grant: '{"kind":"tool","tool":"grep"}' })).toThrow(/goes with --for-session/);
  });

  it('help names the flags and the grants command', async () => {
    const help = await helpText();
    expect(help).toContain('--for-session');
    expect(help).toContain('grants revoke <grantId>');
  });
});
