/** The page shows core's counts: after a modify under requiredApprovals 2 it says "1 of 2" (issue 11, item 10). */
import { describe, expect, it } from 'vitest';
import { Policy, approvalView, decide, paramsHash, planTask, type Ctx, type Task } from '@greenlight/core';
import { approvableBy, peopleText, refusalText, votesText } from './facts.ts';
import { decidersText } from '@greenlight/core';
import type { Viewer } from './viewer.ts';

const TWO = Policy.parse({ requiredApprovals: 2 });
let n = 0;
const ctx = (actor: string): Ctx => ({ now: 1_700_000_000_000, actor, newId: () => `id-${++n}` });

async function deployTask(policy: Policy = TWO): Promise<Task> {
  const params = { command: 'make deploy' };
  const planned = planTask(
    { input: { title: 'deploy', steps: [{ key: 'deploy', kind: 'run_command', title: 'Deploy', params, dependsOn: [] }] }, paramsHashes: [await paramsHash(params)] },
    policy,
    ctx('agent'),
  );
  if (!planned.ok) throw new Error(planned.error.message);
  return planned.value.task;
}

describe('votesText', () => {
  it('says "1 of 2" after a modify: the modify is its author\'s approval', async () => {
    const task = await deployTask();
    const step = task.steps[0]!;
    const params = { command: 'make deploy --dry-run' };
    const modified = decide(
      task,
      { approvalId: step.approval!.id, stepId: step.id, decision: 'modify', paramsHash: step.paramsHash, params, newParamsHash: await paramsHash(params) },
      TWO,
      ctx('alice'),
    );
    if (!modified.ok) throw new Error(modified.error.message);
    const approval = approvalView(modified.value.task, modified.value.task.steps[0]!)!;
    expect(votesText(approval)).toBe('1 of 2 approvals (alice).');
    // alice may not approve again; bob may; the agent that planned it may not.
    const viewer = (principal: string): Viewer => ({ principal, role: 'approver', policy: TWO });
    expect(approvableBy(viewer('alice'), [approval])).toEqual([]);
    expect(approvableBy(viewer('bob'), [approval])).toEqual([approval]);
    expect(refusalText(viewer('agent'), approval)).toMatch(/created this task/);
    expect(refusalText(viewer('bob'), approval)).toBeUndefined();
  });

  it('says nothing for a single approval, and names no one for a policy decision', async () => {
    const task = await deployTask();
    expect(votesText({ votes: [], requiredApprovals: 1 })).toBeUndefined();
    expect(votesText(approvalView(task, task.steps[0]!)!)).toBe('0 of 2 approvals.');
    expect(peopleText({ by: ['policy:mode:copilot'] })).toBe('');
    expect(peopleText({ by: ['alice'] })).toBe(' by alice');
  });
});

describe('who decided and how (issue 15 item 2)', () => {
  it('votesText names each counted person with how they proved it; a second identity of one person is not counted', () => {
    const votes = [
      { principal: 'slack:T1:UA', decision: 'approve' as const, at: 1, identitySource: 'slack' as const, authStrength: 'sso' as const, person: 'alice' },
      { principal: 'alice', decision: 'approve' as const, at: 2, identitySource: 'key' as const, authStrength: 'key' as const, person: 'alice' },
    ];
    expect(votesText({ votes, requiredApprovals: 2 })).toBe('1 of 2 approvals (alice (slack:T1:UA) · SSO via Slack).');
  });

  it('a group quorum says which group; approve-all leaves it to members the page knows', async () => {
    const SEC = Policy.parse({ rules: [{ match: { kind: 'run_command' }, action: 'ask', requiredApprovals: { group: 'security', count: 1 } }] });
    const task = await deployTask(SEC);
    const a = approvalView(task, task.steps[0]!)!;
    expect(votesText(a)).toBe('0 of 1 approvals from group security.');
    const viewer = (groups?: string[]): Viewer => ({ principal: 'bob', role: 'approver', policy: SEC, ...(groups ? { groups } : {}) });
    expect(approvableBy(viewer(), [a])).toEqual([]);
    expect(approvableBy(viewer(['security']), [a])).toEqual([a]);
  });

  it('decidersText: "alice · SSO+MFA via sign-in, bob · key"; older decisions show their principals', () => {
    const d = {
      by: ['oidc:https://idp#a', 'bob'],
      deciders: [
        { principal: 'oidc:https://idp#a', identitySource: 'oidc' as const, authStrength: 'mfa' as const, person: 'alice' },
        { principal: 'bob', identitySource: 'key' as const, authStrength: 'key' as const, person: 'bob' },
      ],
    };
    expect(decidersText(d)).toBe('alice (oidc:https://idp#a) · SSO+MFA via sign-in, bob · key');
    expect(decidersText({ by: ['alice'] })).toBe('alice');
    expect(decidersText({ by: ['slack:T1:UA'], deciders: [{ principal: 'slack:T1:UA', identitySource: 'slack', authStrength: 'sso', person: 'slack:T1:UA', onBehalfOf: 'bob' }] })).toBe(
      'slack:T1:UA for bob · SSO via Slack',
    );
  });
});
