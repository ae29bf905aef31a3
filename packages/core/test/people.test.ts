/**
 * Counting by person (issue 15 item 2, docs/people.md): N-of-M counts distinct persons,
 * a person approves a revision once whatever identity they use, the creator may not
 * approve through a linked identity, and links never form a chain or a cycle.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Policy, approvalProgress, decide, hasApproved, mayApprove, planLink, samePerson, setMode, type Ctx, type LinkView, type Task } from '../src/index.ts';
import { commandStep, decision, expectError, makeEnv, makeTask, stepOf, unwrap, type Env } from './fixtures.ts';

const RUNS = 100;
const principalArb = fc.constantFrom('alice', 'alice-laptop', 'slack:T1:UA', 'oidc:https://idp#a', 'bob', 'slack:T1:UB', 'carol', 'dave');

/** A random assignment of principals to persons (a map principal → root), as a resolver. */
const linksArb = fc.dictionary(principalArb, fc.constantFrom('P1', 'P2', 'P3'), { maxKeys: 8 });
const resolverOf = (links: Record<string, string>) => (p: string) => links[p] ?? p;

/** A LinkView over a plain map, as the shell's table answers it. */
const viewOf = (links: Map<string, string>): LinkView => ({
  linkOf: (p) => links.get(p),
  hasMembers: (p) => [...links.values()].includes(p),
});

/** A caller context with an identity counted for `person` and the workspace's links. */
const ctxAs = (env: Env, principal: string, person: string, people: (p: string) => string): Ctx => ({
  ...env.ctx(principal),
  identity: { identitySource: principal.startsWith('slack:') ? 'slack' : 'key', authStrength: principal.startsWith('slack:') ? 'sso' : 'key', person },
  people,
});

const N_OF = (n: number) => Policy.parse({ requiredApprovals: n });

describe('approvalProgress counts persons', () => {
  it('the count is the number of distinct persons among approving votes, whatever order and however many identities each uses', () => {
    const voteArb = fc.record({ principal: principalArb, decision: fc.constantFrom('approve', 'modify', 'reject', 'skip') as fc.Arbitrary<'approve' | 'modify' | 'reject' | 'skip'> });
    fc.assert(
      fc.property(fc.array(voteArb, { maxLength: 12 }), linksArb, fc.integer({ min: 1, max: 5 }), (votes, links, n) => {
        const resolve = resolverOf(links);
        const p = approvalProgress(votes, n, resolve);
        const expected = new Set(votes.filter((v) => v.decision === 'approve' || v.decision === 'modify').map((v) => resolve(v.principal)));
        expect(p.count).toBe(expected.size);
        expect(new Set(p.persons)).toEqual(expected);
        expect(p.approvers).toHaveLength(p.count);
        expect(p.met).toBe(expected.size >= n);
        expect(p.remaining).toBe(Math.max(0, n - expected.size));
        // order does not change the count
        expect(approvalProgress([...votes].reverse(), n, resolve).count).toBe(p.count);
      }),
      { numRuns: RUNS * 3 },
    );
  });

  it("a recorded person counts even without links: a Slack vote recorded for alice and alice's key vote are one approval", () => {
    const votes = [
      { principal: 'alice', decision: 'approve' as const },
      { principal: 'slack:T1:UA', decision: 'approve' as const, person: 'alice' },
    ];
    expect(approvalProgress(votes, 2)).toMatchObject({ count: 1, persons: ['alice'], approvers: ['alice'], met: false });
    expect(hasApproved({ principal: 'slack:T1:UA', person: 'alice' }, votes.slice(0, 1))).toBe(true);
  });
});

describe('decide counts persons', () => {
  it('random identities of random persons approve in turn: approved exactly when N distinct persons did; a repeat person is CONFLICT already_voted and changes nothing', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(principalArb, { minLength: 1, maxLength: 8 }), linksArb, fc.integer({ min: 1, max: 3 }), async (voters, links, n) => {
        const resolve = resolverOf(links);
        const env = makeEnv();
        let task: Task = (await makeTask([commandStep('deploy')], N_OF(n), 'agent', { env })).task;
        const seen = new Set<string>();
        for (const principal of voters) {
          const step = stepOf(task, 'deploy');
          const person = resolve(principal);
          const r = decide(task, decision(step, 'approve'), N_OF(n), ctxAs(env, principal, person, resolve));
          if (step.status !== 'awaiting_approval') {
            expectError(r, 'CONFLICT', 'not_open');
            continue;
          }
          if (seen.has(person)) {
            expectError(r, 'CONFLICT', 'already_voted');
            continue;
          }
          seen.add(person);
          task = unwrap(r).task;
          expect(stepOf(task, 'deploy').status).toBe(seen.size >= n ? 'approved' : 'awaiting_approval');
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('a key linked to a person after it voted still counts for that person (counting resolves the current links)', async () => {
    const env = makeEnv();
    const { task } = await makeTask([commandStep('deploy')], N_OF(2), 'agent', { env });
    const unlinked = (p: string) => p;
    const voted = unwrap(decide(task, decision(stepOf(task, 'deploy'), 'approve'), N_OF(2), ctxAs(env, 'alice-laptop', 'alice-laptop', unlinked))).task;
    const linked = (p: string) => (p === 'alice-laptop' ? 'alice' : p);
    expectError(decide(voted, decision(stepOf(voted, 'deploy'), 'approve'), N_OF(2), ctxAs(env, 'alice', 'alice', linked)), 'CONFLICT', 'already_voted');
    const done = unwrap(decide(voted, decision(stepOf(voted, 'deploy'), 'approve'), N_OF(2), ctxAs(env, 'bob', 'bob', linked))).task;
    expect(stepOf(done, 'deploy').decision?.by).toEqual(['alice-laptop', 'bob']);
  });
});

describe('no self-approval by person', () => {
  it('any identity linked to the creator is refused (decide, setMode); other persons are not', async () => {
    await fc.assert(
      fc.asyncProperty(principalArb, linksArb, async (principal, links) => {
        const resolve = resolverOf(links);
        const env = makeEnv();
        const policy = N_OF(1);
        const { task } = await makeTask([commandStep('deploy')], policy, 'alice', { env });
        const same = resolve(principal) === resolve('alice') || principal === 'alice';
        const ctx = ctxAs(env, principal, resolve(principal), resolve);
        const r = decide(task, decision(stepOf(task, 'deploy'), 'approve'), policy, ctx);
        if (same) expectError(r, 'FORBIDDEN');
        else expect(r.ok).toBe(true);
        const m = setMode(task, 'autopilot', policy, ctx);
        if (same) expectError(m, 'FORBIDDEN');
        else expect(m.ok).toBe(true);
        expect(samePerson({ principal }, { principal: 'alice' }, resolve)).toBe(same);
      }),
      { numRuns: RUNS },
    );
  });

  it("mayApprove reads the viewer's person: alice through Slack may not approve again, nor approve her own task", () => {
    const approval = { options: ['approve' as const], votes: [{ principal: 'alice', decision: 'approve' as const }], requiredApprovals: 2, createdBy: 'agent' };
    const policy = { preventSelfApproval: true };
    expect(mayApprove({ principal: 'slack:T1:UA', role: 'approver', person: 'alice' }, approval, policy)).toBe(false);
    expect(mayApprove({ principal: 'slack:T1:UB', role: 'approver', person: 'bob' }, approval, policy)).toBe(true);
    expect(mayApprove({ principal: 'slack:T1:UA', role: 'approver', person: 'agent' }, { ...approval, votes: [] }, policy)).toBe(false);
  });
});

describe('planLink keeps links flat', () => {
  type Op = { t: 'link'; principal: string; person: string } | { t: 'unlink'; principal: string };
  const opArb: fc.Arbitrary<Op> = fc.oneof(
    fc.record({ t: fc.constant('link' as const), principal: principalArb, person: principalArb }),
    fc.record({ t: fc.constant('unlink' as const), principal: principalArb }),
  );

  it('after any links and unlinks: no principal is linked to itself, every link points at a root, errors change nothing', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 30 }), (ops) => {
        const links = new Map<string, string>();
        for (const op of ops) {
          if (op.t === 'unlink') {
            links.delete(op.principal);
          } else {
            const before = JSON.stringify([...links]);
            const r = planLink(viewOf(links), op.principal, op.person);
            if (!r.ok) {
              expect(['self_link', 'already_linked', 'has_members']).toContain(r.error.reason);
              expect(JSON.stringify([...links])).toBe(before);
            } else {
              expect(r.value.person).toBe(links.get(op.person) ?? op.person);
              links.set(r.value.principal, r.value.person);
            }
          }
          for (const [p, root] of links) {
            expect(root).not.toBe(p);
            expect(links.has(root)).toBe(false);
          }
        }
      }),
      { numRuns: RUNS * 3 },
    );
  });

  it('the cases by name: to oneself, back along a link, a chain, a second person, the same again', () => {
    const links = new Map([['alice-laptop', 'alice']]);
    const view = viewOf(links);
    expect(planLink(view, 'alice', 'alice')).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST', reason: 'self_link' } });
    expect(planLink(view, 'alice', 'alice-laptop')).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST', reason: 'self_link' } });
    expect(planLink(view, 'slack:T1:UA', 'alice-laptop')).toEqual({ ok: true, value: { principal: 'slack:T1:UA', person: 'alice', unchanged: false } });
    expect(planLink(view, 'alice-laptop', 'bob')).toMatchObject({ ok: false, error: { code: 'CONFLICT', reason: 'already_linked' } });
    expect(planLink(view, 'alice', 'bob')).toMatchObject({ ok: false, error: { code: 'CONFLICT', reason: 'has_members' } });
    expect(planLink(view, 'alice-laptop', 'alice')).toEqual({ ok: true, value: { principal: 'alice-laptop', person: 'alice', unchanged: true } });
  });
});
