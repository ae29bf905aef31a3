/** The task timeline reads a page at a time and never shows an event twice. */
import { describe, expect, it } from 'vitest';
import { addLive, addPage, emptyTimeline, nextAfter, shown } from './timeline.ts';

const ev = (seq: number) => ({ seq, type: 'task.planned' });

describe('paged timeline', () => {
  it('pages up to the head, the live stream above it, newest first with the gap between', () => {
    let t = emptyTimeline(10);
    t = addPage(t, [ev(1), ev(3)], true);
    expect(nextAfter(t)).toBe(3);
    t = addLive(t, ev(12));
    t = addLive(t, ev(11));
    t = addLive(t, ev(12));
    t = addLive(t, ev(9)); // at or below the head: the pages bring it
    expect(shown(t)).toEqual({ newer: [ev(12), ev(11)], gap: true, older: [ev(3), ev(1)] });
    t = addPage(t, [ev(3), ev(7), ev(9)], false);
    expect(shown(t)).toEqual({ newer: [ev(12), ev(11)], gap: false, older: [ev(9), ev(7), ev(3), ev(1)] });
  });

  it('a full page that reaches the head completes it; one below the head does not', () => {
    expect(addPage(emptyTimeline(5), [ev(4), ev(5)], true).complete).toBe(true);
    expect(addPage(emptyTimeline(50), [ev(4), ev(5)], true).complete).toBe(false);
    expect(addPage(emptyTimeline(0), [], false).complete).toBe(true);
  });
});
