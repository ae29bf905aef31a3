/** webhooks.*: admin only. Notifications for approvals requested / decided / expired and tasks finished. */
import { CreatedWebhook, CreateWebhookInput, DeleteWebhookInput, Delivery, Id, ListDeliveriesInput, Webhook } from '@greenlight/core';
import { z } from 'zod';
import { router, unwrap, workspaceProcedure } from '../init.ts';

export const webhooksRouter = router({
  create: workspaceProcedure
    .input(CreateWebhookInput)
    .output(CreatedWebhook)
    .mutation(({ ctx, input }) => unwrap(ctx.ws.createWebhook(ctx.cred, input))),
  list: workspaceProcedure.output(z.object({ items: z.array(Webhook) })).query(({ ctx }) => unwrap(ctx.ws.listWebhooks(ctx.cred))),
  delete: workspaceProcedure
    .input(DeleteWebhookInput)
    .output(z.object({ id: Id }))
    .mutation(({ ctx, input }) => unwrap(ctx.ws.deleteWebhook(ctx.cred, input))),
  deliveries: workspaceProcedure
    .input(ListDeliveriesInput.default({ limit: 50 }))
    .output(z.object({ items: z.array(Delivery) }))
    .query(({ ctx, input }) => unwrap(ctx.ws.listDeliveries(ctx.cred, input))),
});
