/**
 * Timers for the SDK's waits that honour an AbortSignal and leave nothing behind: no
 * timer after they end, and no listener on the caller's signal (a long-lived signal
 * would collect one per sleep, and Node warns past ten).
 */

/** setTimeout's largest delay; a longer one (Infinity included) would fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** A delay setTimeout honours: a longer one waits the longest it can (24.8 days) instead of firing at once. */
export const clampTimer = (ms: number): number => Math.min(Math.max(0, ms), MAX_TIMER_MS);

/** Resolve after `ms`, or as soon as `signal` aborts (at once when it already has). Callers check the signal. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, clampTimer(ms));
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * Call `fire` once `ms` have passed (delays past setTimeout's limit are chained, so a
 * long deadline is not cut short); returns the function that cancels it.
 * @throws RangeError for a negative or non-number `ms`: a deadline that can never be met is a mistake.
 */
export function deadline(ms: number, fire: () => void): () => void {
  if (!(ms >= 0)) throw new RangeError(`a timeout must be a number of milliseconds >= 0, not ${ms}`);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const arm = (left: number) => {
    timer = setTimeout(() => (left > MAX_TIMER_MS ? arm(left - MAX_TIMER_MS) : fire()), Math.min(left, MAX_TIMER_MS));
  };
  if (ms !== Infinity) arm(ms);
  // Guarded: the Workers types' clearTimeout takes no undefined.
  return () => {
    if (timer !== undefined) clearTimeout(timer);
  };
}

/** Abort `ctrl` when `signal` aborts, including when it already has; returns the function that unlinks them. */
export function follow(signal: AbortSignal | undefined, ctrl: AbortController): () => void {
  if (!signal) return () => {};
  const onAbort = () => ctrl.abort(signal.reason);
  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort, { once: true });
  return () => signal.removeEventListener('abort', onAbort);
}
