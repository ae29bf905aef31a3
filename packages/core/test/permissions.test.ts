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
  it('says which roles may do it, with the right article', () => {
    expect(forbiddenMessage('approver', 'admin')).toBe('an approver key may not do this: only admin keys may');
    expect(forbiddenMessage('agent', 'decide')).toBe('an agent key may not do this: only approver or admin keys may');
    expect(forbiddenMessage('viewer', 'plan')).toBe('a viewer key may not do this: only agent or admin keys may');
  });
});
