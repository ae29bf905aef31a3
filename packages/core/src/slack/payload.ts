/**
 * What Greenlight reads from Slack's requests, and what it puts in its own buttons and
 * modals so a click names exactly one approval revision. Shapes from Slack's references:
 * interaction payloads (`block_actions`, `view_submission`) arrive form-encoded as one
 * `payload` field of JSON; slash commands as plain form fields. Only the fields used are
 * named; the rest are kept (loose), since Slack adds fields over time.
 */
import { z } from 'zod';
import { Id, Sha256Hex } from '../schemas/common.ts';
import type { Decision } from '../enums.ts';

/** The decisions a Slack button can take: two straight away, two through a modal for the text. */
export const SlackDecision = z.enum(['approve', 'reject', 'request_changes', 'answer']);
export type SlackDecision = z.infer<typeof SlackDecision> & Decision;

/** Button `action_id`s: `gl_<decision>`. */
export const slackActionId = (d: SlackDecision): string => `gl_${d}`;
const ACTION_ID = /^gl_(approve|reject|request_changes|answer)$/;

/** What a button's value (max 2,000 characters) and a modal's private_metadata carry: the approval and the params it showed. */
export const SlackBinding = z.strictObject({ approvalId: Id, paramsHash: Sha256Hex });
export type SlackBinding = z.infer<typeof SlackBinding>;

/** The modal's callback_id, and the block/action that holds its text. */
export const SLACK_MODAL = { callbackId: 'gl_decide', block: 'gl_text', action: 'gl_text' } as const;

/** A modal remembers which decision it asks the text for, and which message it came from (to update it). */
export const SlackModalMetadata = SlackBinding.extend({
  decision: z.enum(['request_changes', 'answer']),
  channel: z.string().max(100).optional(),
  ts: z.string().max(100).optional(),
});
export type SlackModalMetadata = z.infer<typeof SlackModalMetadata>;

const SlackId = z.string().min(1).max(64);

export const SlackBlockActions = z.looseObject({
  type: z.literal('block_actions'),
  team: z.looseObject({ id: SlackId }),
  user: z.looseObject({ id: SlackId }),
  trigger_id: z.string().max(500).optional(),
  channel: z.looseObject({ id: SlackId }).optional(),
  container: z.looseObject({ message_ts: z.string().max(100).optional(), channel_id: SlackId.optional() }).optional(),
  actions: z.array(z.looseObject({ action_id: z.string().max(255), value: z.string().max(2000).optional() })).min(1),
});
export type SlackBlockActions = z.infer<typeof SlackBlockActions>;

export const SlackViewSubmission = z.looseObject({
  type: z.literal('view_submission'),
  // Null for an org-wide install: the user's own team_id names the workspace then.
  team: z.looseObject({ id: SlackId }).nullable(),
  user: z.looseObject({ id: SlackId, team_id: SlackId.optional() }),
  view: z.looseObject({
    callback_id: z.string().max(255),
    private_metadata: z.string().max(3000),
    state: z.looseObject({ values: z.record(z.string(), z.record(z.string(), z.looseObject({ value: z.string().nullable().optional() }))) }),
  }),
});
export type SlackViewSubmission = z.infer<typeof SlackViewSubmission>;

export const SlackInteraction = z.discriminatedUnion('type', [SlackBlockActions, SlackViewSubmission]);
export type SlackInteraction = z.infer<typeof SlackInteraction>;

/** A slash command's form fields (`/greenlight link`). */
export const SlackCommand = z.looseObject({ team_id: SlackId, user_id: SlackId, command: z.string().max(100), text: z.string().max(4000).default('') });
export type SlackCommand = z.infer<typeof SlackCommand>;

/** The principal a Slack user acts as: `slack:<team_id>:<user_id>` (IDENTITY-API.md). */
export const slackPrincipal = (teamId: string, userId: string): string => `slack:${teamId}:${userId}`;

const parseJson = (s: string): unknown => {
  try {
    return JSON.parse(s);
  } catch {
    return undefined;
  }
};

/** An interaction request's body (`payload=<json>`, form-encoded), or why it is not one Greenlight handles. */
export function parseSlackInteraction(body: string): { ok: true; value: SlackInteraction } | { ok: false; message: string } {
  const raw = new URLSearchParams(body).get('payload');
  if (raw === null) return { ok: false, message: 'no payload field' };
  const r = SlackInteraction.safeParse(parseJson(raw));
  return r.success ? { ok: true, value: r.data } : { ok: false, message: `not a block_actions or view_submission payload: ${r.error.issues[0]?.message ?? ''}` };
}

/** A slash command's body (form-encoded fields). */
export function parseSlackCommand(body: string): SlackCommand | undefined {
  const fields: Record<string, string> = {};
  new URLSearchParams(body).forEach((v, k) => (fields[k] = v));
  const r = SlackCommand.safeParse(fields);
  return r.success ? r.data : undefined;
}

/** A clicked button: which decision, bound to which approval and params; undefined for a button that is not ours or a value that was tampered into another shape. */
export function parseSlackAction(action: { action_id: string; value?: string | undefined }): ({ decision: SlackDecision } & SlackBinding) | undefined {
  const m = ACTION_ID.exec(action.action_id);
  if (!m || action.value === undefined) return undefined;
  const b = SlackBinding.safeParse(parseJson(action.value));
  return b.success ? { decision: m[1] as SlackDecision, ...b.data } : undefined;
}

/** A submitted modal's metadata and text; undefined when it is not Greenlight's modal. */
export function parseSlackSubmission(p: SlackViewSubmission): (SlackModalMetadata & { text: string }) | undefined {
  if (p.view.callback_id !== SLACK_MODAL.callbackId) return undefined;
  const meta = SlackModalMetadata.safeParse(parseJson(p.view.private_metadata));
  if (!meta.success) return undefined;
  const text = p.view.state.values[SLACK_MODAL.block]?.[SLACK_MODAL.action]?.value ?? '';
  return { ...meta.data, text };
}
