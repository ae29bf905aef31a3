import { describe, expect, it } from 'vitest';
import { AuthStrength, personOf, strengthAtLeast, strongerOf } from '../src/index.ts';

describe('auth strength ladder', () => {
  it('key < sso < mfa < passkey: each meets itself and everything below, nothing above', () => {
    const ladder = AuthStrength.options;
    expect(ladder).toEqual(['key', 'sso', 'mfa', 'passkey']);
    for (const [i, have] of ladder.entries()) {
      for (const [j, need] of ladder.entries()) expect(strengthAtLeast(have, need)).toBe(i >= j);
    }
    expect(strongerOf('sso', 'passkey')).toBe('passkey');
    expect(strongerOf('mfa', 'key')).toBe('mfa');
  });

  it('a vote counts for its person, or its principal when none was recorded', () => {
    expect(personOf({ principal: 'slack:T1:U1', person: 'oidc:https://idp#alice' })).toBe('oidc:https://idp#alice');
    expect(personOf({ principal: 'alice' })).toBe('alice');
  });
});
