/** The undo window's store: a held decision is sent once when its window ends, never after an undo. */
import { describe, expect, it } from 'vitest';
import { HoldStore, type Clock } from './holds.ts';

/** A hand-driven clock: `advance` runs the timers that fall due, in order. */
function manualClock() {
  let now = 1000;
  let n = 0;
  const timers = new Map<number, { at: number; fn: () => void }>();
  const clock: Clock = {
    now: () => now,
    setTimeout: (fn, ms) => {
      const id = ++n;
      timers.set(id, { at: now + ms, fn });
      return id;
    },
    clearTimeout: (h) => void timers.delete(h as number),
    id: () => `id-${++n}`,
  };
  const advance = async (ms: number) => {
    now += ms;
    for (const [id, t] of [...timers].sort((a, b) => a[1].at - b[1].at)) {
      if (t.at <= now) {
        timers.delete(id);
        t.fn();
      }
    }
    // Let the sends' promises settle.
    for (let i = 0; i < 5; i++) await Promise.resolve();
  };
  return { clock, advance, pending: () => timers.size };
}

function setup() {
  const { clock, advance, pending } = manualClock();
  const store = new HoldStore<string>(clock, 5000, 4000);
  const sent: string[] = [];
  const send = (what: string) => async (key: string) => {
    sent.push(`${what}:${key}`);
    return what;
  };
  return { store, advance, pending, sent, send };
}

describe('HoldStore', () => {
  it('sends nothing during the window, then sends once with the key made when it was held', async () => {
    const { store, advance, sent, send } = setup();
    const answers: string[] = [];
    store.onAnswer((a) => answers.push(a));
    const id = store.hold({ decision: 'approve', subject: 'build', approvalIds: ['a1'], send: send('approve-a1') });
    await advance(4999);
    expect(sent).toEqual([]);
    expect(store.isHeld('a1')?.state).toBe('held');
    await advance(1);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatch(/^approve-a1:page:id-\d+$/);
    expect(answers).toEqual(['approve-a1']);
    expect(store.list().find((h) => h.id === id)?.state).toBe('sent');
    // A second "send now" after the window does nothing.
    await store.sendNow(id);
    expect(sent).toHaveLength(1);
    // It says what was decided for a while, then leaves the bar.
    await advance(4000);
    expect(store.list()).toEqual([]);
  });

  it('an undone decision is never sent, and Undo after the send is refused', async () => {
    const { store, advance, sent, send, pending } = setup();
    const id = store.hold({ decision: 'approve', subject: 'build', approvalIds: ['a1'], send: send('a1') });
    await advance(2000);
    expect(store.undo(id)).toBe(true);
    await advance(10_000);
    expect(sent).toEqual([]);
    expect(store.list()).toEqual([]);
    expect(pending()).toBe(0);

    const again = store.hold({ decision: 'approve', subject: 'build', approvalIds: ['a1'], send: send('a1') });
    await store.sendNow(again);
    expect(store.undo(again)).toBe(false);
    expect(sent).toHaveLength(1);
  });

  it('the same approval is not held twice; Send now and the timer together send once', async () => {
    const { store, advance, sent, send } = setup();
    const first = store.hold({ decision: 'approve', subject: 'x', approvalIds: ['a1', 'a2'], send: send('batch') });
    expect(store.hold({ decision: 'reject', subject: 'x', approvalIds: ['a2'], send: send('reject-a2') })).toBe(first);
    await Promise.all([store.sendNow(first), store.sendNow(first), advance(5000)]);
    expect(sent.map((s) => s.split(':')[0])).toEqual(['batch']);
  });

  it('a failed send stays with its error until dismissed, and the approval can be decided again', async () => {
    const { store, advance } = setup();
    const id = store.hold({
      decision: 'approve',
      subject: 'x',
      approvalIds: ['a1'],
      send: async () => {
        throw new Error('CONFLICT');
      },
    });
    await advance(5000);
    expect(store.list()[0]).toMatchObject({ id, state: 'failed' });
    expect(store.isHeld('a1')).toBeUndefined();
    const next = store.hold({ decision: 'reject', subject: 'x', approvalIds: ['a1'], send: async () => 'ok' });
    expect(store.list().map((h) => h.id)).toEqual([next]);
  });

  it('dropAll (the page goes away) sends nothing that was held; latestHeld is the newest', async () => {
    const { store, advance, sent, send } = setup();
    store.hold({ decision: 'approve', subject: 'x', approvalIds: ['a1'], send: send('a1') });
    const b = store.hold({ decision: 'approve', subject: 'y', approvalIds: ['a2'], send: send('a2') });
    expect(store.latestHeld()?.id).toBe(b);
    expect(store.hasUnsent()).toBe(true);
    store.dropAll();
    await advance(10_000);
    expect(sent).toEqual([]);
    expect(store.hasUnsent()).toBe(false);
  });
});
