/** Errors read as sentences, the code secondary; a key that cannot decide says what it can do. */
import { describe, expect, it } from 'vitest';
import { asSentence, errorText, LOCAL_CODE } from './errors.ts';
import { roleAbilities, roleSummary } from './roles.ts';

describe('error sentences', () => {
  it('leads with what happened, then the server’s words as a sentence, then what to do', () => {
    expect(errorText({ code: 'CONFLICT', message: 'the step changed', reason: 'stale_params_hash' })).toEqual({
      lead: 'The agent changed this step after the page showed it.',
      detail: 'The step changed.',
      hint: 'Reload to see the current version, then decide again.',
    });
    expect(errorText({ code: 'NOT_FOUND', message: 'NOT_FOUND' })).toEqual({ lead: 'That is not in this workspace.' });
    expect(errorText({ code: 'SOMETHING_NEW', message: 'odd' }).lead).toBe('Something went wrong.');
    expect(errorText({ code: LOCAL_CODE, message: 'type an answer first' })).toEqual({ lead: 'Type an answer first.' });
    expect(asSentence('done!')).toBe('Done!');
  });

  it('a FORBIDDEN for an agent key says what an agent key can and cannot do', () => {
    const t = errorText({ code: 'FORBIDDEN', message: 'an agent key may not do this: only approver or admin keys may' }, 'agent');
    expect(t.lead).toBe('Your key is not allowed to do this.');
    expect(t.detail).toBe('An agent key may not do this: only approver or admin keys may.');
    expect(t.hint).toBe(roleSummary('agent'));
    expect(t.hint).toMatch(/^An agent key can .*propose tasks.*\. It cannot .*decide approvals/);
  });

  it('roles: an admin can do everything; a viewer only reads', () => {
    expect(roleAbilities('admin').cannot).toEqual([]);
    expect(roleAbilities('viewer').can).toEqual(['read tasks, approvals and the audit log']);
    expect(roleSummary('approver')).toMatch(/^An approver key can .*decide approvals.*It cannot .*propose tasks/);
  });
});
