/** Webhook signatures: Standard Webhooks (checked against the reference library) and Greenlight's own v1=. */
import fc from 'fast-check';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { newWebhookSecret, verifyStandardWebhook, webhookKeyBytes, webhookSignatureHeaders } from '../src/index.ts';

/** Hex HMAC-SHA256 with Web Crypto directly (core has no Node types). */
async function hmacHex(key: string, message: string): Promise<string> {
  const k = await crypto.subtle.importKey('raw', new TextEncoder().encode(key), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return Array.from(new Uint8Array(await crypto.subtle.sign('HMAC', k, new TextEncoder().encode(message))), (b) => b.toString(16).padStart(2, '0')).join('');
}

describe('webhook signatures', () => {
  it('a new secret signs deliveries that the standardwebhooks library verifies, for any JSON body', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.jsonValue().map((v) => JSON.stringify(v) ?? 'null'),
        fc.integer({ min: 1_600_000_000_000, max: 2_000_000_000_000 }),
        async (body, at) => {
          const secret = newWebhookSecret();
          const h = await webhookSignatureHeaders(secret, { id: 'msg_1', timestampMs: at, body });
          expect(h['webhook-timestamp']).toBe(String(Math.floor(at / 1000)));
          const wh = new StandardWebhook(secret);
          // The library checks the timestamp against its clock: sign "now" for it.
          const now = await webhookSignatureHeaders(secret, { id: 'msg_1', timestampMs: Date.now(), body });
          expect(() => wh.verify(body, { 'webhook-id': 'msg_1', 'webhook-timestamp': now['webhook-timestamp']!, 'webhook-signature': now['webhook-signature']! })).not.toThrow();
          expect(await verifyStandardWebhook(secret, h, body, at)).toBe(true);
          expect(await verifyStandardWebhook(secret, h, `${body}x`, at)).toBe(false);
          expect(await verifyStandardWebhook(secret, h, body, at + 301_000)).toBe(false);
        },
      ),
      { numRuns: 30 },
    );
  });

  it("keeps Greenlight's own v1= header: hex HMAC-SHA256 of '<ms>.<body>' keyed with the whole secret string", async () => {
    const secret = `whsec_AAAA-_${'x'.repeat(37)}`;
    const h = await webhookSignatureHeaders(secret, { id: 'd1', timestampMs: 1234, body: '{"a":1}' });
    expect(h['x-greenlight-timestamp']).toBe('1234');
    expect(h['x-greenlight-signature']).toBe(`v1=${await hmacHex(secret, '1234.{"a":1}')}`);
    // A secret minted before Standard Webhooks (base64url) still gets the standard header, keyed by its decoded bytes.
    expect(webhookKeyBytes(secret)).toBeDefined();
    expect(await verifyStandardWebhook(secret, h, '{"a":1}', 1234)).toBe(true);
  });

  it('a wrong secret, a wrong id or a missing header does not verify', async () => {
    const secret = newWebhookSecret();
    const h = await webhookSignatureHeaders(secret, { id: 'd1', timestampMs: 5_000_000, body: 'b' });
    expect(await verifyStandardWebhook(newWebhookSecret(), h, 'b', 5_000_000)).toBe(false);
    expect(await verifyStandardWebhook(secret, { ...h, 'webhook-id': 'd2' }, 'b', 5_000_000)).toBe(false);
    expect(await verifyStandardWebhook(secret, { ...h, 'webhook-signature': undefined }, 'b', 5_000_000)).toBe(false);
  });
});
