/**
 * A raw call socket for the api tests: a ticket from `client`, the upgrade through the
 * Worker's fetch, and calls as the SDK sends them (docs/socket-rpc.md), without the SDK,
 * so the tests see every message the object sends.
 */
import { LiveMessage, LiveResult } from '@greenlight/core';
import { expect } from 'vitest';
import type { GreenlightClient } from '@greenlight/sdk';
import { BASE, workerFetch } from './harness.ts';

export type Received = LiveMessage | LiveResult;
export type CallSocket = {
  ws: WebSocket;
  received: Received[];
  /** Send one call and wait for its result. */
  call: (op: string, input?: unknown) => Promise<LiveResult>;
  /** Wait for the first message (already received or to come) that matches. */
  next: (pred: (m: Received) => boolean) => Promise<Received>;
  closed: Promise<CloseEvent>;
};

let ids = 0;

export async function openCallSocket(client: GreenlightClient, query: Record<string, string> = { events: 'none' }): Promise<CallSocket> {
  const { path } = await client.events.ticket.mutate();
  const url = new URL(path, BASE);
  for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
  const res = await workerFetch(url.toString(), { headers: { upgrade: 'websocket' } });
  expect(res.status).toBe(101);
  const ws = (res as Response & { webSocket: WebSocket }).webSocket;
  ws.accept();
  const received: Received[] = [];
  const waiters: { pred: (m: Received) => boolean; resolve: (m: Received) => void }[] = [];
  ws.addEventListener('message', (e) => {
    if (typeof e.data !== 'string' || e.data === 'pong') return;
    const json: unknown = JSON.parse(e.data);
    const asResult = LiveResult.safeParse(json);
    const msg: Received = asResult.success ? asResult.data : LiveMessage.parse(json);
    received.push(msg);
    for (const w of waiters.splice(0)) {
      if (w.pred(msg)) w.resolve(msg);
      else waiters.push(w);
    }
  });
  const closed = new Promise<CloseEvent>((r) => ws.addEventListener('close', r));
  const next = (pred: (m: Received) => boolean) => {
    const seen = received.find(pred);
    return seen ? Promise.resolve(seen) : new Promise<Received>((resolve) => waiters.push({ pred, resolve }));
  };
  const call = async (op: string, input?: unknown): Promise<LiveResult> => {
    const id = `c${ids++}`;
    ws.send(JSON.stringify({ type: 'call', id, op, ...(input === undefined ? {} : { input }) }));
    return (await next((m) => m.type === 'result' && m.id === id)) as LiveResult;
  };
  await next((m) => m.type === 'ready');
  return { ws, received, call, next, closed };
}
