/**
 * Every SDK wait honours its AbortSignal: already aborted, it ends at once without a
 * request; aborted while a request hangs (a real server that accepts and never
 * answers), it ends at once and sends nothing more; and no timer of its own stays
 * behind. (Node's fetch closes an aborted request's connection itself, after its
 * keep-alive timeout of about 4 s, so the tests do not wait for that.)
 * waitForDecision() and run() reject with CLIENT_CLOSED_REQUEST (reason aborted);
 * watch(), a stream, just ends.
 */
import { createHook } from 'node:async_hooks';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createClient, GreenlightError } from '../src/index.ts';
import { startHttpServer, type TestHttpServer } from './server.ts';

let server: TestHttpServer;

beforeAll(async () => {
  server = await startHttpServer('silent');
});
afterAll(() => server.close());
beforeEach(() => {
  server.requests.length = 0;
});

const client = () => createClient({ url: server.url, key: 'gl_test_key' });

/** Settle within `ms`, or fail: the faults this guards against were waits that never ended. */
function within<T>(ms: number, p: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`still waiting after ${ms} ms`)), ms)));
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

/** An unusual deadline, so the test can tell the wait's own timer from the runtime's. */
const DEADLINE_MS = 987_654;

/**
 * Run `fn`, and afterwards list the timers with the deadline above that it set and left
 * pending. Timeout objects carry their delay and whether they are done (`_idleTimeout`,
 * `_destroyed`: Node's timer fields), which is all this needs.
 */
async function leftTimers(fn: () => Promise<unknown>): Promise<number> {
  const made: { _idleTimeout?: number; _destroyed?: boolean }[] = [];
  const hook = createHook({ init: (_id, type, _trigger, resource) => void (type === 'Timeout' && made.push(resource as (typeof made)[number])) }).enable();
  try {
    await fn();
  } finally {
    hook.disable();
  }
  return made.filter((t) => t._idleTimeout === DEADLINE_MS && !t._destroyed).length;
}

/** The error `p` rejects with (fails if it resolves). */
async function rejection(p: Promise<unknown>): Promise<GreenlightError> {
  const err = await within(
    1_000,
    p.then(
      () => new Error('resolved, expected a rejection'),
      (e: unknown) => e,
    ),
  );
  expect(err).toBeInstanceOf(GreenlightError);
  return err as GreenlightError;
}

/** Wait until the server has seen `n` requests (the call is now hanging on it). */
async function hanging(n = 1): Promise<void> {
  await within(
    2_000,
    (async () => {
      while (server.requests.length < n) await new Promise((r) => setTimeout(r, 5));
    })(),
  );
}

describe('an already-aborted signal ends every wait at once, with no request', () => {
  it('waitForDecision rejects with CLIENT_CLOSED_REQUEST', async () => {
    let err: GreenlightError | undefined;
    expect(await leftTimers(async () => (err = await rejection(client().waitForDecision('step-1', { signal: AbortSignal.abort(), timeoutMs: DEADLINE_MS }))))).toBe(0);
    expect(err).toMatchObject({ code: 'CLIENT_CLOSED_REQUEST', reason: 'aborted' });
    expect(server.requests).toEqual([]);
  });

  it('run rejects with CLIENT_CLOSED_REQUEST', async () => {
    const err = await rejection(client().run('task-1', {}, { signal: AbortSignal.abort() }));
    expect(err).toMatchObject({ code: 'CLIENT_CLOSED_REQUEST', reason: 'aborted' });
    expect(server.requests).toEqual([]);
  });

  it('watch ends with no event', async () => {
    const seen: unknown[] = [];
    await within(
      1_000,
      (async () => {
        for await (const e of client().watch({ signal: AbortSignal.abort() })) seen.push(e);
      })(),
    );
    expect(seen).toEqual([]);
    expect(server.requests).toEqual([]);
  });

  it('a procedure call rejects with CLIENT_CLOSED_REQUEST, not NETWORK_ERROR', async () => {
    const err = await rejection(client().tasks.list.query({}, { signal: AbortSignal.abort() }));
    expect(err).toMatchObject({ code: 'CLIENT_CLOSED_REQUEST', reason: 'aborted' });
    expect(server.requests).toEqual([]);
  });
});

describe('an abort while a request hangs ends the wait at once', () => {
  it('waitForDecision, aborted during its first request', async () => {
    const ctrl = new AbortController();
    const left = await leftTimers(async () => {
      const waiting = client().waitForDecision('step-1', { signal: ctrl.signal, timeoutMs: DEADLINE_MS });
      await hanging();
      ctrl.abort();
      expect(await rejection(waiting)).toMatchObject({ code: 'CLIENT_CLOSED_REQUEST', reason: 'aborted' });
    });
    expect(left).toBe(0);
    expect(server.requests).toHaveLength(1);
  });

  it('waitForDecision times out during its first request (the deadline covers the whole wait)', async () => {
    // The server never answers steps.get: before, the deadline only started after it.
    expect(await rejection(client().waitForDecision('step-1', { timeoutMs: 200 }))).toMatchObject({ code: 'TIMEOUT' });
  });

  it('run, aborted during its first request, claims nothing and rejects', async () => {
    const ctrl = new AbortController();
    const running = client().run('task-1', {}, { signal: ctrl.signal });
    await hanging();
    ctrl.abort();
    expect(await rejection(running)).toMatchObject({ code: 'CLIENT_CLOSED_REQUEST', reason: 'aborted' });
    expect(server.requests).toHaveLength(1);
  });

  it('watch, aborted while asking for its ticket, ends without opening a socket', async () => {
    const ctrl = new AbortController();
    const watching = (async () => {
      for await (const _ of client().watch({ signal: ctrl.signal })) throw new Error('no event expected');
    })();
    await hanging();
    ctrl.abort();
    await within(1_000, watching);
    // The ticket request only: no socket was opened after the abort.
    expect(server.requests).toEqual(['/trpc/events.ticket']);
  });
});

describe('timeouts', () => {
  it("a timeout past setTimeout's limit (24.8 days) is not cut short to nothing", async () => {
    const ctrl = new AbortController();
    const waiting = client().waitForDecision('step-1', { signal: ctrl.signal, timeoutMs: 3e9 });
    await hanging();
    ctrl.abort();
    // Had the 3e9 ms timer fired at once (setTimeout's overflow), this would be TIMEOUT.
    expect(await rejection(waiting)).toMatchObject({ code: 'CLIENT_CLOSED_REQUEST' });
  });
});

describe('bad wait options are refused', () => {
  it('a negative or non-number timeout is BAD_REQUEST, with no request', async () => {
    expect(await rejection(client().waitForDecision('step-1', { timeoutMs: -1 }))).toMatchObject({ code: 'BAD_REQUEST' });
    expect(await rejection(client().waitForDecision('step-1', { timeoutMs: Number.NaN }))).toMatchObject({ code: 'BAD_REQUEST' });
    expect(server.requests).toEqual([]);
  });

  it('run() with a concurrency that is not a number, or a pollMs that is not > 0, is BAD_REQUEST, with no request (it claimed nothing and never ended)', async () => {
    for (const opts of [{ concurrency: Number.NaN }, { concurrency: Infinity }, { pollMs: Number.NaN }, { pollMs: 0 }, { pollMs: -5 }]) {
      expect(await rejection(client().run('task-1', {}, opts))).toMatchObject({ code: 'BAD_REQUEST' });
    }
    expect(server.requests).toEqual([]);
  });
});
