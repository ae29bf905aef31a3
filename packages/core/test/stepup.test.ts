/**
 * Step-up and one-click rules (issue 15, items 4 and 5): what `policy.set` accepts, what
 * the verdict carries, and every way a step could be approved without the strength its
 * rule asks for (a weaker vote, a batch, a grant, a raised task mode) being refused.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AuthStrength,
  approvalView,
  Decision,
  Policy,
  batchConfirmationReason,
  decide,
  decideMany,
  evaluatePolicy,
  formatLink,
  LINK_TTL_MS,
  linkExpiresAt,
  linkRefusal,
  needsStepUp,
  parseLink,
  setMode,
  strengthAtLeast,
  type Identity,
} from '../src/index.ts';
import { commandStep, decision, editStep, expectError, makeEnv, makeTask, stepOf, unwrap } from './fixtures.ts';

const who = (authStrength: AuthStrength, identitySource: Identity['identitySource'] = 'oidc'): Identity => ({ identitySource, authStrength, person: 'alice' });

/** Pushes need a passkey; tests may be decided by a link. */
const POLICY = Policy.parse({
  rules: [
    { name: 'push', match: { kind: 'run_command', command: '^git push' }, action: 'ask', minAuth: 'passkey' },
    { name: 'tests', match: { kind: 'run_command', command: '^npm test' }, action: 'ask', oneClick: true },
    { name: 'edits', match: { kind: 'edit_file' }, action: 'ask', minAuth: 'mfa' },
  ],
});

const push = commandStep('push', [], { params: { command: 'git push origin main' } });

describe('policy.set: step-up fields', () => {
  it('refuses oneClick with minAuth above key, or with more than one approval (the rule or the workspace), at the field', () => {
    fc.assert(
      fc.property(
        fc.option(fc.constantFrom(...AuthStrength.options), { nil: undefined }),
        fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }),
        fc.integer({ min: 1, max: 3 }),
        (minAuth, ruleN, workspaceN) => {
          const rule = { match: { kind: 'edit_file' as const }, action: 'ask' as const, oneClick: true, ...(minAuth ? { minAuth } : {}), ...(ruleN ? { requiredApprovals: ruleN } : {}) };
          const r = Policy.safeParse({ requiredApprovals: workspaceN, rules: [rule] });
          const shouldFail = (minAuth !== undefined && minAuth !== 'key') || (ruleN ?? workspaceN) > 1;
          expect(r.success).toBe(!shouldFail);
          if (!r.success) expect(r.error.issues.map((i) => i.path.join('.'))).toContain('rules.0.oneClick');
        },
      ),
    );
  });

  it('refuses oneClick with a group quorum, even of one: a link names no member of a group', () => {
    const r = Policy.safeParse({ rules: [{ match: { kind: 'edit_file' }, action: 'ask', oneClick: true, requiredApprovals: { group: 'security', count: 1 } }] });
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => i.path.join('.'))).toEqual(['rules.0.oneClick']);
    expect(r.error?.issues[0]?.message).toMatch(/group quorum/);
  });

  it('refuses minAuth and oneClick on allow and deny rules: they say how a person decides', () => {
    for (const action of ['allow', 'deny'] as const) {
      const r = Policy.safeParse({
        rules: [
          { match: { kind: 'edit_file' }, action, minAuth: 'passkey' },
          { match: { kind: 'read' }, action, oneClick: true },
        ],
      });
      expect(r.success).toBe(false);
      expect(r.error?.issues.map((i) => i.path.join('.'))).toEqual(['rules.0.minAuth', 'rules.1.oneClick']);
    }
  });
});

describe('the verdict carries minAuth and oneClick', () => {
  it('from the deciding rule', () => {
    expect(evaluatePolicy(POLICY, { kind: 'run_command', params: { command: 'git push' } })).toMatchObject({ rule: 'push', minAuth: 'passkey' });
    expect(evaluatePolicy(POLICY, { kind: 'run_command', params: { command: 'npm test' } })).toMatchObject({ rule: 'tests', oneClick: true });
    expect(evaluatePolicy(POLICY, { kind: 'edit_file', params: { path: 'a.ts', content: '' } }).oneClick).toBeUndefined();
  });

  it('a command line: the strongest minAuth of its parts, and a link only when every asking part allows one and it still can', () => {
    const parts = ['git push', 'npm test', 'ls'];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...parts), { minLength: 1, maxLength: 4 }), (cmds) => {
        const v = evaluatePolicy(POLICY, { kind: 'run_command', params: { command: cmds.join(' && ') } });
        const hasPush = cmds.includes('git push');
        expect(v.minAuth).toBe(hasPush ? 'passkey' : undefined);
        // `ls` asks under copilot with no rule: no link for it.
        expect(v.oneClick === true).toBe(cmds.every((c) => c === 'npm test'));
        if (v.oneClick) expect(v.requiredApprovals === 1 && !needsStepUp(v)).toBe(true);
      }),
    );
  });
});

describe('decide refuses a vote below minAuth', () => {
  it('for every strength and decision: letting the step go on needs the strength; reject and request_changes do not', async () => {
    const env = makeEnv();
    const { task } = await makeTask([push], POLICY, 'agent', { env });
    const step = stepOf(task, 'push');
    fc.assert(
      fc.property(fc.constantFrom(...AuthStrength.options), fc.constantFrom(...Decision.options.filter((d) => d !== 'answer' && d !== 'modify')), (have, d) => {
        const r = decide(task, decision(step, d, d === 'request_changes' ? { feedback: 'no' } : {}), POLICY, { ...env.ctx('alice'), identity: who(have) });
        const stops = d === 'reject' || d === 'request_changes';
        if (stops || strengthAtLeast(have, 'passkey')) expect(r.ok).toBe(true);
        else {
          const err = expectError(r, 'FORBIDDEN', 'step_up_required');
          expect(err.message).toContain(`/#/tasks/${task.id}`);
          expect(err.message).toContain('passkey');
        }
      }),
    );
  });

  it('a caller with no identity counts as a key; mfa meets minAuth mfa, sso does not', async () => {
    const env = makeEnv();
    const { task } = await makeTask([push, editStep('e')], POLICY, 'agent', { env });
    expectError(decide(task, decision(stepOf(task, 'push'), 'approve'), POLICY, env.ctx('alice')), 'FORBIDDEN', 'step_up_required');
    expectError(decide(task, decision(stepOf(task, 'e'), 'approve'), POLICY, { ...env.ctx('alice'), identity: who('sso') }), 'FORBIDDEN', 'step_up_required');
    const { task: after } = unwrap(decide(task, decision(stepOf(task, 'e'), 'approve'), POLICY, { ...env.ctx('alice'), identity: who('mfa') }));
    expect(stepOf(after, 'e').status).toBe('approved');
    expect(stepOf(after, 'e').approvals[0]).toMatchObject({ authStrength: 'mfa' });
  });

  it('the approval view says which steps need a passkey', async () => {
    const { task } = await makeTask([push, commandStep('t', [], { params: { command: 'npm test' } })], POLICY);
    expect(approvalView(task, stepOf(task, 'push'))).toMatchObject({ minAuth: 'passkey' });
    expect(approvalView(task, stepOf(task, 't'))).toMatchObject({ oneClick: true });
    expect(approvalView(task, stepOf(task, 't'))?.minAuth).toBeUndefined();
  });
});

describe('no way around step-up', () => {
  it('approve-all: the step is named as needing its own decision, and a batch holding it is refused whole, even when confirmed', async () => {
    const env = makeEnv();
    const { task } = await makeTask([push, commandStep('t', [], { params: { command: 'npm test' } })], POLICY, 'agent', { env });
    expect(batchConfirmationReason(stepOf(task, 'push'))).toContain('needs a passkey');
    expect(batchConfirmationReason(stepOf(task, 't'))).toBeUndefined();
    const items = ['push', 't'].map((k) => ({ ...decision(stepOf(task, k), 'approve'), taskId: task.id }));
    const approvalId = stepOf(task, 'push').approval!.id;
    expectError(decideMany([task], items, POLICY, { ...env.ctx('alice'), identity: who('mfa') }, [approvalId]), 'FORBIDDEN', 'step_up_required');
  });

  it('a grant is never given from a step-up step, and a grant from another step never approves one', async () => {
    const env = makeEnv();
    const loose = Policy.parse({ rules: [{ name: 'push', match: { kind: 'run_command', command: '^git push' }, action: 'ask', minAuth: 'mfa' }] });
    const { task } = await makeTask([push], loose, 'agent', { env });
    const strong = { ...env.ctx('alice'), identity: who('mfa') };
    expectError(decide(task, decision(stepOf(task, 'push'), 'approve', { scope: 'task' }), loose, strong), 'BAD_REQUEST');
    // The same command under a rule without step-up gives a grant; once the rule needs step-up, the grant does not answer.
    const plain = Policy.parse({ rules: [{ name: 'push', match: { kind: 'run_command', command: '^git push' }, action: 'ask' }] });
    const { task: t2 } = await makeTask([push, commandStep('again', ['push'], { params: { command: 'git push origin main' } })], plain, 'agent', { env });
    const granted = unwrap(decide(t2, decision(stepOf(t2, 'push'), 'approve', { scope: 'task' }), loose, strong)).task;
    // `again` was asked for under `plain` (no step-up) so the grant answers it: the policy at request time.
    expect(stepOf(granted, 'again').status).toBe('approved');
    const { task: t3 } = await makeTask([push, commandStep('again', ['push'], { params: { command: 'git push origin main' } })], loose, 'agent', { env });
    const g3 = unwrap(decide(t3, decision(stepOf(t3, 'push'), 'approve'), loose, strong)).task;
    expect(stepOf(g3, 'again').status).toBe('awaiting_approval');
  });

  it('raising the task to autopilot approves the rest, but not a step-up step', async () => {
    const env = makeEnv();
    const { task } = await makeTask([push, editStep('plain')], Policy.parse({ rules: [POLICY.rules[0]!] }), 'agent', { env });
    const after = unwrap(setMode(task, 'autopilot', Policy.parse({ rules: [POLICY.rules[0]!] }), env.ctx('alice'))).task;
    expect(stepOf(after, 'plain').status).toBe('approved');
    expect(stepOf(after, 'push').status).toBe('awaiting_approval');
  });
});

describe('one-click links (links.ts)', () => {
  const LINKS = Policy.parse({ rules: [{ name: 'tests', match: { kind: 'run_command', command: '^npm test' }, action: 'ask', oneClick: true }] });
  const tests = commandStep('t', [], { params: { command: 'npm test' } });

  it('expire 15 minutes after they are sent, never past the approval’s deadline', () => {
    fc.assert(
      fc.property(fc.nat({ max: 1e12 }), fc.option(fc.nat({ max: 1e12 }), { nil: undefined }), (now, deadline) => {
        const at = linkExpiresAt(now, deadline);
        expect(at).toBeLessThanOrEqual(now + LINK_TTL_MS);
        if (deadline !== undefined) expect(at).toBeLessThanOrEqual(deadline);
        expect(at).toBe(Math.min(now + LINK_TTL_MS, deadline ?? Infinity));
      }),
    );
  });

  it('decide only the open approval and bytes they were sent for, in time, while the rule says oneClick', async () => {
    const env = makeEnv();
    const { task } = await makeTask([tests, commandStep('other', [], { params: { command: 'make deploy' } })], LINKS, 'agent', { env });
    const step = stepOf(task, 't');
    const link = { id: 'l1', approvalId: step.approval!.id, paramsHash: step.paramsHash, decision: 'approve' as const, expiresAt: env.now + 1000 };
    expect(linkRefusal(link, step, LINKS, env.now)).toBeUndefined();
    expect(linkRefusal(link, step, LINKS, env.now + 1000)?.reason).toBe('link_expired');
    expect(linkRefusal({ ...link, paramsHash: '0'.repeat(64) }, step, LINKS, env.now)?.reason).toBe('stale_params_hash');
    expect(linkRefusal({ ...link, approvalId: 'other' }, step, LINKS, env.now)?.reason).toBe('not_open');
    expect(linkRefusal(link, undefined, LINKS, env.now)?.reason).toBe('not_open');
    // The rule dropped oneClick since the link was sent; and a step whose rule never said it.
    expect(linkRefusal(link, step, Policy.parse({ rules: [{ ...LINKS.rules[0]!, oneClick: false }] }), env.now)?.reason).toBe('one_click_not_allowed');
    const other = stepOf(task, 'other');
    expect(linkRefusal({ ...link, approvalId: other.approval!.id, paramsHash: other.paramsHash }, other, LINKS, env.now)?.reason).toBe('one_click_not_allowed');
  });

  it('a link’s token names its workspace, and nothing else parses as one', () => {
    const token = formatLink('acme', 'A'.repeat(43));
    expect(parseLink(token)).toEqual({ workspaceId: 'acme', token });
    for (const bad of ['gl_acme_' + 'A'.repeat(43), 'gll_acme_' + 'A'.repeat(42), 'gll_ACME_' + 'A'.repeat(43), `${token}/x`]) expect(parseLink(bad)).toBeUndefined();
  });
});
