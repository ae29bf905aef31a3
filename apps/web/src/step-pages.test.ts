/** The task page's steps a page at a time: merged once each, the next older page's cursor, what is not drawn. */
import { describe, expect, it } from 'vitest';
import { earlierCursor, hiddenSteps, mergeSteps } from './step-pages.ts';

const step = (index: number, status = 'completed') => ({ id: `s${index}`, index, status });
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => step(from + i));

describe('the task page reads steps a page at a time', () => {
  it('merges the window and the earlier pages once each, in plan order, the window winning', () => {
    const window = [step(3, 'awaiting_approval'), ...range(250, 300)];
    const earlier = [...range(200, 250), step(3, 'completed')];
    const merged = mergeSteps(window, earlier);
    expect(merged.map((s) => s.index)).toEqual([3, ...Array.from({ length: 100 }, (_, i) => 200 + i)]);
    expect(merged[0]!.status).toBe('awaiting_approval');
  });

  it('asks for the page below the run held without a gap, never below an old waiting step', () => {
    // The window: a step waiting since index 3, and the newest 50 (250..299).
    expect(earlierCursor([step(3), ...range(250, 300)])).toBe('250');
    // After one earlier page, the run reaches 200.
    expect(earlierCursor([step(3), ...range(200, 300)])).toBe('200');
    // Steps appended since moved the window past the pages read: the gap is read first.
    expect(earlierCursor([...range(200, 300), ...range(320, 370)])).toBe('320');
    // The whole task is held.
    expect(earlierCursor(range(0, 40))).toBeUndefined();
    expect(earlierCursor([])).toBeUndefined();
  });

  it('counts the steps not drawn from the total the server gave', () => {
    expect(hiddenSteps(300, 51)).toBe(249);
    expect(hiddenSteps(undefined, 40)).toBe(0);
    expect(hiddenSteps(10, 12)).toBe(0);
  });
});
