/**
 * Requests from Slack, once the Worker has forwarded their raw bytes: verify the
 * signature (core verifySlackRequest: signing secret, five-minute window, constant-time),
 * then act as the linked Slack user through the pipeline (Pipeline.callAs: role, rate
 * limit, one transaction, broadcast). A request that fails verification changes nothing
 * and says only why it was refused.
 *
 * - a button (block_actions): approve / reject decide at once; request changes / answer
 *   open a modal for the text (views.open, within Slack's 3 s trigger window).
 * - a modal submitted (view_submission): decides with its text.
 * - `/greenlight link` (slash command): a single-use URL that links this Slack user.
 * An unlinked user is refused with an ephemeral message carrying that URL; a stale button
 * (approval closed, params changed) is refused and its message updated to show the truth.
 */
import {
  DecideInput,
  parseSlackAction,
  parseSlackCommand,
  parseSlackInteraction,
  parseSlackSubmission,
  slackDecisionModal,
  slackPrincipal,
  verifySlackRequest,
  fail,
  type DecideResult,
  type Result,
  type SlackBlockActions,
  type SlackViewSubmission,
} from '@greenlight/core';
import * as approvals from '../ops/approvals.ts';
import type { Pipeline } from '../pipeline.ts';
import { openAtRest } from '../seal.ts';
import { readSlackConfig, SLACK_AAD, type SlackConfigRow } from './config.ts';
import { approvalNow } from './deliver.ts';
import { queueSlack } from './outbox.ts';
import { mintLinkToken, slackCaller, storeLinkToken } from './users.ts';
import { slackCall } from './web-api.ts';

/** A request from Slack as the Worker forwards it: the raw body and the two signing headers, plus the origin links point to. */
export type SlackRequest = { workspaceId: string; timestamp: string | null; signature: string | null; body: string; origin: string };

/** What the Worker answers Slack: a status and a JSON body as text (or none: Slack wants an empty 200 to acknowledge). */
export type SlackAnswer = { status: number; json?: string };

const answer = (status: number, json: unknown): SlackAnswer => ({ status, json: JSON.stringify(json) });

/** views.open must land before Slack's trigger_id expires (3 s after the click). */
const VIEWS_OPEN_TIMEOUT_MS = 2_500;

type Verified = { config: SlackConfigRow; token: string | undefined };

/** Check the request is Slack's, for this workspace; an answer when it is not. */
async function verify(p: Pipeline, req: SlackRequest): Promise<Verified | SlackAnswer> {
  const meta = p.currentMeta();
  const config = readSlackConfig(p.sql);
  if (!meta || meta.id !== req.workspaceId || !config) return answer(404, { error: 'Slack is not set up for this workspace' });
  const secret = await openAtRest(p.env, config.signing_secret, SLACK_AAD.signingSecret);
  if (secret === undefined) return answer(503, { error: 'the Slack signing secret cannot be opened: the data key changed' });
  const verdict = await verifySlackRequest({ secret, timestamp: req.timestamp, signature: req.signature, body: req.body, nowMs: p.now() });
  if (!verdict.ok) return answer(401, { error: `not a request signed by Slack: ${verdict.reason}` });
  return { config, token: await openAtRest(p.env, config.bot_token, SLACK_AAD.botToken) };
}

const isAnswer = (v: Verified | SlackAnswer): v is SlackAnswer => 'status' in v;

/** A fresh single-use link URL for a Slack user: the page's `#/slack-link/<token>`. */
async function linkUrl(p: Pipeline, principal: string, origin: string): Promise<string> {
  const { token, hash } = await mintLinkToken();
  p.transact(() => storeLinkToken(p.sql, principal, hash, p.now()));
  return `${origin}/#/slack-link/${token}`;
}

const unlinkedText = (url: string): string =>
  `Your Slack account is not linked to a Greenlight reviewer, so this click was refused. Open ${url} (single use, ten minutes), sign in there as yourself, and confirm; then click again.`;

/** Tell one user something only they see (chat.postEphemeral), best effort: not queued, since it may carry a link token. */
async function tellUser(p: Pipeline, v: Verified, channel: string | undefined, user: string, text: string): Promise<void> {
  if (!channel || v.token === undefined) return;
  const r = await slackCall(v.config.api_base, v.token, 'chat.postEphemeral', { channel, user, text }, { allowPrivate: p.allowPrivateTargets(), timeoutMs: VIEWS_OPEN_TIMEOUT_MS });
  if (!r.ok) console.error('slack: chat.postEphemeral failed:', r.error);
}

/** Decide as the Slack user, bound to the approval and params the button or modal showed. */
function decideAs(p: Pipeline, workspaceId: string, principal: string, input: unknown): Promise<Result<DecideResult>> {
  const parsed = DecideInput.safeParse(input);
  if (!parsed.success) {
    return Promise.resolve(fail('BAD_REQUEST', parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')));
  }
  return p.callAs(
    workspaceId,
    `slack:${principal}`,
    (sql) => slackCaller(sql, principal),
    'decide',
    undefined,
    (tx) => approvals.decide(tx, parsed.data, undefined),
  );
}

/** Queue an update of the clicked message that shows the approval now and why the click was refused. */
function refuseOnMessage(p: Pipeline, approvalId: string, where: { channel?: string | undefined; ts?: string | undefined }, user: string, reason: string): void {
  if (!where.channel || !where.ts) return;
  const { channel, ts } = where;
  p.transact(() => queueSlack(p.sql, { kind: 'update', approvalId, channel, ts, note: { kind: 'refused', user, reason } }, p.now(), () => crypto.randomUUID()));
}

/** Why a button no longer applies, or undefined when the approval is open on the params it showed. */
function staleReason(p: Pipeline, approvalId: string, paramsHash: string): string | undefined {
  const r = approvalNow(p, approvalId);
  if (!r) return 'this approval does not exist';
  if (r.status !== 'open') return `this approval is already closed (${r.status.replace('_', ' ')})`;
  if (r.paramsHash !== paramsHash) return 'the step changed since this message was posted';
  return undefined;
}

async function onBlockActions(p: Pipeline, req: SlackRequest, v: Verified, payload: SlackBlockActions): Promise<SlackAnswer> {
  const principal = slackPrincipal(payload.team.id, payload.user.id);
  const channel = payload.container?.channel_id ?? payload.channel?.id;
  const where = { channel, ts: payload.container?.message_ts };
  const action = payload.actions.map(parseSlackAction).find((a) => a !== undefined);
  if (!action) return { status: 200 };
  if (!p.transact(() => slackCaller(p.sql, principal))) {
    await tellUser(p, v, channel, payload.user.id, unlinkedText(await linkUrl(p, principal, req.origin)));
    return { status: 200 };
  }
  const stale = staleReason(p, action.approvalId, action.paramsHash);
  if (stale) {
    refuseOnMessage(p, action.approvalId, where, payload.user.id, stale);
    await p.aimAlarm();
    await tellUser(p, v, channel, payload.user.id, `Refused: ${stale}.`);
    return { status: 200 };
  }
  if (action.decision === 'request_changes' || action.decision === 'answer') {
    const record = approvalNow(p, action.approvalId);
    const modal = slackDecisionModal({ approvalId: action.approvalId, paramsHash: action.paramsHash, decision: action.decision, ...where }, record?.approval?.title ?? `approval ${action.approvalId}`);
    if (v.token === undefined || !payload.trigger_id) return { status: 200 };
    const r = await slackCall(v.config.api_base, v.token, 'views.open', { trigger_id: payload.trigger_id, view: modal }, { allowPrivate: p.allowPrivateTargets(), timeoutMs: VIEWS_OPEN_TIMEOUT_MS });
    if (!r.ok) await tellUser(p, v, channel, payload.user.id, `Could not open the form (${r.error}): try again, or decide on the page.`);
    return { status: 200 };
  }
  const decided = await decideAs(p, req.workspaceId, principal, { approvalId: action.approvalId, paramsHash: action.paramsHash, decision: action.decision });
  if (!decided.ok) {
    refuseOnMessage(p, action.approvalId, where, payload.user.id, decided.error.message);
    await p.aimAlarm();
    await tellUser(p, v, channel, payload.user.id, `Refused: ${decided.error.message}`);
  }
  return { status: 200 };
}

async function onViewSubmission(p: Pipeline, req: SlackRequest, payload: SlackViewSubmission): Promise<SlackAnswer> {
  const sub = parseSlackSubmission(payload);
  if (!sub) return { status: 200 };
  const errors = (message: string): SlackAnswer => answer(200, { response_action: 'errors', errors: { gl_text: message.slice(0, 3000) } });
  if (sub.text.trim() === '') return errors('Write the text first.');
  const teamId = payload.team?.id ?? payload.user.team_id;
  if (!teamId) return errors('Slack did not say which team you are in.');
  const principal = slackPrincipal(teamId, payload.user.id);
  if (!p.transact(() => slackCaller(p.sql, principal))) return errors('Your Slack account is not linked to a Greenlight reviewer: type /greenlight link, then try again.');
  const text = sub.decision === 'answer' ? { answer: sub.text } : { feedback: sub.text };
  const decided = await decideAs(p, req.workspaceId, principal, { approvalId: sub.approvalId, paramsHash: sub.paramsHash, decision: sub.decision, ...text });
  if (decided.ok) return { status: 200 };
  refuseOnMessage(p, sub.approvalId, sub, payload.user.id, decided.error.message);
  await p.aimAlarm();
  return errors(`Refused: ${decided.error.message}`);
}

/** POST /slack/interactions/<workspace>: a button or a modal. */
export async function handleSlackInteraction(p: Pipeline, req: SlackRequest): Promise<SlackAnswer> {
  const v = await verify(p, req);
  if (isAnswer(v)) return v;
  const parsed = parseSlackInteraction(req.body);
  if (!parsed.ok) return answer(400, { error: parsed.message });
  return parsed.value.type === 'block_actions' ? onBlockActions(p, req, v, parsed.value) : onViewSubmission(p, req, parsed.value);
}

/** POST /slack/commands/<workspace>: `/greenlight link` answers a single-use link URL, only to the user who typed it. */
export async function handleSlackCommand(p: Pipeline, req: SlackRequest): Promise<SlackAnswer> {
  const v = await verify(p, req);
  if (isAnswer(v)) return v;
  const cmd = parseSlackCommand(req.body);
  if (!cmd) return answer(400, { error: 'not a slash command' });
  if (cmd.text.trim().toLowerCase() !== 'link') {
    return answer(200, { response_type: 'ephemeral', text: 'Greenlight: `/greenlight link` links your Slack account to your reviewer identity, so your clicks on approval messages count as you.' });
  }
  const url = await linkUrl(p, slackPrincipal(cmd.team_id, cmd.user_id), req.origin);
  return answer(200, { response_type: 'ephemeral', text: `Open ${url} within ten minutes (it works once), sign in there as yourself, and confirm the link.` });
}
