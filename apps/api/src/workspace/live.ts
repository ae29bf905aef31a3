/**
 * Live events over hibernating WebSockets. A socket is accepted with a single-use
 * ticket, catches up from the events table, then receives every new event as it is
 * committed. Its filter and cursor live in the socket's attachment, so the object can
 * sleep between events and wake with nothing lost.
 */
import { CLOSE_BEHIND, LIVE_CATCH_UP_LIMIT, LiveQuery, sha256Hex, TICKET_PATTERN, TICKET_TTL_MS, type Event, type Key, type LiveMessage, type LiveResult, type Ticket } from '@greenlight/core';
import { newSecret } from './keys.ts';
import { listEvents } from './store.ts';

/**
 * A socket's attachment: its key, its filter, and for a call socket `events`: `none` (calls only)
 * or `live` (calls, and the events committed after it opened, without catch-up).
 */
export type SocketState = { keyId: string; principal: string; taskId?: string | undefined; events?: 'none' | 'live' | undefined };

/** A new ticket's secret part and its SHA-256, made before the transaction (hashing awaits). */
export async function mintTicket(): Promise<{ secret: string; hash: string }> {
  const secret = newSecret();
  return { secret, hash: await sha256Hex(secret) };
}

/** Store a minted ticket for `key`: only its hash, like a key's secret. */
export function issueTicket(sql: SqlStorage, workspaceId: string, key: Key, minted: { secret: string; hash: string }, now: number): Ticket {
  // Expired tickets are dropped as new ones are made: the table stays small.
  sql.exec(`DELETE FROM tickets WHERE expires_at < ?`, now - TICKET_TTL_MS);
  const expiresAt = now + TICKET_TTL_MS;
  sql.exec(`INSERT INTO tickets (id, key_id, expires_at) VALUES (?, ?, ?)`, minted.hash, key.id, expiresAt);
  const ticket = `glt_${workspaceId}_${minted.secret}`;
  return { ticket, expiresAt, path: `/ws?ticket=${ticket}` };
}

/** The key a ticket was issued to, by the ticket secret's hash, if live and unused; it is used up here. */
export function redeemTicket(sql: SqlStorage, ticketHash: string, now: number): string | undefined {
  const row = sql.exec<{ key_id: string }>(`UPDATE tickets SET used_at = ? WHERE id = ? AND used_at IS NULL AND expires_at > ? RETURNING key_id`, now, ticketHash, now).toArray()[0];
  return row?.key_id;
}

export const send = (ws: WebSocket, msg: LiveMessage | LiveResult): void => ws.send(JSON.stringify(msg));

const visible = (state: SocketState, e: Event): boolean => state.events !== 'none' && (state.taskId === undefined || e.taskId === state.taskId);

/**
 * Catch up from `after`, then mark the socket ready. This runs synchronously right
 * after the socket is accepted, so no commit can fall between catch-up and live.
 */
export function catchUp(sql: SqlStorage, ws: WebSocket, state: SocketState, q: LiveQuery): boolean {
  // A call socket catches up on nothing: `live` is pushed only what commits from now on.
  const backlog = state.events !== undefined ? [] : listEvents(sql, { after: q.after, taskId: q.taskId, limit: LIVE_CATCH_UP_LIMIT + 1 });
  const lastSeq = sql.exec<{ n: number }>(`SELECT COALESCE(MAX(seq), 0) AS n FROM events`).one().n;
  if (backlog.length > LIVE_CATCH_UP_LIMIT) {
    send(ws, { type: 'behind', after: q.after, lastSeq });
    return false;
  }
  for (const event of backlog) if (visible(state, event)) send(ws, { type: 'event', event });
  send(ws, { type: 'ready', lastSeq });
  return true;
}

/** Push committed events to every socket that may see them, in commit order. */
export function broadcast(sockets: WebSocket[], events: Event[]): void {
  if (events.length === 0) return;
  for (const ws of sockets) {
    const state = ws.deserializeAttachment() as SocketState | null;
    if (!state) continue;
    for (const event of events) {
      if (!visible(state, event)) continue;
      try {
        send(ws, { type: 'event', event });
      } catch {
        // A socket closing under us is cleaned up by webSocketClose.
      }
    }
  }
}

/**
 * Accept a live socket (hibernation API): `GET /ws?ticket=glt_<workspace>_<secret>&after?&taskId?`.
 * `redeem(workspaceId, ticketHash)` runs the object's transaction that checks the
 * workspace and spends the single-use ticket, answering the socket's key or undefined.
 * Answers 426 without an upgrade, 400 for a bad query, 401 for an unknown, used or
 * expired ticket, else 101; a socket too far behind is closed with CLOSE_BEHIND.
 */
export async function acceptLive(ctx: DurableObjectState, request: Request, redeem: (workspaceId: string, ticketHash: string) => Omit<SocketState, 'taskId'> | undefined): Promise<Response> {
  if (request.headers.get('upgrade')?.toLowerCase() !== 'websocket') return new Response('expected a WebSocket upgrade', { status: 426 });
  const q = LiveQuery.safeParse(Object.fromEntries(new URL(request.url).searchParams));
  if (!q.success) return new Response(`bad live query: ${q.error.issues[0]?.message ?? 'invalid'}`, { status: 400 });
  const [, workspaceId, ticketSecret] = TICKET_PATTERN.exec(q.data.ticket)!;
  const redeemed = redeem(workspaceId!, await sha256Hex(ticketSecret!));
  if (!redeemed) return new Response('unknown, used or expired ticket', { status: 401 });
  const state: SocketState = { ...redeemed, taskId: q.data.taskId, ...(q.data.events !== 'all' ? { events: q.data.events } : {}) };
  const pair = new WebSocketPair();
  const [client, server] = [pair[0], pair[1]];
  ctx.acceptWebSocket(server, [state.keyId]);
  server.serializeAttachment(state);
  if (!catchUp(ctx.storage.sql, server, state, q.data)) server.close(CLOSE_BEHIND, 'too far behind: page events.list, then reconnect');
  return new Response(null, { status: 101, webSocket: client });
}

/** Complete the closing handshake; codes 1005/1006 cannot be sent back, and a closed socket is left as it is. */
export function closeHandshake(ws: WebSocket, code: number, reason: string): void {
  try {
    ws.close(code === 1005 || code === 1006 ? 1000 : code, reason);
  } catch {
    // already closed
  }
}
