/** events.*: the audit log, a page at a time from a sequence number. */
import { Event, ListEventsInput, Ticket, page } from '@greenlight/core';
import { router, unwrap, workspaceProcedure } from '../init.ts';

export const eventsRouter = router({
  list: workspaceProcedure
    .input(ListEventsInput.default({ limit: 50 }))
    .output(page(Event))
    .query(({ ctx, input }) => unwrap(ctx.ws.listEvents(ctx.cred, input))),
  /** A single-use ticket (60 s) to open the live socket at `path`. */
  ticket: workspaceProcedure.output(Ticket).mutation(({ ctx }) => unwrap(ctx.ws.ticket(ctx.cred))),
});
