/**
 * Every request the CLI sends has a time budget, so a server that accepts the connection
 * and never answers ends in a clear TIMEOUT naming the URL and the budget, never in a
 * hang. The budget is per request (headers and body), from `--timeout <seconds>` (every
 * command but the hook, whose --timeout is how long it waits for a decision), else
 * GREENLIGHT_TIMEOUT, else 15 s.
 */
import { RequestTimeout, UsageError } from './errors.ts';

export const DEFAULT_REQUEST_TIMEOUT_S = 15;

/** The budget in ms from the flag, else GREENLIGHT_TIMEOUT, else the default. A bad value is a usage error. */
export function requestBudgetMs(flag: string | undefined, env: Record<string, string | undefined> = process.env): number {
  const raw = flag ?? env.GREENLIGHT_TIMEOUT ?? String(DEFAULT_REQUEST_TIMEOUT_S);
  const seconds = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(seconds) || seconds <= 0) {
    throw new UsageError(`--timeout / GREENLIGHT_TIMEOUT must be a positive number of seconds (got ${JSON.stringify(raw)})`);
  }
  return Math.max(1, Math.round(seconds * 1000));
}

const withoutQuery = (input: Parameters<typeof fetch>[0]): string => {
  const url = new URL(input instanceof Request ? input.url : String(input));
  return url.origin + url.pathname;
};

/** Statuses whose Response may not carry a body. */
const NULL_BODY = new Set([101, 103, 204, 205, 304]);

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
      const res = await fetch(input, { ...init, signal: AbortSignal.any(signals) });
      const body = await res.arrayBuffer();
      return new Response(NULL_BODY.has(res.status) ? null : body, { status: res.status, statusText: res.statusText, headers: res.headers });
    } catch (err) {
      if (budget.aborted && !stop?.aborted && !init?.signal?.aborted) throw new RequestTimeout('no answer from', withoutQuery(input), ms);
      throw err;
    }
  };
}
