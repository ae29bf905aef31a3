import { describe, expect, it } from 'vitest';
import { AuthStrength, identityText, personOf, strengthAtLeast, strongerOf, webhookBody, webhookText } from '../src/index.ts';

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

describe('who decided and how, in words (issue 15 item 2)', () => {
  it('identityText: the person, the principal when it is not their own name, the strength and the channel', () => {
    expect(identityText({ principal: 'alice', identitySource: 'key', authStrength: 'key', person: 'alice' })).toBe('alice · key');
    expect(identityText({ principal: 'slack:T1:U1', identitySource: 'slack', authStrength: 'mfa', person: 'alice' })).toBe('alice (slack:T1:U1) · SSO+MFA via Slack');
    expect(identityText({ principal: 'oidc:https://idp#a', identitySource: 'oidc', authStrength: 'passkey', person: 'oidc:https://idp#a' })).toBe('oidc:https://idp#a · passkey via sign-in');
    expect(identityText({ principal: 'carol', identitySource: 'key', authStrength: 'key', person: 'carol', onBehalfOf: 'bob' })).toBe('carol for bob · key');
    expect(identityText({ principal: 'old-key' })).toBe('old-key');
  });

  it("a webhook's text and JSON body say who decided and how; older events name the principal only", () => {
    const base = { seq: 7, at: 1, actor: 'bob', taskId: 't1', stepId: 's1', hash: 'h' };
    const approved = {
      ...base,
      type: 'step.approved' as const,
      data: {
        from: 'awaiting_approval' as const,
        to: 'approved' as const,
        revision: 1,
        by: ['slack:T1:U1', 'bob'],
        identitySource: 'key' as const,
        authStrength: 'key' as const,
        person: 'bob',
        deciders: [
          { principal: 'slack:T1:U1', identitySource: 'slack' as const, authStrength: 'sso' as const, person: 'alice' },
          { principal: 'bob', identitySource: 'key' as const, authStrength: 'key' as const, person: 'bob' },
        ],
      },
    };
    expect(webhookText('ws', 'approval.decided', approved)).toBe('[ws] task t1 step s1: approved by alice (slack:T1:U1) · SSO via Slack, bob · key');
    const body = webhookBody('json', 'ws', 'approval.decided', approved, 'd1');
    expect('data' in body && body.data.data).toMatchObject({ deciders: approved.data.deciders, identitySource: 'key' });
    const rejected = { ...base, type: 'step.rejected' as const, data: { from: 'awaiting_approval' as const, to: 'rejected' as const, revision: 1, by: 'bob' } };
    expect(webhookText('ws', 'approval.decided', rejected)).toBe('[ws] task t1 step s1: rejected by bob');
    const signed = { ...rejected, data: { ...rejected.data, identitySource: 'oidc' as const, authStrength: 'mfa' as const, person: 'bob' } };
    expect(webhookText('ws', 'approval.decided', signed)).toBe('[ws] task t1 step s1: rejected by bob · SSO+MFA via sign-in');
  });
});
