/**
 * Every request the CLI sends has a time budget, so a server that accepts the connection
 * and never answers ends in a clear TIMEOUT naming the URL and the budget, never in a
 * hang. The budget is per request (headers and body), from `--timeout <seconds>` (every
 * command but the hook, whose --timeout is how long it waits for a decision), else
 * GREENLIGHT_TIMEOUT, else 15 s.
 */
import { RequestTimeout, UsageError } from './errors.ts';
import { httpFetch } from './http.ts';

export const DEFAULT_REQUEST_TIMEOUT_S = 15;

/**
 * The longest time a --timeout may name: Node's timers (setTimeout, AbortSignal.timeout)
 * hold at most 2^31-1 ms (24.8 days) and fire at once past it, so a larger value would
 * end every wait immediately (or throw a RangeError). 2,000,000 s (23 days) leaves room
 * for the hook's watchdog grace on top.
 */
export const MAX_TIMEOUT_S = 2_000_000;

/**
 * A number of seconds from a flag or the environment, in ms (at least 1).
 * @throws UsageError naming `what` when `raw` is empty, not a number, not positive, or over MAX_TIMEOUT_S.
 */
export function secondsToMs(raw: string, what: string): number {
  const seconds = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(seconds) || seconds <= 0) {
    throw new UsageError(`${what} must be a positive number of seconds (got ${JSON.stringify(raw)})`);
  }
  if (seconds > MAX_TIMEOUT_S) throw new UsageError(`${what} may be at most ${MAX_TIMEOUT_S} seconds, about 23 days (got ${JSON.stringify(raw)})`);
  return Math.max(1, Math.round(seconds * 1000));
}

/** The budget in ms from the flag, else GREENLIGHT_TIMEOUT, else the default. A bad value is a usage error. */
export function requestBudgetMs(flag: string | undefined, env: Record<string, string | undefined> = process.env): number {
  return secondsToMs(flag ?? env.GREENLIGHT_TIMEOUT ?? String(DEFAULT_REQUEST_TIMEOUT_S), '--timeout / GREENLIGHT_TIMEOUT');
}

const withoutQuery = (input: Parameters<typeof fetch>[0]): string => {
  const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
  return url.origin + url.pathname;
};

/**
 * fetch with a budget of `ms` for the whole request, body included (a server may send
 * its headers and then stall), also cut short when `stop` aborts. Running out of budget
 * throws a RequestTimeout; a stop throws the abort as fetch does.
 */
export function budgetedFetch(ms: number, stop?: AbortSignal): typeof fetch {
  return async (input, init) => {
    const budget = AbortSignal.timeout(ms);
    const signals = [budget, ...(stop ? [stop] : []), ...(init?.signal ? [init.signal] : [])];
    try {
      // httpFetch (http.ts), not fetch: the hook starts on every tool call and fetch's undici is a large part of a start.
      const res = await httpFetch(typeof input === 'string' || input instanceof URL ? input : input.url, { ...init, signal: AbortSignal.any(signals) });
      return res as unknown as Response;
    } catch (err) {
      if (budget.aborted && !stop?.aborted && !init?.signal?.aborted) throw new RequestTimeout('no answer from', withoutQuery(input), ms);
      throw err;
    }
  };
}
