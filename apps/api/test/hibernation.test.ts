/**
 * A hibernated live socket outlives its object: evictDurableObject drops the instance
 * (memory: the limiter's buckets, the meta copy), the socket stays with the runtime, and
 * the next instance finds it with getWebSockets() and its filter in the attachment.
 */
import { evictDurableObject } from 'cloudflare:test';
import { LiveMessage } from '@greenlight/core';
import { describe, expect, it } from 'vitest';
import { BASE, team, threeStepPlan, workerFetch } from './harness.ts';
import { stubOf } from './deadlines.ts';

describe('hibernation', () => {
  it('an open socket keeps receiving events after its object is evicted, still filtered to its task', async () => {
    const t = await team();
    const mine = await t.agent.plan(threeStepPlan());
    const { path } = await t.viewer.events.ticket.mutate();
    const url = new URL(path, BASE);
    url.searchParams.set('taskId', mine.id);
    const res = await workerFetch(url.toString(), { headers: { upgrade: 'websocket' } });
    expect(res.status).toBe(101);
    const ws = (res as Response & { webSocket: WebSocket }).webSocket;
    ws.accept();
    const received: LiveMessage[] = [];
    let wake: (() => void) | undefined;
    ws.addEventListener('message', (e) => {
      if (typeof e.data !== 'string' || e.data === 'pong') return;
      received.push(LiveMessage.parse(JSON.parse(e.data)));
      wake?.();
    });
    const until = async (pred: () => boolean) => {
      while (!pred()) await new Promise<void>((r) => (wake = r));
    };
    await until(() => received.some((m) => m.type === 'ready'));

    await evictDurableObject(stubOf(t.id));
    // Another task's events are not for this socket; this task's cancellation is.
    await t.agent.plan(threeStepPlan());
    await t.agent.tasks.cancel.mutate({ taskId: mine.id, reason: 'after eviction' });
    await until(() => received.some((m) => m.type === 'event' && m.event.type === 'task.cancelled'));
    const live = received.flatMap((m) => (m.type === 'event' ? [m.event] : []));
    expect(live.every((e) => e.taskId === mine.id)).toBe(true);
    expect(ws.readyState).toBe(WebSocket.OPEN);
    ws.close();
  });
});
