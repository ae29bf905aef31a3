/**
 * Decisions held in the page before they are sent: the undo window (issue 16 item 1).
 *
 * A decision the reviewer makes (a click, `a`, "Approve all") is not sent at once: it is
 * held here for `windowMs` (5 s), visibly, with Undo and Send now. Nothing reaches the
 * server in between, so an undone decision never existed for the workspace's object, its
 * N-of-M count, its idempotency records or its audit log. When the window ends (or Send
 * now), the decision is sent exactly once: an entry moves held -> sending once, whichever
 * of the timer and the button comes first, and carries one idempotency key made when it
 * was held, so a retry of the same send is the same decision.
 *
 * Leaving the page (closing the tab, reloading, signing out) drops what is still held:
 * the step stays open for review, which is the safe side; the browser asks before the tab
 * closes while something is held. Moving between views inside the page keeps the window
 * running (this store lives above the router). See docs/page.md, "Decisions".
 *
 * No DOM here: time and timers come in through `Clock`, so the store is tested in Node.
 */

/** What a held decision sends, and how it reads. `send` gets the entry's idempotency key. */
export type HoldInput<R> = {
  /** The decision it sends (core's Decision: approve, reject, ...), for its words. */
  decision: string;
  /** What it is about, for its words: the step's title, or "4 steps". */
  subject: string;
  /** The approvals it decides: their cards show it as held, and they cannot be decided twice. */
  approvalIds: string[];
  send: (idempotencyKey: string) => Promise<R>;
};

export type HoldState = 'held' | 'sending' | 'sent' | 'failed';

export type Hold<R> = HoldInput<R> & {
  id: string;
  idempotencyKey: string;
  state: HoldState;
  /** When it is sent unless undone (epoch ms, the page's clock). */
  dueAt: number;
  /** The answer once sent, or the error when sending failed. */
  answer?: R;
  error?: unknown;
};

export type Clock = {
  now: () => number;
  setTimeout: (fn: () => void, ms: number) => unknown;
  clearTimeout: (handle: unknown) => void;
  /** A fresh unique id (crypto.randomUUID in the page). */
  id: () => string;
};

/** How long a decision is held before it is sent (ms). */
export const UNDO_WINDOW_MS = 5000;
/** How long a sent decision stays in the bar, saying what was decided (ms). */
export const SHOWN_AFTER_MS = 4000;

export type HoldListener<R> = (holds: readonly Hold<R>[]) => void;

/**
 * The page's held decisions. `hold` starts a window; `undo` ends it with nothing sent;
 * `sendNow` ends it early; `onAnswer` hears each successful send (the views patch what
 * they show from it). Subscribers get a new array on every change.
 */
export class HoldStore<R> {
  private holds: Hold<R>[] = [];
  private timers = new Map<string, unknown>();
  private listeners = new Set<HoldListener<R>>();
  private answerListeners = new Set<(answer: R) => void>();

  private readonly clock: Clock;
  private windowMs: number;
  private readonly shownAfterMs: number;

  constructor(clock: Clock, windowMs = UNDO_WINDOW_MS, shownAfterMs = SHOWN_AFTER_MS) {
    this.clock = clock;
    this.windowMs = windowMs;
    this.shownAfterMs = shownAfterMs;
  }

  /** How long the next decisions are held (ms); one already held keeps its own end. */
  setWindow(ms: number): void {
    this.windowMs = ms;
  }

  get window(): number {
    return this.windowMs;
  }

  list(): readonly Hold<R>[] {
    return this.holds;
  }

  /** Whether an approval is in a hold that has not failed (held, sending or just sent). */
  isHeld(approvalId: string): Hold<R> | undefined {
    return this.holds.find((h) => h.state !== 'failed' && h.approvalIds.includes(approvalId));
  }

  /**
   * Holds a decision for the window and returns its id. An approval already held (or
   * being sent) is not held twice: the existing hold's id comes back instead.
   */
  hold(input: HoldInput<R>): string {
    const existing = input.approvalIds.map((a) => this.isHeld(a)).find((h) => h !== undefined);
    if (existing) return existing.id;
    // A failed hold of the same approval gives way to the new decision.
    this.holds = this.holds.filter((h) => !(h.state === 'failed' && h.approvalIds.some((a) => input.approvalIds.includes(a))));
    const id = this.clock.id();
    const hold: Hold<R> = { ...input, id, idempotencyKey: `page:${this.clock.id()}`, state: 'held', dueAt: this.clock.now() + this.windowMs };
    this.holds = [...this.holds, hold];
    this.timers.set(
      id,
      this.clock.setTimeout(() => void this.sendNow(id), this.windowMs),
    );
    this.emit();
    return id;
  }

  /** Ends a held decision with nothing sent. False when it is no longer held (already sending or sent). */
  undo(id: string): boolean {
    const hold = this.holds.find((h) => h.id === id);
    if (!hold || (hold.state !== 'held' && hold.state !== 'failed')) return false;
    this.clearTimer(id);
    this.holds = this.holds.filter((h) => h.id !== id);
    this.emit();
    return true;
  }

  /** The newest decision still held, for the `u` key. */
  latestHeld(): Hold<R> | undefined {
    return this.holds.findLast((h) => h.state === 'held');
  }

  /**
   * Sends a held decision now (the window's end calls this too). Only the first call for
   * an entry sends; later ones, and calls after an undo, do nothing.
   */
  async sendNow(id: string): Promise<void> {
    const hold = this.holds.find((h) => h.id === id);
    if (!hold || hold.state !== 'held') return;
    this.clearTimer(id);
    this.update(id, { state: 'sending' });
    try {
      const answer = await hold.send(hold.idempotencyKey);
      this.update(id, { state: 'sent', answer });
      for (const l of this.answerListeners) l(answer);
      this.timers.set(
        id,
        this.clock.setTimeout(() => this.forget(id), this.shownAfterMs),
      );
    } catch (error) {
      // Kept (with Dismiss) until the reviewer has read why; the approval can be decided again.
      this.update(id, { state: 'failed', error });
    }
  }

  /** Removes a sent or failed entry from the bar. */
  forget(id: string): void {
    const hold = this.holds.find((h) => h.id === id);
    if (!hold || hold.state === 'held' || hold.state === 'sending') return;
    this.clearTimer(id);
    this.holds = this.holds.filter((h) => h.id !== id);
    this.emit();
  }

  /** Drops everything still held (the page is going away): nothing more is sent. */
  dropAll(): void {
    for (const id of this.timers.keys()) this.clearTimer(id);
    this.holds = this.holds.filter((h) => h.state === 'sending');
    this.emit();
  }

  /** Whether anything would be lost if the page closed now. */
  hasUnsent(): boolean {
    return this.holds.some((h) => h.state === 'held' || h.state === 'sending');
  }

  subscribe(listener: HoldListener<R>): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onAnswer(listener: (answer: R) => void): () => void {
    this.answerListeners.add(listener);
    return () => this.answerListeners.delete(listener);
  }

  private update(id: string, change: Partial<Hold<R>>): void {
    this.holds = this.holds.map((h) => (h.id === id ? { ...h, ...change } : h));
    this.emit();
  }

  private clearTimer(id: string): void {
    const t = this.timers.get(id);
    if (t !== undefined) this.clock.clearTimeout(t);
    this.timers.delete(id);
  }

  private emit(): void {
    for (const l of this.listeners) l(this.holds);
  }
}
