/**
 * The Slack messages and modal Greenlight sends (Block Kit, https://api.slack.com/block-kit),
 * built from an approval as approvals.get returns it. Pure: the object renders the
 * approval's state at send time, so a message posted late still shows the truth, and the
 * same function answers "post", "update after a decision" and "update after a refused click".
 *
 * Everything an agent wrote (titles, params, feedback) goes out as `plain_text` or inside
 * an escaped code block: a step title cannot ping `@channel` or forge a link.
 */
import type { ApprovalRecord } from '../schemas/api.ts';
import type { IdentitySource } from '../identity.ts';
import type { Vote } from '../schemas/step.ts';
import { SLACK_MODAL, slackActionId, type SlackBinding, type SlackDecision, type SlackModalMetadata } from './payload.ts';

/** A Block Kit block, as JSON. */
export type SlackBlock = Record<string, unknown>;
/** What chat.postMessage / chat.update take besides channel and ts: `text` is the notification's fallback. */
export type SlackMessage = { text: string; blocks: SlackBlock[] };

/** Why a message is (re)sent: a new approval, a reminder, an escalation (with its group). */
export type SlackNote =
  | { kind: 'requested' }
  | { kind: 'reminded' }
  | { kind: 'escalated'; group?: string | undefined }
  | { kind: 'refused' /** The Slack user id who clicked. */; user: string; reason: string };

const clip = (s: string, n: number): string => (s.length <= n ? s : `${s.slice(0, n - 1)}…`);
/** Slack's mrkdwn escapes: only &, < and > (https://api.slack.com/reference/surfaces/formatting#escaping). */
export const slackEscape = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const plain = (text: string, n = 3000) => ({ type: 'plain_text', text: clip(text, n), emoji: false });

const SOURCE_LABEL: Record<IdentitySource, string> = { key: 'an API key', oidc: 'sign-in', slack: 'Slack', link: 'a one-click link' };

/** Through which channel a principal decided: its vote's identitySource when recorded, else what its principal's prefix says. */
export function channelOf(principal: string, votes: readonly Vote[] = []): IdentitySource {
  const v = votes.find((x) => x.principal === principal && x.identitySource);
  if (v?.identitySource) return v.identitySource;
  if (principal.startsWith('slack:')) return 'slack';
  if (principal.startsWith('oidc:')) return 'oidc';
  if (principal.startsWith('link:')) return 'link';
  return 'key';
}

/** `alice (via Slack)`: a decider as the message names them: the person they count for, and where they decided. */
export function deciderLabel(principal: string, votes: readonly Vote[] = []): string {
  const person = votes.find((x) => x.principal === principal)?.person;
  const who = person && person !== principal ? `${person} as ${principal}` : principal;
  return `${who} (via ${SOURCE_LABEL[channelOf(principal, votes)]})`;
}

const OUTCOME: Record<ApprovalRecord['status'], string> = {
  open: 'Waiting for a decision',
  approved: 'Approved',
  rejected: 'Rejected',
  changes_requested: 'Changes requested',
  skipped: 'Skipped',
  answered: 'Answered',
  expired: 'Expired',
  cancelled: 'Cancelled',
  blocked: 'Blocked',
  superseded: 'Superseded by a newer revision',
};

/** The buttons an open approval offers: a question gets Answer; anything else Approve, Reject, Request changes. */
export function slackButtons(r: ApprovalRecord): SlackDecision[] {
  const a = r.approval;
  if (!a) return [];
  if (a.kind === 'clarify' || a.requiresTextInput) return ['answer'];
  const out: SlackDecision[] = [];
  if (a.options.includes('approve')) out.push('approve');
  if (a.options.includes('reject')) out.push('reject');
  if (a.options.includes('request_changes')) out.push('request_changes');
  return out;
}

const BUTTON_TEXT: Record<SlackDecision, string> = { approve: 'Approve', reject: 'Reject', request_changes: 'Request changes', answer: 'Answer' };
const BUTTON_STYLE: Partial<Record<SlackDecision, string>> = { approve: 'primary', reject: 'danger' };

function button(d: SlackDecision, binding: SlackBinding): SlackBlock {
  const style = BUTTON_STYLE[d];
  return { type: 'button', action_id: slackActionId(d), text: plain(BUTTON_TEXT[d], 75), value: JSON.stringify(binding), ...(style ? { style } : {}) };
}

function noteLine(note: SlackNote): string | undefined {
  switch (note.kind) {
    case 'reminded':
      return 'Reminder: this approval is still waiting.';
    case 'escalated':
      return `Escalated${note.group ? ` to group ${note.group}` : ''}: this approval is still waiting.`;
    case 'refused':
      return `A click by ${note.user} was refused: ${note.reason}`;
    case 'requested':
      return undefined;
  }
}

/**
 * The message for one approval: what it asks (task, step, risk, params), its votes so far,
 * and either the buttons (open, bound to approvalId + paramsHash) or the outcome with who
 * decided and through which channel. `workspaceId` names the workspace in the text.
 */
export function slackApprovalMessage(r: ApprovalRecord, workspaceId: string, note: SlackNote = { kind: 'requested' }): SlackMessage {
  const a = r.approval;
  const title = a ? a.title : `step ${r.stepId}`;
  const blocks: SlackBlock[] = [{ type: 'header', text: plain(`${r.status === 'open' ? 'Approval requested' : OUTCOME[r.status]}: ${title}`, 150) }];
  const line = noteLine(note);
  // A refused click mentions its user (mrkdwn <@U…>, an id Slack signed); the reason is escaped.
  if (note.kind === 'refused' && /^[A-Z0-9]{1,64}$/i.test(note.user)) {
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: clip(`A click by <@${note.user}> was refused: ${slackEscape(note.reason)}`, 2000) }] });
  } else if (line) blocks.push({ type: 'context', elements: [plain(line, 2000)] });
  if (a) {
    blocks.push({
      type: 'section',
      text: plain(`Task: ${a.taskTitle}\nStep: ${a.stepKey} (${a.kind}, revision ${a.revision})\nRisk: ${a.risk.level}: ${a.risk.reason}${a.explanation ? `\n${a.explanation}` : ''}`),
    });
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: `\`\`\`${slackEscape(clip(JSON.stringify(a.params, null, 2), 2800))}\`\`\`` } });
  }
  if (r.votes.length > 0 || (a && a.requiredApprovals > 1)) {
    const required = a?.requiredApprovals ?? r.votes.length;
    const voters = r.votes.map((v) => `${deciderLabel(v.principal, r.votes)}: ${v.decision}`).join('; ');
    blocks.push({ type: 'context', elements: [plain(`Votes: ${r.votes.filter((v) => v.decision === 'approve').length} of ${required} approvals${voters ? `. ${voters}` : ''}`, 2000)] });
  }
  let text: string;
  if (r.status === 'open') {
    const buttons = slackButtons(r).map((d) => button(d, { approvalId: r.approvalId, paramsHash: r.paramsHash }));
    if (buttons.length > 0) blocks.push({ type: 'actions', block_id: 'gl_decide', elements: buttons });
    text = `[${workspaceId}] approval requested: ${title}`;
  } else {
    const by = r.decidedBy.length > 0 ? r.decidedBy.map((p) => deciderLabel(p, r.votes)).join(', ') : r.closedBy === 'system' || !r.closedBy ? 'the clock or a rule' : r.closedBy;
    const said = r.decision?.feedback ?? r.decision?.answer;
    blocks.push({ type: 'section', text: plain(`${OUTCOME[r.status]} by ${by}.${said ? `\n“${said}”` : ''}`) });
    text = `[${workspaceId}] ${OUTCOME[r.status].toLowerCase()}: ${title}, by ${by}`;
  }
  blocks.push({ type: 'context', elements: [plain(`Greenlight ${workspaceId} · approval ${r.approvalId}`, 2000)] });
  return { text: clip(text, 3000), blocks };
}

/** The modal (views.open) that asks a reviewer for the text of a request for changes or an answer. */
export function slackDecisionModal(meta: SlackModalMetadata, title: string): Record<string, unknown> {
  const asking = meta.decision === 'answer';
  return {
    type: 'modal',
    callback_id: SLACK_MODAL.callbackId,
    private_metadata: JSON.stringify(meta),
    title: plain(asking ? 'Answer' : 'Request changes', 24),
    submit: plain('Send', 24),
    close: plain('Cancel', 24),
    blocks: [
      { type: 'section', text: plain(title) },
      {
        type: 'input',
        block_id: SLACK_MODAL.block,
        label: plain(asking ? 'Your answer' : 'What should change', 2000),
        element: { type: 'plain_text_input', action_id: SLACK_MODAL.action, multiline: true, max_length: 3000 },
      },
    ],
  };
}
