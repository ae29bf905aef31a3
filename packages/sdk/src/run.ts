/**
 * run(): the executor loop for one task. It claims approved steps up to a number of
 * free slots, runs their handlers concurrently under heartbeats, reports each result,
 * and returns the final task once it is terminal. Between claims it sleeps on the
 * task's live events (watch()), never on a polling timer.
 */
import { LIMITS, type ClaimedStep, type Event, type StepKind, type TaskView, type Usage } from '@greenlight/core';
import type { Api } from './client.ts';
import { clampTimer, sleep } from './abort.ts';
import { GreenlightError } from './errors.ts';
import type { WatchOptions } from './live.ts';

export type HandlerContext = {
  /** Aborted when the task is cancelled, the lease is lost, or run() itself is aborted. */
  signal: AbortSignal;
  /** 1 on the first run of this step; higher when a read or idempotent step is run again. */
  attempt: number;
};
export type HandlerResult = { output?: unknown; usage?: Partial<Usage> };
export type StepHandler = (step: ClaimedStep, ctx: HandlerContext) => Promise<HandlerResult | void>;
export type Handlers = Partial<Record<StepKind, StepHandler>>;

export type RunOptions = {
  /** How many steps run at once (default 4). */
  concurrency?: number;
  /**
   * Abort to stop: no more claims, running handlers are aborted, run() rejects with
   * CLIENT_CLOSED_REQUEST (reason aborted); at once, with no request, when already aborted.
   */
  signal?: AbortSignal;
  /**
   * A safety net, not the mechanism: live events wake run() at once; this is how long
   * it sleeps without any before checking the task again (default 30 s).
   */
  pollMs?: number;
  /** Lease length asked for on claim and heartbeat (default: the workspace policy's leaseSeconds). */
  leaseSeconds?: number;
};

/**
 * What a handler throws to fail its step with a machine-readable code. Any thrown
 * value works; run() reads `code` and `retryable` from it when they are there.
 * A thrown error's message becomes the step's error message (at most 20,000 chars).
 */
export class HandlerError extends Error {
  override readonly name = 'HandlerError';
  readonly code: string;
  readonly retryable: boolean;
  /** What the attempt cost before it failed (an LLM call, say); it still sums into the task's usage. */
  readonly usage: Partial<Usage> | undefined;
  constructor(message: string, opts: { code: string; retryable?: boolean; usage?: Partial<Usage>; cause?: unknown }) {
    super(message, { cause: opts.cause });
    this.code = opts.code;
    this.retryable = opts.retryable ?? false;
    this.usage = opts.usage;
  }
}

export type RunDeps = {
  api: Api;
  watch: (opts: WatchOptions) => AsyncGenerator<Event, void, undefined>;
  /** Called once the task is known to be active, before the first claim: the client opens its call socket (docs/socket-rpc.md). */
  ready?: (signal: AbortSignal | undefined) => Promise<void>;
};

const DEFAULT_POLL_MS = 30_000;
const TRANSIENT = new Set(['NETWORK_ERROR', 'INTERNAL_SERVER_ERROR', 'TOO_MANY_REQUESTS', 'TIMEOUT']);
const isTransient = (e: GreenlightError) => TRANSIENT.has(e.code);

/** A counter the loop can sleep on: every bump wakes it, and a bump before the sleep is never lost. */
class Wakeup {
  gen = 0;
  private waiters: (() => void)[] = [];
  bump(): void {
    this.gen++;
    for (const w of this.waiters.splice(0)) w();
  }
  /** Resolve once gen moves past `seen`, or after `ms`. */
  async after(seen: number, ms: number): Promise<void> {
    if (this.gen !== seen) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== done);
        resolve();
      };
      const timer = setTimeout(done, clampTimer(ms));
      this.waiters.push(done);
    });
  }
}

/** A thrown value as the StepError the API takes, within its size limits. */
function stepError(err: unknown): { message: string; code?: string; retryable?: boolean } {
  const e = (typeof err === 'object' && err !== null ? err : {}) as { message?: unknown; code?: unknown; retryable?: unknown; name?: unknown };
  const message = typeof e.message === 'string' && e.message ? e.message : String(err);
  const code = typeof e.code === 'string' ? e.code : e.name === 'AbortError' ? 'aborted' : undefined;
  return {
    message: message.slice(0, LIMITS.textChars),
    ...(code ? { code: code.slice(0, 100) } : {}),
    ...(typeof e.retryable === 'boolean' ? { retryable: e.retryable } : {}),
  };
}

/** Retry a report a few times on a transient failure; the idempotency key makes a repeat safe. */
async function withRetries<T>(fn: () => Promise<T>): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await fn();
    } catch (err) {
      const e = GreenlightError.from(err);
      if (!isTransient(e) || i >= 3) throw e;
      await sleep(200 * 2 ** i);
    }
  }
}

type Outcome = { ok: true; value: HandlerResult | void } | { ok: false; error: unknown };

export async function run(deps: RunDeps, taskId: string, handlers: Handlers, opts: RunOptions = {}): Promise<TaskView> {
  const { api } = deps;
  // A NaN (say, Number(process.env.CONCURRENCY) with the variable unset) would claim
  // nothing and wait forever; a pollMs of NaN or <= 0 would poll without pause.
  if (opts.concurrency !== undefined && !Number.isFinite(opts.concurrency)) {
    throw new GreenlightError(`run(): concurrency must be a number (at least 1), not ${opts.concurrency}`, { code: 'BAD_REQUEST' });
  }
  if (opts.pollMs !== undefined && !(opts.pollMs > 0)) throw new GreenlightError(`run(): pollMs must be a number of milliseconds > 0, not ${opts.pollMs}`, { code: 'BAD_REQUEST' });
  const concurrency = Math.max(1, Math.floor(opts.concurrency ?? 4));
  const pollMs = opts.pollMs ?? DEFAULT_POLL_MS;
  const lease = opts.leaseSeconds !== undefined ? { leaseSeconds: opts.leaseSeconds } : {};
  const outer = opts.signal;
  const aborted = () => GreenlightError.aborted('run', outer);
  if (outer?.aborted) throw aborted();

  // Nothing is claimed yet, so this request may be cut short: an abort now rejects at once.
  const first = await api.tasks.get.query({ taskId }, outer ? { signal: outer } : {}).catch((err: unknown) => {
    throw outer?.aborted ? aborted() : err;
  });
  if (first.status !== 'active') return first;
  await deps.ready?.(outer);

  const wake = new Wakeup();
  // Aborted when run() stops early (the caller's signal, or an error it cannot go on from).
  const halt = new AbortController();
  const running = new Map<string, { ctrl: AbortController; done: Promise<void> }>();
  let terminal = false;
  let cancelled = false;
  let fatal: GreenlightError | undefined;

  const stopAll = (reason: GreenlightError) => {
    if (!halt.signal.aborted) halt.abort(reason);
    for (const r of running.values()) r.ctrl.abort(reason);
    wake.bump();
  };
  const onOuterAbort = () => stopAll(aborted());
  outer?.addEventListener('abort', onOuterAbort, { once: true });
  if (outer?.aborted) onOuterAbort();

  const cancelAll = () => {
    cancelled = true;
    terminal = true;
    const reason = new GreenlightError(`task ${taskId} was cancelled`, { code: 'CONFLICT', reason: 'cancelled' });
    for (const r of running.values()) r.ctrl.abort(reason);
    wake.bump();
  };

  // The task's events wake the loop. From seq 0: a change made before the socket was
  // up is replayed, so no wake-up is lost between a claim and the next sleep.
  const stopWatch = new AbortController();
  const watching = (async () => {
    try {
      for await (const e of deps.watch({ taskId, signal: stopWatch.signal })) {
        if (e.type === 'task.cancelled') cancelAll();
        else if (e.type === 'task.finished') terminal = true;
        // Our own claims make nothing new claimable.
        if (e.type !== 'step.claimed') wake.bump();
      }
    } catch (err) {
      fatal ??= GreenlightError.from(err);
      wake.bump();
    }
  })();

  /** Heartbeat at a third of the lease; abort the handler when the task is cancelled or the lease is gone. */
  const heartbeats = (step: ClaimedStep, ctrl: AbortController): (() => void) => {
    // Without leaseSeconds the lease's length is read off leaseExpiresAt: a clock far off the server's skews it.
    const leaseMs = opts.leaseSeconds !== undefined ? opts.leaseSeconds * 1000 : step.leaseExpiresAt - Date.now();
    const every = Math.max(1_000, Math.floor(leaseMs / 3));
    let timer: ReturnType<typeof setTimeout> | undefined;
    const beat = async () => {
      try {
        const hb = await api.steps.heartbeat.mutate({ stepId: step.stepId, leaseId: step.leaseId, ...lease });
        if (hb.cancelled) {
          cancelAll();
          return;
        }
      } catch (err) {
        const e = GreenlightError.from(err);
        // A lost lease cannot be reported against, so the handler's work is moot; a network blip is retried next beat.
        if (!isTransient(e)) {
          ctrl.abort(e);
          return;
        }
      }
      if (!ctrl.signal.aborted) timer = setTimeout(beat, every);
    };
    timer = setTimeout(beat, every);
    return () => {
      if (timer !== undefined) clearTimeout(timer);
    };
  };

  const report = async (step: ClaimedStep, outcome: Outcome, ctrl: AbortController) => {
    // A cancelled task or a lost lease answers CONFLICT to any report: skip it.
    if (cancelled || (ctrl.signal.aborted && GreenlightError.from(ctrl.signal.reason).code === 'CONFLICT')) return;
    const base = { stepId: step.stepId, leaseId: step.leaseId };
    const usage = outcome.ok ? outcome.value?.usage : outcome.error instanceof HandlerError ? outcome.error.usage : undefined;
    try {
      if (outcome.ok) {
        const output = outcome.value?.output;
        try {
          const r = await withRetries(() =>
            api.steps.complete.mutate({ ...base, ...(output !== undefined ? { output } : {}), ...(usage ? { usage } : {}), idempotencyKey: `complete:${step.leaseId}` }),
          );
          if (r.taskStatus !== 'active') terminal = true;
          return;
        } catch (err) {
          const e = GreenlightError.from(err);
          if (e.code !== 'BAD_REQUEST') throw e;
          // The server refused the result (too large, say): fail the step now rather than let its lease run out.
          outcome = { ok: false, error: new HandlerError(`the step's result was refused: ${e.message}`, { code: 'output_rejected' }) };
        }
      }
      let error = stepError(outcome.error);
      if (halt.signal.aborted) {
        // The step did not fail on its merits: the executor stopped. A retry-safe step may run again.
        const why = GreenlightError.from(halt.signal.reason).message;
        error = { message: `the executor stopped before the step finished (${why}): ${error.message}`.slice(0, LIMITS.textChars), code: 'aborted', retryable: true };
      }
      const r = await withRetries(() => api.steps.fail.mutate({ ...base, error, ...(usage ? { usage } : {}), idempotencyKey: `fail:${step.leaseId}` }));
      if (r.taskStatus !== 'active') terminal = true;
    } catch (err) {
      const e = GreenlightError.from(err);
      if (e.code === 'CONFLICT') return; // cancelled, or the lease ran out meanwhile: the server has decided
      fatal ??= e;
    }
  };

  const start = (step: ClaimedStep) => {
    const ctrl = new AbortController();
    // Registered before the handler runs, so an abort from inside its first synchronous part reaches it.
    const entry = { ctrl, done: Promise.resolve() };
    running.set(step.stepId, entry);
    const handler = handlers[step.kind];
    const stopBeats = heartbeats(step, ctrl);
    entry.done = (async () => {
      let outcome: Outcome;
      try {
        if (!handler) throw new HandlerError(`no handler for step kind "${step.kind}" (step ${step.key})`, { code: 'no_handler', retryable: false });
        outcome = { ok: true, value: await handler(step, { signal: ctrl.signal, attempt: step.attempt }) };
      } catch (error) {
        outcome = { ok: false, error };
      }
      stopBeats();
      await report(step, outcome, ctrl);
    })().finally(() => {
      running.delete(step.stepId);
      wake.bump();
    });
  };

  try {
    let claimFailures = 0;
    for (;;) {
      if (fatal) throw fatal;
      const seen = wake.gen;
      if (halt.signal.aborted || terminal) {
        if (running.size === 0) break;
        await wake.after(seen, pollMs);
        continue;
      }
      const free = concurrency - running.size;
      if (free > 0) {
        let claimed: ClaimedStep[];
        try {
          // Never cut short: a claim the server made but whose answer was dropped would hold its steps until their leases ran out.
          claimed = (await api.steps.claim.mutate({ taskId, max: Math.min(free, 50), ...lease })).steps;
          claimFailures = 0;
        } catch (err) {
          const e = GreenlightError.from(err);
          if (!isTransient(e)) throw e;
          await sleep(Math.min(5_000, 200 * 2 ** claimFailures++), halt.signal);
          continue;
        }
        // Claimed as run() was stopping: hand them straight back instead of running them.
        if (halt.signal.aborted) for (const step of claimed) await report(step, { ok: false, error: new Error('not started') }, new AbortController());
        else for (const step of claimed) start(step);
        // Every slot filled: there may be more to claim once one frees up.
        if (claimed.length === free) continue;
      }
      // Nothing more is claimable now; sleep until the task or a running step changes.
      await wake.after(seen, pollMs);
      if (wake.gen === seen && !terminal) {
        // The safety net fired with no event at all: look at the task itself.
        // Cut short when run() stops, so a silent server cannot hold an abort up here.
        const t = await api.tasks.get.query({ taskId }, { signal: halt.signal }).catch((err: unknown) => {
          if (halt.signal.aborted) return undefined;
          throw err;
        });
        if (t?.status === 'cancelled') cancelAll();
        else if (t && t.status !== 'active') terminal = true;
      }
    }
  } catch (err) {
    const e = GreenlightError.from(err);
    stopAll(e);
    await Promise.allSettled([...running.values()].map((r) => r.done));
    throw e;
  } finally {
    outer?.removeEventListener('abort', onOuterAbort);
    stopWatch.abort();
    await watching;
  }
  if (outer?.aborted) throw aborted();
  return api.tasks.get.query({ taskId });
}
