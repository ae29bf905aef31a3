/** Slack: request signatures (Slack's v0 scheme), the payloads read, the messages sent, and which events reach Slack. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  channelOf,
  parseSlackAction,
  parseSlackCommand,
  parseSlackInteraction,
  parseSlackSubmission,
  slackApprovalMessage,
  slackDecisionModal,
  slackEscape,
  slackIntentsOf,
  slackSignature,
  verifySlackRequest,
  type ApprovalRecord,
  type EventContent,
} from '../src/index.ts';

const HASH = 'a'.repeat(64);
const NOW = 1_800_000_000_000;
const ts = (ms: number) => String(Math.floor(ms / 1000));

/** Hex HMAC-SHA256 computed here, independently of the code under test. */
async function hmacHex(key: string, message: string): Promise<string> {
  const k = await crypto.subtle.importKey('raw', new TextEncoder().encode(key), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return Array.from(new Uint8Array(await crypto.subtle.sign('HMAC', k, new TextEncoder().encode(message))), (b) => b.toString(16).padStart(2, '0')).join('');
}

describe('slack request signatures', () => {
  it("signs 'v0:<timestamp>:<body>' with HMAC-SHA256, hex, prefixed v0=", async () => {
    expect(await slackSignature('s3cret', '1531420618', 'token=x&team_id=T1')).toBe(`v0=${await hmacHex('s3cret', 'v0:1531420618:token=x&team_id=T1')}`);
  });

  it('accepts what it signed, within five minutes either side, for any body and secret', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ minLength: 1, maxLength: 40 }), fc.string({ maxLength: 300 }), fc.integer({ min: -300, max: 300 }), async (secret, body, skew) => {
        const timestamp = ts(NOW + skew * 1000);
        const signature = await slackSignature(secret, timestamp, body);
        expect(await verifySlackRequest({ secret, timestamp, signature, body, nowMs: NOW })).toEqual({ ok: true });
      }),
      { numRuns: 50 },
    );
  });

  it('refuses a changed body, another secret, or a timestamp changed after signing', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ minLength: 1, maxLength: 40 }), fc.string({ minLength: 1, maxLength: 200 }), fc.nat({ max: 199 }), async (secret, body, at) => {
        const timestamp = ts(NOW);
        const signature = await slackSignature(secret, timestamp, body);
        const i = at % body.length;
        const changed = body.slice(0, i) + String.fromCharCode((body.charCodeAt(i) + 1) % 0xffff) + body.slice(i + 1);
        expect(await verifySlackRequest({ secret, timestamp, signature, body: changed, nowMs: NOW })).toEqual({ ok: false, reason: 'bad_signature' });
        expect(await verifySlackRequest({ secret: `${secret}x`, timestamp, signature, body, nowMs: NOW })).toEqual({ ok: false, reason: 'bad_signature' });
        expect(await verifySlackRequest({ secret, timestamp: ts(NOW - 1000), signature, body, nowMs: NOW })).toEqual({ ok: false, reason: 'bad_signature' });
      }),
      { numRuns: 50 },
    );
  });

  it('refuses a replay: a timestamp more than five minutes away, however well signed', async () => {
    for (const skew of [-301, 301, -86_400]) {
      const timestamp = ts(NOW + skew * 1000);
      const signature = await slackSignature('k', timestamp, 'b');
      expect(await verifySlackRequest({ secret: 'k', timestamp, signature, body: 'b', nowMs: NOW })).toEqual({ ok: false, reason: 'stale_timestamp' });
    }
  });

  it('refuses missing or malformed headers before any HMAC', async () => {
    const good = await slackSignature('k', ts(NOW), 'b');
    expect(await verifySlackRequest({ secret: 'k', timestamp: null, signature: good, body: 'b', nowMs: NOW })).toMatchObject({ reason: 'missing_headers' });
    expect(await verifySlackRequest({ secret: 'k', timestamp: ts(NOW), signature: '', body: 'b', nowMs: NOW })).toMatchObject({ reason: 'missing_headers' });
    expect(await verifySlackRequest({ secret: 'k', timestamp: '1e9', signature: good, body: 'b', nowMs: NOW })).toMatchObject({ reason: 'bad_timestamp' });
    expect(await verifySlackRequest({ secret: 'k', timestamp: ts(NOW), signature: good.replace('v0=', 'v1='), body: 'b', nowMs: NOW })).toMatchObject({ reason: 'bad_signature' });
    expect(await verifySlackRequest({ secret: 'k', timestamp: ts(NOW), signature: good.toUpperCase(), body: 'b', nowMs: NOW })).toMatchObject({ reason: 'bad_signature' });
    expect(await verifySlackRequest({ secret: 'k', timestamp: ts(NOW), signature: good.slice(0, -2), body: 'b', nowMs: NOW })).toMatchObject({ reason: 'bad_signature' });
  });
});

describe('slack payloads', () => {
  const value = JSON.stringify({ approvalId: 'ap1', paramsHash: HASH });

  it('reads a button bound to an approval and its params, and nothing else', () => {
    expect(parseSlackAction({ action_id: 'gl_approve', value })).toEqual({ decision: 'approve', approvalId: 'ap1', paramsHash: HASH });
    expect(parseSlackAction({ action_id: 'gl_request_changes', value })).toMatchObject({ decision: 'request_changes' });
    expect(parseSlackAction({ action_id: 'gl_modify', value })).toBeUndefined();
    expect(parseSlackAction({ action_id: 'gl_approve' })).toBeUndefined();
    expect(parseSlackAction({ action_id: 'gl_approve', value: '{"approvalId":"ap1"}' })).toBeUndefined();
    expect(parseSlackAction({ action_id: 'gl_approve', value: JSON.stringify({ approvalId: 'ap1', paramsHash: HASH, decision: 'reject' }) })).toBeUndefined();
    expect(parseSlackAction({ action_id: 'gl_approve', value: 'not json' })).toBeUndefined();
  });

  it('reads block_actions and view_submission from the form-encoded payload field; refuses anything else', () => {
    const click = { type: 'block_actions', team: { id: 'T1' }, user: { id: 'U1' }, actions: [{ action_id: 'gl_approve', value }], extra: { kept: true } };
    const r = parseSlackInteraction(new URLSearchParams({ payload: JSON.stringify(click) }).toString());
    expect(r).toMatchObject({ ok: true, value: { type: 'block_actions', team: { id: 'T1' } } });
    expect(parseSlackInteraction('payload=%7B')).toMatchObject({ ok: false });
    expect(parseSlackInteraction('nothing=1')).toMatchObject({ ok: false });
    expect(parseSlackInteraction(new URLSearchParams({ payload: JSON.stringify({ ...click, type: 'message_action' }) }).toString())).toMatchObject({ ok: false });
    expect(parseSlackInteraction(new URLSearchParams({ payload: JSON.stringify({ ...click, actions: [] }) }).toString())).toMatchObject({ ok: false });
  });

  it("reads a submitted modal's metadata and text only from Greenlight's own modal", () => {
    const meta = { approvalId: 'ap1', paramsHash: HASH, decision: 'answer' as const };
    const view = slackDecisionModal(meta, 'Which port?') as { callback_id: string; private_metadata: string };
    const payload = {
      type: 'view_submission' as const,
      team: null,
      user: { id: 'U1', team_id: 'T1' },
      view: { callback_id: view.callback_id, private_metadata: view.private_metadata, state: { values: { gl_text: { gl_text: { value: '8080' } } } } },
    };
    expect(parseSlackSubmission(payload)).toEqual({ ...meta, text: '8080' });
    expect(parseSlackSubmission({ ...payload, view: { ...payload.view, callback_id: 'other' } })).toBeUndefined();
    expect(parseSlackSubmission({ ...payload, view: { ...payload.view, private_metadata: '{"approvalId":"ap1"}' } })).toBeUndefined();
  });

  it('reads a slash command', () => {
    expect(parseSlackCommand('team_id=T1&user_id=U1&command=%2Fgreenlight&text=link')).toMatchObject({ team_id: 'T1', user_id: 'U1', text: 'link' });
    expect(parseSlackCommand('team_id=T1&command=%2Fgreenlight')).toBeUndefined();
  });
});

const record = (over: Partial<ApprovalRecord> = {}): ApprovalRecord => ({
  approvalId: 'ap1',
  taskId: 'task1',
  stepId: 'step1',
  status: 'open',
  revision: 1,
  paramsHash: HASH,
  requestedAt: NOW,
  decidedBy: [],
  votes: [],
  stepStatus: 'awaiting_approval',
  taskStatus: 'active',
  approval: {
    approvalId: 'ap1',
    taskId: 'task1',
    taskTitle: 'ship <!channel>',
    stepId: 'step1',
    stepKey: 'deploy',
    revision: 1,
    kind: 'run_command',
    checkpoint: 'before_command_execution',
    title: 'deploy <https://evil.example|click me> @here',
    risk: { level: 'high', reason: 'deploys', source: 'default' },
    params: { command: 'make deploy && echo <b>' },
    paramsHash: HASH,
    options: ['approve', 'request_changes', 'reject', 'modify'],
    requiresTextInput: false,
    requiredApprovals: 2,
    votes: [{ principal: 'slack:T1:U1', decision: 'approve', at: NOW, identitySource: 'slack', authStrength: 'sso', person: 'alice' }],
    requestedAt: NOW,
    defaultOnTimeout: 'reject',
    createdBy: 'agent',
  },
  ...over,
});

describe('slack messages', () => {
  it('an open approval has buttons bound to approvalId and paramsHash, and its votes with where they came from', () => {
    const r = record();
    const m = slackApprovalMessage({ ...r, votes: r.approval!.votes }, 'ws');
    const actions = m.blocks.find((b) => b.type === 'actions') as { elements: { action_id: string; value: string }[] };
    expect(actions.elements.map((e) => e.action_id)).toEqual(['gl_approve', 'gl_reject', 'gl_request_changes']);
    for (const e of actions.elements) expect(JSON.parse(e.value)).toEqual({ approvalId: 'ap1', paramsHash: HASH });
    expect(JSON.stringify(m.blocks)).toContain('1 of 2 approvals. alice as slack:T1:U1 (via Slack): approve');
  });

  it('what an agent wrote is never mrkdwn: titles are plain_text and params an escaped code block', () => {
    const m = slackApprovalMessage(record(), 'ws');
    for (const b of m.blocks) {
      const text = (b as { text?: { type: string; text: string } }).text;
      if (text?.type === 'mrkdwn') {
        expect(text.text.startsWith('```')).toBe(true);
        expect(text.text).not.toMatch(/<|>/);
      }
    }
    expect(slackEscape('<!channel> & <x|y>')).toBe('&lt;!channel&gt; &amp; &lt;x|y&gt;');
  });

  it('a question gets one Answer button; a closed approval has no buttons and says who decided, through which channel', () => {
    const q = record();
    const asked = slackApprovalMessage({ ...q, approval: { ...q.approval!, kind: 'clarify', requiresTextInput: true } }, 'ws');
    expect((asked.blocks.find((b) => b.type === 'actions') as { elements: { action_id: string }[] }).elements.map((e) => e.action_id)).toEqual(['gl_answer']);
    const closed = slackApprovalMessage(record({ status: 'rejected', decidedBy: ['bob'], decision: { decision: 'reject', by: ['bob'], at: NOW, feedback: 'no' } }), 'ws');
    expect(closed.blocks.some((b) => b.type === 'actions')).toBe(false);
    expect(JSON.stringify(closed.blocks)).toContain('Rejected by bob (via an API key).');
    expect(closed.text).toContain('rejected');
  });

  it('a refused click is noted on the message', () => {
    const m = slackApprovalMessage(record({ status: 'superseded' }), 'ws', { kind: 'refused', user: 'U1', reason: 'the step changed <b>' });
    expect(m.blocks[1]).toEqual({ type: 'context', elements: [{ type: 'mrkdwn', text: 'A click by <@U1> was refused: the step changed &lt;b&gt;' }] });
    // An id that is not Slack's shape is never put into a mention.
    const odd = slackApprovalMessage(record(), 'ws', { kind: 'refused', user: 'U1> <!channel', reason: 'x' });
    expect(odd.blocks[1]).toMatchObject({ type: 'context', elements: [{ type: 'plain_text' }] });
  });

  it('names the channel a decider used: the vote says, else the principal', () => {
    expect(channelOf('oidc:https://idp#123')).toBe('oidc');
    expect(channelOf('link:abc')).toBe('link');
    expect(channelOf('slack:T:U')).toBe('slack');
    expect(channelOf('alice')).toBe('key');
    expect(channelOf('alice', [{ principal: 'alice', decision: 'approve', at: 0, identitySource: 'oidc' }])).toBe('oidc');
  });
});

describe('slack intents', () => {
  const move = (type: string, from: string, to: string, extra: Record<string, unknown> = {}) => ({ type, taskId: 't', stepId: 's', data: { from, to, revision: 1, ...extra } }) as EventContent;

  it('an opened approval is posted; a decision, vote or expiry updates the step; a revision does both', () => {
    expect(slackIntentsOf(move('approval.requested', 'pending', 'awaiting_approval', { approvalId: 'a1' }))).toEqual([{ kind: 'post', approvalId: 'a1', note: { kind: 'requested' } }]);
    expect(slackIntentsOf(move('step.approved', 'awaiting_approval', 'approved', { by: ['x'] }))).toEqual([{ kind: 'update', stepId: 's' }]);
    expect(slackIntentsOf(move('approval.expired', 'awaiting_approval', 'rejected', { defaultOnTimeout: 'reject' }))).toEqual([{ kind: 'update', stepId: 's' }]);
    expect(slackIntentsOf({ type: 'approval.voted', taskId: 't', stepId: 's', data: { approvalId: 'a1', principal: 'x', votes: 1, required: 2 } })).toEqual([{ kind: 'update', stepId: 's' }]);
    expect(slackIntentsOf(move('step.revised', 'awaiting_approval', 'awaiting_approval', { paramsHash: HASH, approvalId: 'a2' }))).toEqual([
      { kind: 'update', stepId: 's' },
      { kind: 'post', approvalId: 'a2', note: { kind: 'requested' } },
    ]);
    expect(slackIntentsOf(move('step.claimed', 'approved', 'executing', { attempt: 1, holder: 'h', leaseExpiresAt: 1 }))).toEqual([]);
  });

  it('reminders and escalations are posted again by their type name, whenever those events exist', () => {
    const loose = (type: string, data: Record<string, unknown>) => JSON.parse(JSON.stringify({ type, taskId: 't', stepId: 's', data })) as EventContent;
    expect(slackIntentsOf(loose('approval.reminded', { approvalId: 'a1', taskId: 't', stepId: 's' }))).toEqual([{ kind: 'post', approvalId: 'a1', note: { kind: 'reminded' } }]);
    expect(slackIntentsOf(loose('approval.escalated', { approvalId: 'a1', group: 'security' }))).toEqual([{ kind: 'post', approvalId: 'a1', note: { kind: 'escalated', group: 'security' } }]);
  });
});
