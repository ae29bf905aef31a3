/** slack.set / slack.get / slack.link: what an admin configures, what is shown back (never a secret), and a link redemption. */
import { z } from 'zod';
import { EpochMs, IdempotencyKey } from '../schemas/common.ts';

/** Slack's Web API, unless a test (or a proxy) points elsewhere. */
export const SLACK_API_BASE = 'https://slack.com/api';

export const SlackSettingsInput = z.strictObject({
  /** The app's signing secret (Basic Information → App Credentials): verifies every request Slack sends. Stored sealed. */
  signingSecret: z.string().trim().min(8).max(200),
  /** The bot token (`xoxb-…`, OAuth & Permissions): posts and updates the messages. Stored sealed. */
  botToken: z
    .string()
    .trim()
    .regex(/^xox[a-z]-[A-Za-z0-9-]{1,500}$/, 'a Slack token: xoxb-…'),
  /** The channel id approvals are posted to (C…; the bot must be a member). */
  channel: z
    .string()
    .trim()
    .regex(/^[A-Z0-9]{2,40}$/, 'a Slack channel id such as C0123456789'),
  /** Slack's Web API base URL: https://slack.com/api by default; tests point it at a local server. */
  apiBase: z
    .url({ protocol: /^https?$/ })
    .max(500)
    .default(SLACK_API_BASE),
  idempotencyKey: IdempotencyKey.optional(),
});
export type SlackSettingsInput = z.input<typeof SlackSettingsInput>;
/** slack.set's input after parsing (apiBase filled in). */
export type SlackSettingsValue = z.output<typeof SlackSettingsInput>;

/** A Slack user linked to a person. */
export const SlackLink = z.object({ principal: z.string(), person: z.string(), linkedAt: EpochMs });
export type SlackLink = z.infer<typeof SlackLink>;

/** What slack.get shows: whether Slack is set up, where it posts, and who is linked; never the secrets. */
export const SlackSettings = z.object({
  configured: z.boolean(),
  channel: z.string().optional(),
  apiBase: z.string().optional(),
  updatedAt: EpochMs.optional(),
  links: z.array(SlackLink),
  /** Slack calls still to make and given up on (kept a week), and the latest error: is Slack reachable? */
  outbox: z.object({ pending: z.number().int(), failed: z.number().int(), lastError: z.string().optional() }),
});
export type SlackSettings = z.infer<typeof SlackSettings>;

/** slack.link: the single-use token from the URL Slack showed the user. */
export const SlackLinkInput = z.strictObject({ token: z.string().regex(/^[A-Za-z0-9_-]{32,64}$/, 'a Slack link token'), idempotencyKey: IdempotencyKey.optional() });
export type SlackLinkInput = z.infer<typeof SlackLinkInput>;

/** How long a link URL works: ten minutes, once. */
export const SLACK_LINK_TTL_MS = 10 * 60_000;
