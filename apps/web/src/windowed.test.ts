/** A long task draws its newest steps and every open approval; a short one draws all. */
import { describe, expect, it } from 'vitest';
import { windowed } from './windowed.ts';

const steps = (n: number, waiting: number[] = []) => Array.from({ length: n }, (_, i) => ({ i, status: waiting.includes(i) ? 'awaiting_approval' : 'completed' }));

describe('windowed steps', () => {
  it('draws all of a short task', () => {
    expect(windowed(steps(55), 50)).toEqual({ steps: steps(55), hidden: 0 });
  });
  it('draws the newest and every waiting step of a long one', () => {
    const w = windowed(steps(300, [3, 299]), 50);
    expect(w.steps.map((s) => s.i)).toEqual([3, ...Array.from({ length: 50 }, (_, k) => 250 + k)]);
    expect(w.hidden).toBe(249);
    expect(windowed(steps(300), 300).hidden).toBe(0);
  });
});
