/**
 * run()'s loop against a scripted API and event stream (no server): it sleeps on
 * events instead of polling, and a heartbeat that answers cancelled aborts the
 * handler even when no event says so. Time is vitest's fake timers: nothing waits on
 * the wall clock. The real server is in tests/e2e/run.test.ts.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ClaimedStep, Event, EventContent, TaskStatus } from '@greenlight/core';
import type { Api } from '../src/client.ts';
import { run, type RunDeps } from '../src/run.ts';
import { claimed } from './fixtures.ts';

/** An event stream the test pushes into; it ends when run() aborts it. */
function events() {
  const queue: Event[] = [];
  let wake: (() => void) | undefined;
  let seq = 0;
  const push = (content: EventContent) => {
    queue.push({ seq: ++seq, at: Date.now(), actor: 'someone', taskId: 'task-1', ...content, hash: '0'.repeat(64) });
    wake?.();
  };
  async function* watch({ signal }: { signal?: AbortSignal }): AsyncGenerator<Event, void, undefined> {
    signal?.addEventListener('abort', () => wake?.(), { once: true });
    for (;;) {
      if (signal?.aborted) return;
      const next = queue.shift();
      if (next) yield next;
      else await new Promise<void>((r) => (wake = r));
    }
  }
  return { push, watch };
}

/** A scripted API: every call is counted, then answered by the script. */
function fakeApi(script: { status: () => TaskStatus; claim: (max: number) => ClaimedStep[]; heartbeat?: () => { cancelled: boolean } }) {
  const calls = { claim: 0, heartbeat: 0, complete: 0, fail: 0, get: 0 };
  const report = (stepStatus: string) => ({ stepId: 'step-1', stepStatus, taskId: 'task-1', taskStatus: script.status() });
  const api = {
    tasks: {
      get: {
        query: async () => {
          calls.get++;
          return { id: 'task-1', status: script.status(), steps: [] };
        },
      },
    },
    steps: {
      claim: {
        mutate: async ({ max }: { max: number }) => {
          calls.claim++;
          return { steps: script.claim(max) };
        },
      },
      heartbeat: {
        mutate: async () => {
          calls.heartbeat++;
          return script.heartbeat?.() ?? { cancelled: false, leaseExpiresAt: Date.now() + 5_000 };
        },
      },
      complete: {
        mutate: async () => {
          calls.complete++;
          return report('completed');
        },
      },
      fail: {
        mutate: async () => {
          calls.fail++;
          return report('failed');
        },
      },
    },
  };
  return { api: api as unknown as Api, calls };
}

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('run() loop', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('claims once, sleeps while nothing happens, and claims again only when an event arrives', async () => {
    let status: TaskStatus = 'active';
    let ready: ClaimedStep[] = [];
    const stream = events();
    const { api, calls } = fakeApi({ status: () => status, claim: () => ready.splice(0) });
    const deps: RunDeps = { api, watch: stream.watch };

    const done = run(
      deps,
      'task-1',
      {
        custom: async () => {
          status = 'completed';
          return { output: 1 };
        },
      },
      { pollMs: 60_000 },
    );
    // Nearly a minute of nothing: one claim, then sleep, no polling.
    await vi.advanceTimersByTimeAsync(59_000);
    expect(calls.claim).toBe(1);

    ready = [claimed('custom', { tool: 't', input: {} })];
    stream.push({ type: 'step.approved', stepId: 'step-2', data: { from: 'awaiting_approval', to: 'approved', revision: 1, by: ['alice'] } });
    expect((await done).status).toBe('completed');
    expect(calls.claim).toBe(2);
    expect(calls.complete).toBe(1);
  });

  it('a heartbeat that answers cancelled aborts the handler, even with no event, and nothing is reported', async () => {
    let status: TaskStatus = 'active';
    const stream = events();
    const { api, calls } = fakeApi({
      status: () => status,
      claim: () => (calls.claim === 1 ? [claimed('custom', { tool: 't', input: {} })] : []),
      heartbeat: () => {
        status = 'cancelled';
        return { cancelled: true };
      },
    });
    let reason: unknown;
    const running = run(
      { api, watch: stream.watch },
      'task-1',
      {
        custom: (_step, ctx) =>
          new Promise((_resolve, reject) =>
            ctx.signal.addEventListener('abort', () => {
              reason = ctx.signal.reason;
              reject(reason);
            }),
          ),
      },
      { leaseSeconds: 3, pollMs: 60_000 },
    );
    // One heartbeat, at a third of the 3 s lease: none before.
    await vi.advanceTimersByTimeAsync(999);
    expect(calls.heartbeat).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    const done = await running;

    expect(done.status).toBe('cancelled');
    expect(reason).toMatchObject({ code: 'CONFLICT', reason: 'cancelled' });
    expect(calls.heartbeat).toBe(1);
    expect(calls.complete + calls.fail).toBe(0);
  });

  it('fills every free slot and no more: concurrency 2 runs two of three steps at once', async () => {
    let status: TaskStatus = 'active';
    const ready = ['a', 'b', 'c'].map((key) => claimed('custom', { tool: 't', input: {} }, { stepId: key, key, leaseId: `lease-${key}` }));
    const stream = events();
    const { api } = fakeApi({ status: () => status, claim: (max) => ready.splice(0, max) });
    let live = 0;
    let peak = 0;
    let finished = 0;
    const running = run(
      { api, watch: stream.watch },
      'task-1',
      {
        custom: async () => {
          peak = Math.max(peak, ++live);
          await tick(50);
          live--;
          if (++finished === 3) status = 'completed';
        },
      },
      { concurrency: 2, pollMs: 60_000 },
    );
    await vi.advanceTimersByTimeAsync(50);
    // Two ran in the first 50 ms; the third takes the freed slot.
    expect(finished).toBe(2);
    await vi.advanceTimersByTimeAsync(50);
    await running;
    expect(peak).toBe(2);
    expect(finished).toBe(3);
  });
});
