/**
 * The page's held decisions (holds.ts) for components: one store per signed-in page,
 * above the router, so a window keeps running while the reviewer moves between views.
 */
import { createContext } from 'preact';
import { useContext, useEffect, useState } from 'preact/hooks';
import type { DecideResult } from '@greenlight/core';
import { HoldStore, type Hold } from '../holds.ts';

/** What a held decision answers: one DecideResult per approval it decided. */
export type Decided = DecideResult[];
export type PageHolds = HoldStore<Decided>;
export type PageHold = Hold<Decided>;

/** A store on the browser's clock. */
export const makeHoldStore = (): PageHolds =>
  new HoldStore<Decided>({
    now: () => Date.now(),
    setTimeout: (fn, ms) => window.setTimeout(fn, ms),
    clearTimeout: (h) => window.clearTimeout(h as number),
    id: () => crypto.randomUUID(),
  });

export const HoldsContext = createContext<PageHolds | undefined>(undefined);

/** The store; throws outside a signed-in page, where nothing can be decided. */
export function useHoldStore(): PageHolds {
  const store = useContext(HoldsContext);
  if (!store) throw new Error('useHoldStore outside HoldsContext');
  return store;
}

/** The held decisions, re-rendering on every change. */
export function useHolds(): readonly PageHold[] {
  const store = useHoldStore();
  const [holds, setHolds] = useState(store.list());
  useEffect(() => {
    setHolds(store.list());
    return store.subscribe(setHolds);
  }, [store]);
  return holds;
}

/** Calls `onAnswer` with each decision sent while mounted (to patch what the view shows). */
export function useDecided(onAnswer: (answer: Decided) => void): void {
  const store = useHoldStore();
  const [ref] = useState(() => ({ current: onAnswer }));
  ref.current = onAnswer;
  useEffect(() => store.onAnswer((a) => ref.current(a)), [store, ref]);
}

/** The clock, re-read every 250 ms while `active` (a countdown on screen). */
export function useNow(active: boolean): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (!active) return;
    setNow(Date.now());
    const t = window.setInterval(() => setNow(Date.now()), 250);
    return () => window.clearInterval(t);
  }, [active]);
  // The state is as old as the last tick (or the mount): a hold that has just appeared must
  // not be counted from then ("in 6 s" for a 5 s window), so never read an older clock.
  return active ? Math.max(now, Date.now()) : now;
}

/** Seconds left in a window, counted up ("in 5 s" at the start, never "in 0 s"). */
export const secondsLeft = (dueAt: number, now: number): number => Math.max(1, Math.ceil((dueAt - now) / 1000));
