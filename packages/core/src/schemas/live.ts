/**
 * The live event stream's messages (SPEC section 6). A client opens
 * `/ws?ticket=<ticket>&after=<seq>[&taskId=<id>]` with a short-lived, single-use
 * ticket from `events.ticket`, so no long-lived secret ever sits in a URL.
 */
import { z } from 'zod';
import { SecretString } from './common.ts';
import { Event } from './event.ts';
import { LIMITS } from '../limits.ts';

export const TICKET_TTL_MS = 60_000;
/** The socket catches up at most this many events; further behind, the client pages events.list first. */
export const LIVE_CATCH_UP_LIMIT = 1_000;
/** Close code when the client is too far behind to catch up over the socket. */
export const CLOSE_BEHIND = 4000;
/** Close code when the key behind the socket was revoked. */
export const CLOSE_REVOKED = 4001;

export const LiveMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('event'), event: Event }),
  /** Catch-up is done: everything up to lastSeq was sent; what follows is live. */
  z.object({ type: z.literal('ready'), lastSeq: z.number().int().nonnegative() }),
  z.object({ type: z.literal('behind'), after: z.number().int().nonnegative(), lastSeq: z.number().int() }),
  z.object({ type: z.literal('error'), code: z.string(), message: z.string() }),
]);
export type LiveMessage = z.infer<typeof LiveMessage>;

export const Ticket = z.object({ ticket: SecretString, expiresAt: z.number().int(), path: z.string() });
export type Ticket = z.infer<typeof Ticket>;

export const TICKET_PATTERN = /^glt_([a-z0-9-]{3,40})_([A-Za-z0-9_-]{20,100})$/;

export const LiveQuery = z.object({
  ticket: z.string().regex(TICKET_PATTERN, 'a ticket from events.ticket'),
  after: z.coerce.number().int().nonnegative().default(0),
  taskId: z.string().min(1).max(64).optional(),
  /**
   * `none`: a socket for calls only (docs/socket-rpc.md), sent no events, only its `ready` and call results.
   * `live`: a call socket that is also pushed each event committed after it opened (no catch-up from `after`),
   * so the SDK's waitForDecision can listen on it.
   */
  events: z.enum(['all', 'none', 'live']).default('all'),
});
export type LiveQuery = z.infer<typeof LiveQuery>;

/**
 * Calls over the live socket (docs/socket-rpc.md): an agent's procedure calls carried as
 * request/response messages on the socket it holds, through the same pipeline as HTTP.
 * Each op is a tRPC path; how a client may resend it when the socket drops mid-call:
 * - `read`: changes nothing, resent as it is;
 * - `keyed`: a mutation with an idempotency key (the client adds one when absent), resent
 *   with the same key so the server replays the first answer instead of applying it again;
 * - `once`: a mutation without an idempotency key, never resent (the caller sees
 *   NETWORK_ERROR, reason `socket_closed`, and decides).
 * Not here, so HTTP only: root procedures (workspaces.*), and those whose answer holds a
 * secret shown once (keys.create, webhooks.create) or that close sockets (keys.revoke).
 */
export const SOCKET_OPS = {
  'tasks.plan': 'keyed',
  'tasks.append': 'keyed',
  'tasks.close': 'keyed',
  'tasks.get': 'read',
  'tasks.list': 'read',
  'tasks.revise': 'keyed',
  'tasks.setMode': 'keyed',
  'tasks.cancel': 'keyed',
  'steps.get': 'read',
  'steps.list': 'read',
  'steps.claim': 'once',
  'steps.heartbeat': 'once',
  'steps.complete': 'keyed',
  'steps.fail': 'keyed',
  'approvals.list': 'read',
  'approvals.get': 'read',
  'approvals.decide': 'keyed',
  'approvals.decideMany': 'keyed',
  'events.list': 'read',
  'history.list': 'read',
  'grants.list': 'read',
  'grants.revoke': 'keyed',
  'grants.proposals': 'read',
  'policy.get': 'read',
  'policy.evaluate': 'read',
  'workspaces.get': 'read',
} as const satisfies Record<string, 'read' | 'keyed' | 'once'>;
export type SocketOp = keyof typeof SOCKET_OPS;
export const isSocketOp = (op: string): op is SocketOp => Object.hasOwn(SOCKET_OPS, op);

/** The largest call message the object reads: the same bound as an HTTP request body. */
export const SOCKET_CALL_BYTES = LIMITS.requestBytes;
/** Calls one socket may have in flight; more are answered TOO_MANY_REQUESTS (reason `in_flight`) at once. */
export const SOCKET_IN_FLIGHT = 32;

/** A call's id: the client's, echoed on its result; unique among the socket's calls in flight. */
export const CallId = z.string().min(1).max(64);

/** Client -> object: one procedure call. `input` is what the HTTP call would carry (its idempotencyKey included). */
export const LiveCall = z.strictObject({ type: z.literal('call'), id: CallId, op: z.string().min(1).max(100), input: z.unknown().optional() });
export type LiveCall = z.infer<typeof LiveCall>;

/** An error answer: the tRPC code, message, and (as over HTTP) the issues, reason and retry hint. */
export const CallError = z.object({
  code: z.string(),
  message: z.string(),
  issues: z.array(z.object({ path: z.array(z.union([z.string(), z.number()])), message: z.string(), code: z.string().optional() })).optional(),
  reason: z.string().optional(),
  retryAfterMs: z.number().optional(),
});
export type CallError = z.infer<typeof CallError>;

/** Object -> client: the answer to call `id`, exactly once per call that had a readable id. */
export const LiveResult = z.discriminatedUnion('ok', [
  z.object({ type: z.literal('result'), id: CallId, ok: z.literal(true), value: z.unknown() }),
  z.object({ type: z.literal('result'), id: CallId, ok: z.literal(false), error: CallError }),
]);
export type LiveResult = z.infer<typeof LiveResult>;
