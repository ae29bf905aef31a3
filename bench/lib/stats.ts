/**
 * Sampling and percentiles. Every loop here is bounded twice, by a count and by a
 * time budget, so a slow machine makes the bench shorter, never endless.
 */
export type Summary = { n: number; p50: number; p99: number; mean: number };

/** Nearest-rank percentiles of latencies in ms. */
export function summarize(samples: number[]): Summary {
  if (samples.length === 0) return { n: 0, p50: Number.NaN, p99: Number.NaN, mean: Number.NaN };
  const s = [...samples].sort((a, b) => a - b);
  const at = (p: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))]!;
  return { n: s.length, p50: at(0.5), p99: at(0.99), mean: s.reduce((a, b) => a + b, 0) / s.length };
}

export type Bounds = { count: number; maxMs: number; warmup?: number };

/** Wall-clock ms with sub-ms precision, comparable with the server's Date.now(). */
export const wallMs = (): number => performance.timeOrigin + performance.now();

async function time(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

/**
 * Time several functions in turns (a, b, c, a, b, c, ...) so that noise from other
 * work on the machine falls on each of them alike; the ratios are what we report.
 */
export async function sampleInTurns(fns: (() => Promise<unknown>)[], { count, maxMs, warmup = 5 }: Bounds): Promise<number[][]> {
  for (let i = 0; i < warmup; i++) for (const fn of fns) await fn();
  const out = fns.map((): number[] => []);
  const deadline = performance.now() + maxMs;
  for (let i = 0; i < count && performance.now() < deadline; i++) {
    for (const [j, fn] of fns.entries()) out[j]!.push(await time(fn));
  }
  return out;
}

/**
 * `clients` concurrent loops calling `fn(client)` until `maxMs` passes or `fn` says
 * it has no more work (returns false). Answers completed calls per second.
 */
export async function throughput(clients: number, maxMs: number, fn: (client: number) => Promise<boolean>): Promise<{ done: number; ms: number; rps: number }> {
  let done = 0;
  const started = performance.now();
  const deadline = started + maxMs;
  await Promise.all(
    Array.from({ length: clients }, async (_, client) => {
      while (performance.now() < deadline) {
        if (!(await fn(client))) return;
        done++;
      }
    }),
  );
  const ms = performance.now() - started;
  return { done, ms, rps: (done / ms) * 1000 };
}
