/**
 * A task's events in pages (O(page) to open, however long the task has run): the
 * oldest page is read first, the live stream follows from the workspace's newest event,
 * and the events in between come a page at a time when asked ("Show more"). Shown
 * newest first: what arrived live, then the gap still to read, then the pages read.
 * Pure: timeline.test.ts.
 */
/** What the paging needs of an event: its place in the workspace's log. */
type Seq = { seq: number };

export type TimelineState<E extends Seq = Seq> = {
  /** Events read by page, ascending, all at or below `head`. */
  read: E[];
  /** Whether every event up to `head` has been read. */
  complete: boolean;
  /** The workspace's newest seq when the live stream started: it brings everything after. */
  head: number;
  /** Events from the live stream, ascending, all above `head`. */
  live: E[];
};

export const emptyTimeline = <E extends Seq>(head: number): TimelineState<E> => ({ read: [], complete: false, head, live: [] });

/** Adds a page read after `state.read`'s last event; `full` says the page was as long as asked. */
export function addPage<E extends Seq>(state: TimelineState<E>, page: readonly E[], full: boolean): TimelineState<E> {
  const last = state.read.at(-1)?.seq ?? 0;
  const fresh = page.filter((e) => e.seq > last && e.seq <= state.head);
  const reachedHead = page.some((e) => e.seq >= state.head) || !full;
  return { ...state, read: [...state.read, ...fresh], complete: reachedHead };
}

/** Adds a live event (once, in order). */
export function addLive<E extends Seq>(state: TimelineState<E>, e: E): TimelineState<E> {
  if (e.seq <= state.head || state.live.some((l) => l.seq === e.seq)) return state;
  const live = [...state.live, e].sort((a, b) => a.seq - b.seq);
  return { ...state, live };
}

/** Where the next page starts (the `after` of events.list). */
export const nextAfter = (state: TimelineState<Seq>): number => state.read.at(-1)?.seq ?? 0;

/** Newest first: the live events, then (if not complete) a gap, then the pages read. */
export function shown<E extends Seq>(state: TimelineState<E>): { newer: E[]; gap: boolean; older: E[] } {
  return { newer: [...state.live].reverse(), gap: !state.complete, older: [...state.read].reverse() };
}
