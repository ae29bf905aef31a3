/**
 * The framework adapters' pure parts: a decided step read as a verdict (and its words),
 * call ids as step keys, bounded outputs, and LangGraph's two interrupt shapes read and
 * answered. Property: whatever the verdict and whatever the request allows, the answer
 * never says more than the request allows (a disallowed decision becomes a refusal), and
 * only an approval (or edit) of the very request lets it run.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { LIMITS, type Step } from '@greenlight/core';
import { reasonOf, refusalOf, stepKey, verdictOf, type Verdict } from '../src/adapters/steps.ts';
import { boundedOutput } from '../src/adapters/claim.ts';
import { sessionName } from '../src/adapters/session.ts';
import { SessionName } from '@greenlight/core';
import { answerFor, readInterrupt, resumeValue, type ActionRequest, type Allowed } from '../src/adapters/interrupts.ts';

function step(over: Partial<Step>): Step {
  return {
    id: 's1',
    taskId: 't1',
    key: 'k',
    index: 0,
    kind: 'custom',
    title: 'send_email',
    params: { tool: 'send_email', input: { to: 'a' } },
    paramsHash: 'a'.repeat(64),
    revision: 1,
    dependsOn: [],
    status: 'awaiting_approval',
    idempotent: false,
    policy: { action: 'ask' },
    approvals: [],
    attempt: 0,
    history: [],
    updatedAt: 0,
    ...over,
  } as Step;
}

describe('verdictOf and reasonOf', () => {
  it('reads approved, modified, rejected, policy-denied, answered and pending steps', () => {
    expect(verdictOf(step({ status: 'awaiting_approval', approval: { id: 'ap1', requestedAt: 0, requiredApprovals: 1, defaultOnTimeout: 'reject' } }))).toMatchObject({
      kind: 'pending',
      approvalId: 'ap1',
    });
    expect(verdictOf(step({ status: 'approved', decision: { decision: 'approve', by: ['alice'], at: 0 } }))).toMatchObject({
      kind: 'approved',
      modified: false,
      input: { to: 'a' },
      reason: 'approved by alice',
    });
    expect(verdictOf(step({ status: 'approved', params: { tool: 'send_email', input: { to: 'b' } }, decision: { decision: 'modify', by: ['bob'], at: 0 } }))).toMatchObject({
      kind: 'approved',
      modified: true,
      input: { to: 'b' },
    });
    expect(verdictOf(step({ status: 'rejected', decision: { decision: 'reject', by: ['alice'], at: 0, feedback: 'no' } }))).toMatchObject({ kind: 'denied', reason: 'rejected by alice: no' });
    expect(reasonOf(step({ status: 'rejected', decision: { decision: 'policy', by: ['policy:no-drops'], at: 0, rule: 'no-drops', reason: 'never' } }))).toBe('denied by policy rule no-drops: never');
    expect(verdictOf(step({ kind: 'clarify', params: { questions: ['q'] }, status: 'completed', decision: { decision: 'answer', by: ['alice'], at: 0, answer: 'eu' } }))).toMatchObject({
      kind: 'answered',
      answer: 'eu',
    });
  });

  it('never reads a step already handed out, or any other state, as approved', () => {
    for (const status of ['executing', 'completed', 'failed', 'skipped', 'blocked', 'cancelled', 'changes_requested'] as const) {
      const v = verdictOf(step({ status }));
      expect(v.kind).toBe('denied');
      expect(refusalOf(v)).not.toBe('');
    }
    expect(reasonOf(step({ status: 'completed' }))).toMatch(/at most once/);
  });
});

describe('stepKey', () => {
  it('keeps an id that is a step key, and hashes any other to the same key every time', async () => {
    expect(await stepKey('call_abc-1.2:3')).toBe('call_abc-1.2:3');
    const odd = await stepKey('toolu_01 / weird id');
    expect(odd).toMatch(/^h-[0-9a-f]{32}$/);
    expect(await stepKey('toolu_01 / weird id')).toBe(odd);
    expect(await stepKey('x'.repeat(101))).toMatch(/^h-/);
  });
});

describe('sessionName', () => {
  it("keeps names core's SessionName takes, and hashes any other to one it takes, the same every time", async () => {
    expect(await sessionName('langgraph', 'bot', 'thread-1')).toBe('langgraph:bot:thread-1');
    const odd = await sessionName('langgraph', 'bot', 'thread with spaces & ü');
    expect(odd).toMatch(/^langgraph:h-[0-9a-f]{40}$/);
    expect(await sessionName('langgraph', 'bot', 'thread with spaces & ü')).toBe(odd);
    for (const name of [odd, await sessionName('ai-sdk', 'x'.repeat(300))]) expect(SessionName.safeParse(name).success).toBe(true);
  });
});

describe('boundedOutput', () => {
  it('keeps a result that fits, and cuts a large one short, marked, under the limit', () => {
    expect(boundedOutput({ a: 1 })).toEqual({ a: 1 });
    expect(boundedOutput(undefined)).toBeUndefined();
    const big = boundedOutput({ text: 'x'.repeat(LIMITS.outputBytes * 2) }) as { truncated: boolean; head: string };
    expect(big.truncated).toBe(true);
    expect(new TextEncoder().encode(JSON.stringify(big)).length).toBeLessThan(LIMITS.outputBytes);
  });
});

describe('readInterrupt', () => {
  it('reads the HITL middleware request, with its review configs', () => {
    const read = readInterrupt({
      actionRequests: [
        { name: 'write_file', arguments: { path: 'a' }, description: 'write' },
        { name: 'other', arguments: {} },
      ],
      reviewConfigs: [{ actionName: 'write_file', allowedDecisions: ['approve', 'reject'] }],
    });
    expect(read).toMatchObject({ shape: 'hitl', argsField: 'arguments' });
    expect(read?.requests[0]).toEqual({ name: 'write_file', args: { path: 'a' }, description: 'write', allowed: { approve: true, edit: false, reject: true, respond: false, ignore: false } });
    expect(read?.requests[1]!.allowed).toMatchObject({ approve: true, edit: true, reject: true });
  });

  it('reads a HumanInterrupt and a list of them', () => {
    const one = { action_request: { action: 'rm', args: { p: 1 } }, config: { allow_accept: true, allow_edit: false, allow_respond: true, allow_ignore: false } };
    expect(readInterrupt(one)).toMatchObject({ shape: 'human-interrupt', list: false, requests: [{ name: 'rm', args: { p: 1 } }] });
    expect(readInterrupt([one, one])).toMatchObject({ shape: 'human-interrupt', list: true });
  });

  it('reads nothing it does not know: the bridge refuses those', () => {
    for (const v of [undefined, null, 'approve?', 42, {}, [], { actionRequests: [{ nope: 1 }] }, [{ action_request: { args: {} } }]]) expect(readInterrupt(v)).toBeUndefined();
  });
});

describe('answerFor and resumeValue', () => {
  const allowAll: Allowed = { approve: true, edit: true, reject: true, respond: true, ignore: true };
  const req = (allowed: Partial<Allowed> = {}): ActionRequest => ({ name: 'write_file', args: { path: 'a' }, allowed: { ...allowAll, ...allowed } });
  const approved = (modified: boolean, input: unknown = { path: 'b' }): Verdict => ({ kind: 'approved', step: step({}), input, modified, reason: 'approved' });

  it('answers approve, edit with the reviewer input, reject with the reason, respond with the answer', () => {
    expect(answerFor(approved(false) as Exclude<Verdict, { kind: 'pending' }>, req())).toEqual({ type: 'approve' });
    expect(answerFor(approved(true) as Exclude<Verdict, { kind: 'pending' }>, req())).toEqual({ type: 'edit', args: { path: 'b' } });
    expect(answerFor({ kind: 'denied', step: step({}), reason: 'rejected by alice: no' }, req())).toEqual({ type: 'reject', message: 'Greenlight: rejected by alice: no; the call was not run' });
    expect(answerFor({ kind: 'answered', step: step({}), answer: 'eu' }, req())).toEqual({ type: 'respond', message: 'eu' });
  });

  it('fails closed: an edit where edits are not allowed is a reject', () => {
    expect(answerFor(approved(true) as Exclude<Verdict, { kind: 'pending' }>, req({ edit: false }))).toMatchObject({ type: 'reject', message: expect.stringMatching(/does not allow edits/) });
  });

  it('puts answers in each shape: HITL decisions with the request arguments field, HumanResponses', () => {
    const hitl = readInterrupt({
      actionRequests: [
        { name: 'w', args: {} },
        { name: 'w', args: {} },
      ],
      reviewConfigs: [],
    })!;
    expect(
      resumeValue(hitl, [
        { type: 'edit', args: { x: 1 } },
        { type: 'reject', message: 'm' },
      ]),
    ).toEqual({
      decisions: [
        { type: 'edit', editedAction: { name: 'w', args: { x: 1 } } },
        { type: 'reject', message: 'm' },
      ],
    });
    const human = readInterrupt([{ action_request: { action: 'rm', args: {} }, config: { allow_accept: true, allow_edit: true, allow_respond: false, allow_ignore: true } }])!;
    expect(resumeValue(human, [{ type: 'reject', message: 'no' }])).toEqual([{ type: 'ignore', args: null }]);
    const mute = readInterrupt({ action_request: { action: 'rm', args: {} }, config: { allow_accept: true, allow_edit: false, allow_respond: false, allow_ignore: false } })!;
    expect(() => resumeValue(mute, [{ type: 'reject', message: 'no' }])).toThrow(RangeError);
    expect(() => resumeValue(mute, [])).toThrow(RangeError);
  });

  const allowedArb = fc.record({ approve: fc.boolean(), edit: fc.boolean(), reject: fc.boolean(), respond: fc.boolean(), ignore: fc.boolean() });
  const verdictArb: fc.Arbitrary<Exclude<Verdict, { kind: 'pending' }>> = fc.oneof(
    fc.record({ modified: fc.boolean(), input: fc.jsonValue() }).map(({ modified, input }) => ({ kind: 'approved' as const, step: step({}), input, modified, reason: 'r' })),
    fc.string().map((reason) => ({ kind: 'denied' as const, step: step({}), reason })),
    fc.string().map((answer) => ({ kind: 'answered' as const, step: step({}), answer })),
  );

  it('property: an answer is never a decision the request does not allow (a refusal at most), and only an approval lets the call run', () => {
    fc.assert(
      fc.property(verdictArb, allowedArb, (verdict, allowed) => {
        const a = answerFor(verdict, { name: 't', args: {}, allowed });
        if (a.type === 'approve') expect(verdict.kind === 'approved' && !verdict.modified && allowed.approve).toBe(true);
        if (a.type === 'edit') expect(verdict.kind === 'approved' && verdict.modified && allowed.edit).toBe(true);
        if (a.type === 'edit' && verdict.kind === 'approved') expect(a.args).toEqual(verdict.input);
        if (a.type === 'respond') expect(verdict.kind === 'answered' && allowed.respond).toBe(true);
      }),
    );
  });

  it('property: a HumanResponse is only ever a type its config allows (accept, edit, response, ignore)', () => {
    fc.assert(
      fc.property(verdictArb, fc.record({ allow_accept: fc.boolean(), allow_edit: fc.boolean(), allow_respond: fc.boolean(), allow_ignore: fc.boolean() }), (verdict, config) => {
        const read = readInterrupt({ action_request: { action: 't', args: {} }, config })!;
        let value: { type: string } | undefined;
        try {
          value = resumeValue(read, [answerFor(verdict, read.requests[0]!)]) as { type: string };
        } catch (err) {
          expect(err).toBeInstanceOf(RangeError); // nothing safe to send: the bridge refuses the resume
          return;
        }
        const allowedTypes = new Set([config.allow_accept && 'accept', config.allow_edit && 'edit', config.allow_respond && 'response', config.allow_ignore && 'ignore']);
        expect(allowedTypes.has(value.type)).toBe(true);
      }),
    );
  });
});
