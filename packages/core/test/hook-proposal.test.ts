/**
 * core/hooks proposal.ts: a step found by its key is a call's step only when it was
 * proposed with exactly the call's params (a reviewer's modify aside). The security
 * fault it closes: a PermissionRequest (no tool_use_id) keyed by turn + command found an
 * earlier APPROVED step of the same command with other input (another cwd, another MCP
 * `host`) and ran unapproved bytes.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, decide, paramsHash, revise, type Step } from '../src/index.ts';
import { callKeyFor, claimIsProposal, isStepOfProposal, proposedHash, repeatKey, verdictForProposal } from '../src/hooks/index.ts';
import { commandStep, decision, hashOf, makeEnv, makeTask, modifyDecision, stepOf, unwrap } from './fixtures.ts';

const json = fc.jsonValue().filter((v) => v !== null);
const paramsArb = fc.dictionary(fc.string({ minLength: 1, maxLength: 6 }), json, { minKeys: 1, maxKeys: 4 });

async function planned(params: Record<string, unknown>) {
  const env = makeEnv();
  const { task } = await makeTask([commandStep('c', [], { params })], DEFAULT_POLICY, 'agent', { env });
  return { env, task, step: stepOf(task, 'c') };
}

describe('isStepOfProposal', () => {
  it('the hash it binds is the server paramsHash of the params as a request carries them (undefined fields are not sent)', async () => {
    await fc.assert(
      fc.asyncProperty(paramsArb, async (p) => {
        expect(await proposedHash(p)).toBe(await paramsHash(JSON.parse(JSON.stringify(p))));
      }),
      { numRuns: 50 },
    );
    expect(await proposedHash({ command: 'ls', cwd: undefined })).toBe(await paramsHash({ command: 'ls' }));
  });

  it('a step proposed with other params is never the call: another cwd, another MCP host argument, other content', async () => {
    const { step } = await planned({ command: 'npm test', cwd: '/repo' });
    expect(isStepOfProposal(step, await proposedHash({ command: 'npm test', cwd: '/repo' }))).toBe(true);
    expect(isStepOfProposal(step, await proposedHash({ command: 'npm test', cwd: '/elsewhere' }))).toBe(false);
    expect(isStepOfProposal(step, await proposedHash({ command: 'npm test' }))).toBe(false);
    await fc.assert(
      fc.asyncProperty(paramsArb, paramsArb, async (a, b) => {
        fc.pre(JSON.stringify(a) !== JSON.stringify(b));
        const s = { paramsHash: await hashOf(a), history: [{ revision: 1, params: a, paramsHash: await hashOf(a), by: 'agent', at: 0, via: 'plan' as const }] };
        expect(isStepOfProposal(s, await proposedHash(b))).toBe(false);
        expect(isStepOfProposal(s, await proposedHash(a))).toBe(true);
      }),
      { numRuns: 50 },
    );
  });

  it("after a reviewer's modify: both the original call (it gets the reviewer's version) and the reviewer's version itself (a plain allow) are the call; a third input is not", async () => {
    const { env, task, step } = await planned({ command: 'npm run build -- --watch', cwd: '/repo' });
    const reviewers = { command: 'npm run build', cwd: '/repo' };
    const modified = stepOf(unwrap(decide(task, await modifyDecision(step, reviewers), DEFAULT_POLICY, env.ctx('alice'))).task, 'c');
    expect(modified.status).toBe('approved');
    const original = await proposedHash({ command: 'npm run build -- --watch', cwd: '/repo' });
    expect(isStepOfProposal(modified, original)).toBe(true);
    expect(isStepOfProposal(modified, await proposedHash(reviewers))).toBe(true);
    expect(isStepOfProposal(modified, await proposedHash({ command: 'npm run build -- --watch', cwd: '/other' }))).toBe(false);

    const call = { tool: 'Shell', input: { command: 'npm run build' } };
    // The reviewer's version proposed as is: allow, nothing to substitute (a host without edited input would otherwise deny it).
    expect(verdictForProposal(modified, call, await proposedHash(reviewers))).toEqual({ decision: 'allow', reason: expect.stringContaining('approved with changes') as string });
    // The original call: the reviewer's version to run instead.
    expect(verdictForProposal(modified, { tool: 'Shell', input: { command: 'npm run build -- --watch' } }, original).updatedInput).toEqual({ command: 'npm run build' });
  });

  it("after an agent's revise the old proposal is another call", async () => {
    const { env, task, step } = await planned({ command: 'npm test', cwd: '/repo' });
    const changes = unwrap(decide(task, decision(step, 'request_changes', { feedback: 'not there' }), DEFAULT_POLICY, env.ctx('alice'))).task;
    const params = { command: 'npm test', cwd: '/repo/pkg' };
    const revised: Step = stepOf(unwrap(revise(changes, { stepId: step.id, params, paramsHash: await hashOf(params) }, DEFAULT_POLICY, env.ctx('agent'))).task, 'c');
    expect(isStepOfProposal(revised, await proposedHash({ command: 'npm test', cwd: '/repo' }))).toBe(false);
    expect(isStepOfProposal(revised, await proposedHash(params))).toBe(true);
  });
});

describe('claimIsProposal', () => {
  it('lets a claim run only for the decided step, unchanged since, proposed with these params (or modified from them by a reviewer)', async () => {
    const { env, task, step } = await planned({ command: 'npm test', cwd: '/repo' });
    const approved = stepOf(unwrap(decide(task, decision(step, 'approve'), DEFAULT_POLICY, env.ctx('alice'))).task, 'c');
    const claimed = { stepId: approved.id, revision: approved.revision, paramsHash: approved.paramsHash };
    const mine = await proposedHash({ command: 'npm test', cwd: '/repo' });
    expect(claimIsProposal(claimed, approved, mine)).toBe(true);
    expect(claimIsProposal(claimed, approved, await proposedHash({ command: 'npm test', cwd: '/other' }))).toBe(false);
    expect(claimIsProposal({ ...claimed, revision: 2 }, approved, mine)).toBe(false);
    expect(claimIsProposal({ ...claimed, stepId: 'other' }, approved, mine)).toBe(false);
    expect(claimIsProposal({ ...claimed, paramsHash: await hashOf({ command: 'x' }) }, approved, mine)).toBe(false);
  });
});

describe('the key of a call without an id', () => {
  it('is shared by calls with the same command and other input (so the hash, not the key, must decide), and repeats stay valid step keys', async () => {
    const a = await callKeyFor({ tool: 'Bash', input: { command: 'npm test' }, cwd: '/repo' });
    const b = await callKeyFor({ tool: 'Bash', input: { command: 'npm test', description: 'x' }, cwd: '/other' });
    expect(a).toBe(b);
    expect(repeatKey(a, 1)).toBe(a);
    const long = 'k'.repeat(100);
    expect(repeatKey(long, 50)).toBe(`${'k'.repeat(95)}.50`);
    expect(repeatKey(long, 50).length).toBeLessThanOrEqual(100);
  });
});
