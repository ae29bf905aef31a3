/** Messages that name a role or a step kind read as English: "an approver key", "an edit_file step". */
import { describe, expect, it } from 'vitest';
import { forbiddenMessage, withArticle } from '../src/index.ts';
import { Role, StepKind } from '../src/enums.ts';

describe('withArticle', () => {
  it('puts "an" before every role and step kind that starts with a vowel, "a" before the rest', () => {
    for (const word of [...Role.options, ...StepKind.options]) {
      expect(withArticle(word)).toBe(`${/^[aeiou]/.test(word) ? 'an' : 'a'} ${word}`);
    }
    expect(withArticle('approver')).toBe('an approver');
    expect(withArticle('viewer')).toBe('a viewer');
    expect(withArticle('edit_file')).toBe('an edit_file');
  });
});

describe('forbiddenMessage', () => {
  it('says what the key can do and which keys can do what it asked, as sentences', () => {
    expect(forbiddenMessage('agent', 'decide')).toBe(
      'This is an agent key: it can read tasks, approvals and events, plan and revise tasks, claim and report steps and cancel its own tasks. Deciding approvals needs an approver or admin key.',
    );
    expect(forbiddenMessage('approver', 'admin')).toMatch(/^This is an approver key: it can .*decide approvals.*\. Managing keys, the policy and webhooks needs an admin key\.$/);
    expect(forbiddenMessage('viewer', 'plan')).toBe('This is a viewer key: it can read tasks, approvals and events. Planning tasks needs an agent or admin key.');
  });
});
