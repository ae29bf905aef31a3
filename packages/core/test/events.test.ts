/**
 * Typed events (issue 12, item 3): every event the transitions write parses with its
 * type's schema, strictly (no key the schema does not name), as stored (JSON round trip);
 * readers keep keys they do not know; rows written by older versions still parse.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, Draft, Event, eventNote, eventSummary, EventType, GENESIS_HASH, STEP_MOVE_TYPES, strictEventData, type NewEvent } from '../src/index.ts';
import { makeCtx, makeEnv, makeTask, readStep } from './fixtures.ts';
import { cmdArb, planArb, policyArb } from './properties/arbitraries.ts';
import { apply, startTask } from './properties/model.ts';

/** An event as the shell stores it and a reader gets it back: JSON, with the envelope around it. */
function stored(e: NewEvent, seq: number): unknown {
  return JSON.parse(JSON.stringify({ seq, at: 1_700_000_000_000 + seq, actor: 'someone', ...e, hash: GENESIS_HASH }));
}

/** Why a stored event does not parse, strictly; undefined when it does. */
function refusal(raw: unknown): string | undefined {
  const read = Event.safeParse(raw);
  if (!read.success) return `Event: ${read.error.message}`;
  const strict = strictEventData(read.data.type).safeParse(read.data.data);
  if (!strict.success) return `strict ${read.data.type}: ${strict.error.message}`;
  // Reading changes nothing: no key dropped, no default added (the chain hashed exactly this).
  if (canonicalJson(read.data) !== canonicalJson(raw)) return `reading changed the event: ${JSON.stringify(raw)} -> ${JSON.stringify(read.data)}`;
  return undefined;
}

describe('event schemas', () => {
  it("every event the property model produces parses with its type's strict schema, as stored", async () => {
    const seen = new Set<string>();
    await fc.assert(
      fc.asyncProperty(planArb, policyArb, fc.boolean(), fc.boolean(), fc.array(cmdArb, { minLength: 10, maxLength: 40 }), async (specs, policy, planManual, open, cmds) => {
        const env = makeEnv();
        const planned = await startTask(specs, policy, env, { manual: planManual, open });
        const log: NewEvent[] = [...planned.events];
        let task = planned.task;
        for (const cmd of cmds) {
          env.advance(cmd.advance);
          const r = await apply(task, cmd, policy, env);
          if (r.kind !== 'ok') continue;
          log.push(...r.outcome.events);
          task = r.outcome.task;
        }
        log.forEach((e, i) => {
          seen.add(e.type);
          const raw = stored(e, i + 1);
          expect(refusal(raw), JSON.stringify(raw)).toBeUndefined();
        });
      }),
      { numRuns: 150 },
    );
    // The model reaches every type a transition writes (the workspace's own are the API tests').
    // grant.confirmed is the workspace's too: an admin's policy change (apps/api ops/grants.ts); so are Slack's settings.
    // identity.*, group.* and delegation.* are the workspace's too (apps/api people.ts, groups.ts). Reminders and
    // escalations need a rule that sets them, which the model's policies do not: nudges.test.ts checks their events.
    const transitionTypes = EventType.options.filter(
      (t) => !/^(workspace|key|policy|limits|webhook|identity|group|delegation|slack|passkey|oidc)\./.test(t) && !['grant.confirmed', 'approval.reminded', 'approval.escalated'].includes(t),
    );
    expect(transitionTypes.filter((t) => !seen.has(t))).toEqual([]);
  });

  it('has one member per event type, and step moves are the types with {from, to, revision}', () => {
    expect(Event.options.map((o) => o.shape.type.value).sort()).toEqual([...EventType.options].sort());
    for (const type of STEP_MOVE_TYPES) {
      const missing = strictEventData(type)
        .safeParse({})
        .error?.issues.map((i) => i.path[0]);
      expect(missing, type).toEqual(expect.arrayContaining(['from', 'to', 'revision']));
    }
  });

  it('keeps a key it does not know on read (a newer server may add one), but the strict schema refuses it', () => {
    const raw = { seq: 1, at: 1, type: 'task.finished', actor: 'x', taskId: 't', data: { status: 'completed', later: { added: true } }, hash: GENESIS_HASH };
    expect(Event.parse(raw)).toEqual(raw);
    expect(strictEventData('task.finished').safeParse(raw.data).success).toBe(false);
  });

  it('refuses an unknown type, a wrong field type, and a missing field', () => {
    const base = { seq: 1, at: 1, actor: 'x', hash: GENESIS_HASH };
    expect(Event.safeParse({ ...base, type: 'task.exploded', data: {} }).success).toBe(false);
    expect(Event.safeParse({ ...base, type: 'task.finished', data: { status: 'active' } }).success).toBe(false);
    expect(Event.safeParse({ ...base, type: 'step.approved', stepId: 's', data: { from: 'awaiting_approval', to: 'rejected', revision: 1 } }).success).toBe(false);
    expect(Event.safeParse({ ...base, type: 'approval.voted', data: { approvalId: 'a', principal: 'p', votes: 1 } }).success).toBe(false);
  });

  it('parses rows written by older versions (fixtures of their exact shapes)', () => {
    const old = (seq: number, type: string, data: Record<string, unknown>, ids: { taskId?: string; stepId?: string } = { taskId: 't1', stepId: 's1' }) => ({
      seq,
      at: 1_763_900_000_000 + seq,
      type,
      actor: 'agent',
      ...ids,
      data,
      hash: GENESIS_HASH,
    });
    const rows = [
      // before 211ad06 (2026-11-23): the claim logged the lease id and the holder the client named
      old(1, 'step.claimed', { from: 'approved', to: 'executing', revision: 1, attempt: 1, leaseId: 'l_1', holder: 'ci-runner', leaseExpiresAt: 1_763_900_060_000 }),
      // before a41ec23: webhook.created logged the whole target URL
      old(2, 'webhook.created', { id: 'wh_1', url: 'https://hooks.example.com/services/T000/B000/XXXX', events: ['approval.requested'], format: 'slack' }, {}),
      // before 8416af8: a policy allow logged `by` as the decision's first name, and no `via`
      old(3, 'step.approved', { from: 'awaiting_approval', to: 'approved', revision: 1, by: 'policy:reads', rule: 'reads' }),
      // the first version: votes as the approvers' count
      old(4, 'approval.voted', { approvalId: 'a1', principal: 'alice', votes: 1, required: 2 }),
      old(
        5,
        'policy.set',
        {
          version: 2,
          policy: {
            mode: 'copilot',
            rules: [{ match: { command: '^rm ' }, action: 'deny' }],
            autoApprove: ['read_file'],
            requiredApprovals: 1,
            preventSelfApproval: true,
            defaultOnTimeout: 'reject',
            maxAttempts: 3,
          },
        },
        {},
      ),
    ];
    for (const raw of rows) expect(refusal(raw), JSON.stringify(raw)).toBeUndefined();
  });
});

describe('events as text', () => {
  const asked = { from: 'awaiting_approval', revision: 2 } as const;
  it('eventNote gives what a person wrote or why it happened, from the typed fields', () => {
    expect(eventNote({ type: 'step.changes_requested', data: { ...asked, to: 'changes_requested', by: 'alice', feedback: 'smaller' } })).toBe('smaller');
    expect(eventNote({ type: 'step.rejected', data: { ...asked, to: 'rejected', by: 'policy:no-rm', rule: 'no-rm', reason: 'never rm' } })).toBe('never rm');
    expect(eventNote({ type: 'step.completed', data: { ...asked, to: 'completed', by: 'alice', answer: 'eu-west' } })).toBe('eu-west');
    expect(eventNote({ type: 'step.failed', data: { from: 'executing', to: 'failed', revision: 1, attempt: 1, error: { message: 'exit 2' } } })).toBe('exit 2');
    expect(eventNote({ type: 'task.finished', data: { status: 'completed' } })).toBeUndefined();
  });

  it('eventSummary says where a step went and who moved it', () => {
    expect(eventSummary({ type: 'step.approved', data: { ...asked, to: 'approved', by: ['alice', 'bob'] } })).toBe('awaiting_approval → approved by alice, bob');
    expect(eventSummary({ type: 'task.mode_changed', data: { from: 'copilot', to: 'autopilot', by: 'alice' } })).toBe('copilot → autopilot by alice');
    expect(eventSummary({ type: 'approval.voted', data: { approvalId: 'a', principal: 'bob', votes: 1, required: 2 } })).toBe('bob: 1 of 2');
    expect(eventSummary({ type: 'step.skipped', data: { ...asked, to: 'skipped', by: 'alice', feedback: 'later' } })).toBe('awaiting_approval → skipped by alice — later');
  });
});

describe('writers are typed by event type', () => {
  // A type-level test: each @ts-expect-error below names the mistake its line makes, and `npm run typecheck` fails
  // when any of those lines compiles (a payload schema that stopped catching that mistake).
  it('a wrong, missing or unknown field in an emitted payload does not build', async () => {
    const { task } = await makeTask([readStep('r')]);
    const d = new Draft(task, makeCtx());
    d.emit('task.finished', { status: 'completed' });
    // @ts-expect-error task.finished needs its status
    d.emit('task.finished', {});
    // @ts-expect-error an active task has not finished
    d.emit('task.finished', { status: 'active' });
    // @ts-expect-error a field task.cancelled does not have
    d.emit('task.cancelled', { by: 'alice', reasn: 'typo' });
    // @ts-expect-error votes are counts
    d.emit('approval.voted', { approvalId: 'a', principal: 'p', votes: '1', required: 2 }, 's');
    const ok: NewEvent = { type: 'key.created', data: { id: 'k', principal: 'p', role: 'admin' } };
    // @ts-expect-error another type's data
    const wrong: NewEvent = { type: 'key.created', data: { id: 'w', name: 'W' } };
    expect([ok.type, wrong.type]).toEqual(['key.created', 'key.created']);
    expect(d.events.map((e) => e.type)).toEqual(['task.finished', 'task.finished', 'task.finished', 'task.cancelled', 'approval.voted']);
  });
});
