/**
 * The live event stream's messages (SPEC section 6). A client opens
 * `/ws?ticket=<ticket>&after=<seq>[&taskId=<id>]` with a short-lived, single-use
 * ticket from `events.ticket`, so no long-lived secret ever sits in a URL.
 */
import { z } from 'zod';
import { SecretString } from './common.ts';
import { Event } from './event.ts';

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
});
export type LiveQuery = z.infer<typeof LiveQuery>;
