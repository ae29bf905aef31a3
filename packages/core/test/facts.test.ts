/** One derived fact, one function (issue 11, item 10): what the page, the CLI and the SDK show. */
import { describe, expect, it } from 'vitest';
import { Policy, StepStatus, TaskStatus, approvalProgress, approvalView, decide, decisionPeople, mayApprove, setMode, statusLabel } from '../src/index.ts';
import { commandStep, decision, makeEnv, makeTask, modifyDecision, stepOf, unwrap } from './fixtures.ts';

const TWO = Policy.parse({ requiredApprovals: 2 });

describe('approvalProgress', () => {
  it('counts a modify as its author\'s approval: "1 of 2" after a modify under requiredApprovals 2', async () => {
    const env = makeEnv();
    const { task } = await makeTask([commandStep('deploy')], TWO, 'agent', { env });
    const after = unwrap(decide(task, await modifyDecision(stepOf(task, 'deploy'), { command: 'npm run deploy -- --dry-run' }), TWO, env.ctx('alice'))).task;
    const a = approvalView(after, stepOf(after, 'deploy'))!;
    expect(approvalProgress(a.votes, a.requiredApprovals)).toEqual({ approvers: ['alice'], persons: ['alice'], count: 1, required: 2, remaining: 1, met: false });
    // bob's approval makes two: what the core then does agrees with the count.
    const done = unwrap(decide(after, decision(stepOf(after, 'deploy'), 'approve'), TWO, env.ctx('bob'))).task;
    expect(stepOf(done, 'deploy').status).toBe('approved');
    expect(approvalProgress(stepOf(done, 'deploy').approvals, 2)).toMatchObject({ count: 2, met: true, remaining: 0 });
  });

  it('counts distinct principals, and never a reject, skip or request for changes', () => {
    const v = (principal: string, d: 'approve' | 'modify' | 'reject' | 'skip' | 'request_changes') => ({ principal, decision: d });
    expect(approvalProgress([v('a', 'approve'), v('a', 'approve'), v('b', 'reject'), v('c', 'skip'), v('d', 'request_changes')], 3)).toEqual({
      approvers: ['a'],
      persons: ['a'],
      count: 1,
      required: 3,
      remaining: 2,
      met: false,
    });
    expect(approvalProgress([], 1).remaining).toBe(1);
  });
});

describe('mayApprove', () => {
  it('is what "approve all" may send: approvable, not the creator, not already approved', async () => {
    const env = makeEnv();
    const { task } = await makeTask([commandStep('deploy'), { key: 'q', kind: 'clarify', title: 'q', params: { questions: ['why?'] } }], TWO, 'dev', { env });
    const voted = unwrap(decide(task, decision(stepOf(task, 'deploy'), 'approve'), TWO, env.ctx('alice'))).task;
    const deploy = approvalView(voted, stepOf(voted, 'deploy'))!;
    const question = approvalView(voted, stepOf(voted, 'q'))!;
    const approver = (principal: string) => ({ principal, role: 'approver' as const });
    expect(mayApprove(approver('bob'), deploy, TWO)).toBe(true);
    expect(mayApprove(approver('alice'), deploy, TWO)).toBe(false); // already approved this revision
    expect(mayApprove(approver('dev'), deploy, TWO)).toBe(false); // created the task
    expect(mayApprove({ principal: 'dev', role: 'admin' }, deploy, Policy.parse({ preventSelfApproval: false, requiredApprovals: 2 }))).toBe(true);
    expect(mayApprove({ principal: 'vic', role: 'viewer' }, deploy, TWO)).toBe(false);
    expect(mayApprove(approver('bob'), question, TWO)).toBe(false); // a question takes an answer
  });
});

describe('decisionPeople', () => {
  it('names people, never the policy or the clock', async () => {
    expect(decisionPeople({ by: ['policy:mode:copilot'] })).toEqual([]);
    expect(decisionPeople({ by: ['timeout'] })).toEqual([]);
    expect(decisionPeople({ by: ['alice', 'bob'] })).toEqual(['alice', 'bob']);
    const env = makeEnv();
    // A raised mode approves only what one person may (requiredApprovals 1).
    const one = Policy.parse({});
    const { task } = await makeTask([commandStep('build')], one, 'dev', { env });
    const raised = unwrap(setMode(task, 'autopilot', one, env.ctx('alice'))).task;
    expect(decisionPeople(stepOf(raised, 'build').decision!)).toEqual(['alice']);
  });
});

describe('statusLabel', () => {
  it('has words for every step and task status', () => {
    for (const s of [...StepStatus.options, ...TaskStatus.options]) expect(statusLabel(s)).toMatch(/^[a-z]+( [a-z]+)*$/);
    expect(statusLabel('awaiting_approval')).toBe('awaiting approval');
    expect(statusLabel('completed_with_errors')).toBe('completed with errors');
  });
});
