/**
 * Slack, played locally for tests: a Web API server on 127.0.0.1 that records every call
 * (chat.postMessage, chat.update, chat.postEphemeral, views.open) and answers as Slack does,
 * and a sender that posts interactions and slash commands to the Worker signed exactly as
 * Slack signs them (HMAC-SHA256 of `v0:<timestamp>:<raw body>`, node:crypto, independent of
 * the code under test), or wrong, or with an old timestamp.
 */
import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export type SlackApiCall = { method: string; auth: string | undefined; body: Record<string, unknown> };

export type FakeSlackApi = { url: string; calls: SlackApiCall[]; close: () => void /** While true, every call answers HTTP 500 (Slack down). */; down: boolean };

/** A local stand-in for https://slack.com/api: records calls, answers `{ok: true, ...}` with a fresh ts for posts; the first `failFirst` calls answer HTTP 500. */
export async function fakeSlackApi(failFirst = 0): Promise<FakeSlackApi> {
  const calls: SlackApiCall[] = [];
  let seq = 0;
  const api = { down: false };
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      const method = (req.url ?? '').replace(/^\/api\//, '');
      const body = JSON.parse(raw || '{}') as Record<string, unknown>;
      calls.push({ method, auth: req.headers.authorization, body });
      if (calls.length <= failFirst || api.down) {
        res.statusCode = 500;
        res.end();
        return;
      }
      res.setHeader('content-type', 'application/json');
      const ts = `1700000000.${String(++seq).padStart(6, '0')}`;
      res.end(JSON.stringify(method === 'chat.postMessage' ? { ok: true, channel: body.channel, ts } : { ok: true, ts: body.ts ?? ts }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return Object.assign(api, { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`, calls, close: () => server.close() });
}

/** How a test request is signed: Slack's way by default; a wrong secret or a shifted clock to attack. */
export type SignOptions = { secret?: string; timestamp?: number; signature?: string };

/** Slack's signature over a body at a timestamp (epoch seconds). */
export const signSlack = (secret: string, timestamp: number, body: string): string => `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;

export type SlackSender = {
  /** POST a form body to /slack/<kind>/<workspace>, signed. */
  send(kind: 'interactions' | 'commands', body: string, opts?: SignOptions): Promise<Response>;
  /** A button click (block_actions) by a user on a message. */
  click(user: { team: string; id: string }, action: { action_id: string; value: string }, message: { channel: string; ts: string }, opts?: SignOptions): Promise<Response>;
  /** A modal submitted (view_submission) with its private_metadata and text. */
  submit(user: { team: string; id: string }, view: { callback_id: string; private_metadata: string }, text: string, opts?: SignOptions): Promise<Response>;
  /** A slash command. */
  command(user: { team: string; id: string }, text: string, opts?: SignOptions): Promise<Response>;
};

export function slackSender(baseUrl: () => string, workspaceId: string, secret: string): SlackSender {
  const send: SlackSender['send'] = (kind, body, opts = {}) => {
    const timestamp = opts.timestamp ?? Math.floor(Date.now() / 1000);
    return fetch(`${baseUrl()}/slack/${kind}/${workspaceId}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-slack-request-timestamp': String(timestamp),
        'x-slack-signature': opts.signature ?? signSlack(opts.secret ?? secret, timestamp, body),
      },
      body,
    });
  };
  const interaction = (payload: unknown, opts?: SignOptions) => send('interactions', new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), opts);
  return {
    send,
    click: (user, action, message, opts) =>
      interaction(
        {
          type: 'block_actions',
          team: { id: user.team, domain: 'example' },
          user: { id: user.id, username: user.id, team_id: user.team },
          api_app_id: 'A0TEST',
          token: 'legacy-verification-token',
          trigger_id: `trigger-${Math.random().toString(36).slice(2)}`,
          response_url: 'https://hooks.slack.com/actions/T/1/x',
          container: { type: 'message', message_ts: message.ts, channel_id: message.channel, is_ephemeral: false },
          channel: { id: message.channel, name: 'approvals' },
          message: { ts: message.ts, type: 'message' },
          actions: [{ type: 'button', block_id: 'gl_decide', action_ts: String(Date.now() / 1000), ...action }],
        },
        opts,
      ),
    submit: (user, view, text, opts) =>
      interaction(
        {
          type: 'view_submission',
          team: { id: user.team, domain: 'example' },
          user: { id: user.id, username: user.id, team_id: user.team },
          api_app_id: 'A0TEST',
          trigger_id: `trigger-${Math.random().toString(36).slice(2)}`,
          view: { id: 'V0TEST', type: 'modal', ...view, state: { values: { gl_text: { gl_text: { type: 'plain_text_input', value: text } } } } },
        },
        opts,
      ),
    command: (user, text, opts) =>
      send(
        'commands',
        new URLSearchParams({
          token: 'legacy',
          team_id: user.team,
          team_domain: 'example',
          channel_id: 'C0TEST',
          user_id: user.id,
          user_name: user.id,
          command: '/greenlight',
          text,
          trigger_id: 'trig',
        }).toString(),
        opts,
      ),
  };
}

/** Poll until `probe` answers something (a local server's log fills asynchronously). */
export async function until<T>(probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}
