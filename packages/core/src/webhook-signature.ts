/**
 * Webhook signatures, two schemes on every delivery (Web Crypto only; Workers, browsers, Node):
 *
 * - Standard Webhooks (https://www.standardwebhooks.com, spec v1): `webhook-id` (the
 *   delivery id, the same on every retry), `webhook-timestamp` (epoch **seconds**) and
 *   `webhook-signature: v1,<base64 HMAC-SHA256(key, "<id>.<timestamp>.<body>")>`, where the
 *   key is the base64-decoded part of the secret after `whsec_`. Any Standard Webhooks
 *   library (e.g. npm `standardwebhooks`) verifies it with the secret as shown.
 * - Greenlight's own, kept for receivers written against it: `x-greenlight-timestamp`
 *   (epoch ms) and `x-greenlight-signature: v1=<hex HMAC-SHA256(secret as UTF-8, "<timestamp>.<body>")>`.
 */
import { WEBHOOK_HEADERS } from './schemas/webhook.ts';
import { webhookSignedPayload } from './webhooks.ts';

/** The Standard Webhooks headers. */
export const STANDARD_WEBHOOK_HEADERS = { id: 'webhook-id', timestamp: 'webhook-timestamp', signature: 'webhook-signature' } as const;

const encoder = new TextEncoder();

/** 32 random bytes as `whsec_<standard base64>`: the form Standard Webhooks libraries take as is. */
export function newWebhookSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return `whsec_${btoa(String.fromCharCode(...bytes))}`;
}

/**
 * The HMAC key of a `whsec_` secret: its base64 part decoded. Secrets made before Standard
 * Webhooks were base64url; both alphabets decode here (a receiver's library may need the
 * standard alphabet: replace `-` by `+` and `_` by `/`). Undefined when it is not base64.
 */
export function webhookKeyBytes(secret: string): Uint8Array | undefined {
  const b64 = secret
    .replace(/^whsec_/, '')
    .replace(/-/g, '+')
    .replace(/_/g, '/');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) return undefined;
  try {
    return Uint8Array.from(atob(b64.padEnd(Math.ceil(b64.length / 4) * 4, '=')), (c) => c.charCodeAt(0));
  } catch {
    return undefined;
  }
}

async function hmac(key: Uint8Array, message: string): Promise<Uint8Array> {
  const k = await crypto.subtle.importKey('raw', key as Uint8Array<ArrayBuffer>, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return new Uint8Array(await crypto.subtle.sign('HMAC', k, encoder.encode(message)));
}

const toHex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
const toBase64 = (b: Uint8Array): string => btoa(String.fromCharCode(...b));

/**
 * Every signature header of one delivery attempt: Standard Webhooks' three and
 * Greenlight's two. `timestampMs` is the attempt's time (epoch ms); `body` the exact bytes sent.
 */
export async function webhookSignatureHeaders(secret: string, msg: { id: string; timestampMs: number; body: string }): Promise<Record<string, string>> {
  const seconds = String(Math.floor(msg.timestampMs / 1000));
  const ms = String(msg.timestampMs);
  const key = webhookKeyBytes(secret);
  const standard: Record<string, string> = key
    ? {
        [STANDARD_WEBHOOK_HEADERS.id]: msg.id,
        [STANDARD_WEBHOOK_HEADERS.timestamp]: seconds,
        [STANDARD_WEBHOOK_HEADERS.signature]: `v1,${toBase64(await hmac(key, `${msg.id}.${seconds}.${msg.body}`))}`,
      }
    : {};
  return {
    ...standard,
    [WEBHOOK_HEADERS.timestamp]: ms,
    [WEBHOOK_HEADERS.signature]: `v1=${toHex(await hmac(encoder.encode(secret), webhookSignedPayload(ms, msg.body)))}`,
  };
}

/**
 * Check a Standard Webhooks signature (receivers and tests): it passes when one `v1,` signature of
 * the space-separated header matches, compared in constant time, and the timestamp is within
 * `toleranceS` seconds (default 300) of `nowMs`.
 */
export async function verifyStandardWebhook(secret: string, headers: Record<string, string | undefined>, body: string, nowMs: number, toleranceS = 300): Promise<boolean> {
  const id = headers[STANDARD_WEBHOOK_HEADERS.id];
  const ts = headers[STANDARD_WEBHOOK_HEADERS.timestamp];
  const sigs = headers[STANDARD_WEBHOOK_HEADERS.signature];
  const key = webhookKeyBytes(secret);
  if (!id || !ts || !sigs || !key || !/^\d+$/.test(ts) || Math.abs(nowMs / 1000 - Number(ts)) > toleranceS) return false;
  const want = `v1,${toBase64(await hmac(key, `${id}.${ts}.${body}`))}`;
  return sigs.split(' ').some((s) => s.length === want.length && constantTimeEqual(s, want));
}

function constantTimeEqual(a: string, b: string): boolean {
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}
