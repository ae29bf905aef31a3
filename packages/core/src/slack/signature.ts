/**
 * Slack's request signing, as Slack specifies it ("Verifying requests from Slack",
 * https://api.slack.com/authentication/verifying-requests-from-slack): every request Slack
 * sends carries `X-Slack-Request-Timestamp` (epoch **seconds**) and
 * `X-Slack-Signature: v0=<hex HMAC-SHA256(signing secret, "v0:<timestamp>:<raw body>")>`.
 * A request older or newer than five minutes is refused (a replay), whatever its signature.
 * Web Crypto only; the comparison is `crypto.subtle.verify`, which is constant-time.
 */

/** Slack's two signing headers (lower case, as the Fetch API reads them). */
export const SLACK_HEADERS = { signature: 'x-slack-signature', timestamp: 'x-slack-request-timestamp' } as const;

/** How far a request's timestamp may be from our clock: five minutes, as Slack says. */
export const SLACK_REPLAY_WINDOW_SECONDS = 300;

const encoder = new TextEncoder();

/** The string Slack signs: `v0:<timestamp>:<raw body>`. */
export const slackBaseString = (timestamp: string, body: string): string => `v0:${timestamp}:${body}`;

const hmacKey = (secret: string, usage: 'sign' | 'verify') => crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, [usage]);

/** `v0=<hex>`: the signature Slack sends for `body` at `timestamp` (epoch seconds, as a string). Tests sign with it as Slack does. */
export async function slackSignature(secret: string, timestamp: string, body: string): Promise<string> {
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', await hmacKey(secret, 'sign'), encoder.encode(slackBaseString(timestamp, body))));
  return `v0=${Array.from(mac, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

/** Why a request was refused; `ok` when it is Slack's. */
export type SlackVerdict = { ok: true } | { ok: false; reason: 'missing_headers' | 'bad_timestamp' | 'stale_timestamp' | 'bad_signature' };

const SIGNATURE = /^v0=([0-9a-f]{64})$/;
const TIMESTAMP = /^[0-9]{1,12}$/;

/**
 * Whether a request is Slack's: the timestamp within five minutes of `nowMs` (either side),
 * and the signature the HMAC of the raw body under `secret`. The body must be the bytes as
 * received (before any form parsing): one changed byte fails.
 */
export async function verifySlackRequest(input: { secret: string; timestamp: string | null | undefined; signature: string | null | undefined; body: string; nowMs: number }): Promise<SlackVerdict> {
  const { secret, timestamp, signature, body, nowMs } = input;
  if (!timestamp || !signature) return { ok: false, reason: 'missing_headers' };
  if (!TIMESTAMP.test(timestamp)) return { ok: false, reason: 'bad_timestamp' };
  if (Math.abs(nowMs / 1000 - Number(timestamp)) > SLACK_REPLAY_WINDOW_SECONDS) return { ok: false, reason: 'stale_timestamp' };
  const m = SIGNATURE.exec(signature);
  if (!m) return { ok: false, reason: 'bad_signature' };
  const mac = Uint8Array.from(m[1]!.match(/../g)!, (h) => Number.parseInt(h, 16));
  const good = await crypto.subtle.verify('HMAC', await hmacKey(secret, 'verify'), mac, encoder.encode(slackBaseString(timestamp, body)));
  return good ? { ok: true } : { ok: false, reason: 'bad_signature' };
}
