/**
 * Webhooks against real local receivers: signed deliveries for approvals requested,
 * decided and expired and tasks finished; retries with backoff from the object's alarm.
 */
import { createHmac } from 'node:crypto';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type GreenlightClient } from '@greenlight/sdk';
import { createWorkspace, startTestServer, type TestServer } from '../support/live-server.ts';

type Received = { headers: Record<string, string | string[] | undefined>; body: string; at: number };

/** A local receiver that answers `failFirst` requests with 500, then 200. */
async function receiver(failFirst = 0): Promise<{ url: string; received: Received[]; close: () => void; server: HttpServer }> {
  const received: Received[] = [];
  let seen = 0;
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push({ headers: req.headers, body, at: Date.now() });
      res.statusCode = seen++ < failFirst ? 500 : 200;
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, received, close: () => server.close(), server };
}

async function until<T>(probe: () => T | undefined, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

let server: TestServer;
let admin: GreenlightClient;
let agent: GreenlightClient;
let reviewer: GreenlightClient;

beforeAll(async () => {
  // Retries start at 200 ms here so the test sees two of them quickly.
  server = await startTestServer({ WEBHOOK_RETRY_BASE_MS: '200' });
  const keys = await createWorkspace(server, 'hooks', { agent: 'agent', reviewer: 'approver' });
  admin = createClient({ url: server.url, key: keys.admin });
  agent = createClient({ url: server.url, key: keys.agent });
  reviewer = createClient({ url: server.url, key: keys.reviewer });
});

afterAll(() => server?.stop());

describe('webhooks', () => {
  it('delivers signed notifications for requested, decided and finished, and retries a failing receiver', async () => {
    const ok = await receiver();
    const flaky = await receiver(2);
    const { webhook, secret } = await admin.webhooks.create.mutate({ url: ok.url });
    const slack = await admin.webhooks.create.mutate({ url: flaky.url, format: 'slack', events: ['approval.requested'] });
    expect(secret).toMatch(/^whsec_/);
    expect((await admin.webhooks.list.query()).items.map((w) => w.id)).toEqual([webhook.id, slack.webhook.id]);

    const task = await agent.plan({ title: 'notify me', steps: [{ key: 'x', kind: 'run_command', title: 'deploy', params: { command: 'make deploy' } }] });
    const requested = await until(() => ok.received.find((r) => r.headers['x-greenlight-event'] === 'approval.requested'));
    // The signature is HMAC-SHA256 over "<timestamp>.<body>" with the webhook's secret.
    const ts = String(requested.headers['x-greenlight-timestamp']);
    const expected = createHmac('sha256', secret).update(`${ts}.${requested.body}`).digest('hex');
    expect(requested.headers['x-greenlight-signature']).toBe(`v1=${expected}`);
    const body = JSON.parse(requested.body) as { text: string; event: string; data: { taskId: string } };
    expect(body.event).toBe('approval.requested');
    expect(body.data.taskId).toBe(task.id);
    expect(body.text).toContain('approval requested');

    const [approval] = (await reviewer.approvals.list.query({ taskId: task.id })).items;
    await reviewer.approvals.decide.mutate({ approvalId: approval!.approvalId, decision: 'reject', paramsHash: approval!.paramsHash, feedback: 'not on a Friday' });
    const decided = await until(() => ok.received.find((r) => r.headers['x-greenlight-event'] === 'approval.decided'));
    expect(JSON.parse(decided.body).text).toContain('not on a Friday');
    const finished = await until(() => ok.received.find((r) => r.headers['x-greenlight-event'] === 'task.finished'));
    expect(JSON.parse(finished.body).text).toContain('failed');

    // The flaky receiver failed twice, then took it; the Slack format is just { text }.
    await until(() => (flaky.received.length >= 3 ? true : undefined));
    expect(Object.keys(JSON.parse(flaky.received[2]!.body))).toEqual(['text']);
    expect(flaky.received[1]!.at - flaky.received[0]!.at).toBeGreaterThanOrEqual(90);
    const deliveries = (await admin.webhooks.deliveries.query({ webhookId: slack.webhook.id })).items;
    expect(deliveries).toHaveLength(1);
    expect(deliveries[0]).toMatchObject({ status: 'delivered', attempts: 3, lastStatus: 200, event: 'approval.requested' });
    const okLog = (await admin.webhooks.deliveries.query({ webhookId: webhook.id })).items;
    expect(okLog.every((d) => d.status === 'delivered' && d.attempts === 1)).toBe(true);
    ok.close();
    flaky.close();
  });

  it('is admin only and rejects a bad URL', async () => {
    expect(((await reviewer.webhooks.list.query().catch((e: unknown) => e)) as { code: string }).code).toBe('FORBIDDEN');
    expect(((await admin.webhooks.create.mutate({ url: 'ftp://x' }).catch((e: unknown) => e)) as { code: string }).code).toBe('BAD_REQUEST');
  });
});
