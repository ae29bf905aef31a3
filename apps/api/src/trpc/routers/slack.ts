/** slack.*: the Slack app's settings (admin), and a reviewer's link of their Slack account (docs/slack.md). */
import { SlackLinkInput, SlackSettings, SlackSettingsInput } from '@greenlight/core';
import { z } from 'zod';
import { router, unwrap, workspaceProcedure } from '../init.ts';

export const slackRouter = router({
  set: workspaceProcedure
    .input(SlackSettingsInput)
    .output(SlackSettings)
    .mutation(({ ctx, input }) => unwrap(ctx.ws.setSlack(ctx.cred, input))),
  get: workspaceProcedure.output(SlackSettings).query(({ ctx }) => unwrap(ctx.ws.getSlack(ctx.cred))),
  link: workspaceProcedure
    .input(SlackLinkInput)
    .output(z.object({ principal: z.string(), person: z.string() }))
    .mutation(({ ctx, input }) => unwrap(ctx.ws.linkSlack(ctx.cred, input))),
});
