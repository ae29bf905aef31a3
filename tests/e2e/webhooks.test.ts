/**
 * Webhooks against real local receivers: signed deliveries for approvals requested,
 * decided and expired and tasks finished; retries with backoff from the object's alarm;
 * and no signing secret or key readable in the SQLite files on disk.
 */
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { createHmac } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
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
  // Retries start at 200 ms here so the test sees two of them quickly; receivers are on
  // 127.0.0.1, which only local development allows.
  server = await startTestServer({ WEBHOOK_RETRY_BASE_MS: '200', WEBHOOK_ALLOW_PRIVATE: 'true', GREENLIGHT_DATA_KEY: 'e2e-data-key' });
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
    // And the Standard Webhooks scheme: the reference library verifies it with the secret as shown.
    expect(requested.headers['webhook-id']).toBe(requested.headers['x-greenlight-delivery']);
    const standard = new StandardWebhook(secret).verify(requested.body, {
      'webhook-id': String(requested.headers['webhook-id']),
      'webhook-timestamp': String(requested.headers['webhook-timestamp']),
      'webhook-signature': String(requested.headers['webhook-signature']),
    }) as { event: string };
    expect(standard.event).toBe('approval.requested');
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

  it('delivers approval.expired, signed, when an approval times out', async () => {
    const keys = await createWorkspace(server, 'hooks-expiry', { agent: 'agent' });
    const owner = createClient({ url: server.url, key: keys.admin });
    const { policy } = await owner.policy.get.query();
    await owner.policy.set.mutate({ policy: { ...policy, rules: [{ match: { kind: 'run_command' }, action: 'ask', timeoutSeconds: 1, defaultOnTimeout: 'reject' }] } });
    const rx = await receiver();
    const { secret } = await owner.webhooks.create.mutate({ url: rx.url, events: ['approval.expired'] });
    const task = await createClient({ url: server.url, key: keys.agent }).plan({
      title: 'expires',
      steps: [{ key: 'x', kind: 'run_command', title: 'deploy', params: { command: 'make deploy' } }],
    });
    const expired = await until(() => rx.received.find((r) => r.headers['x-greenlight-event'] === 'approval.expired'));
    const ts = String(expired.headers['x-greenlight-timestamp']);
    // The timestamp is epoch milliseconds, taken when the delivery was sent.
    expect(Math.abs(Number(ts) - expired.at)).toBeLessThan(5_000);
    expect(expired.headers['x-greenlight-signature']).toBe(`v1=${createHmac('sha256', secret).update(`${ts}.${expired.body}`).digest('hex')}`);
    const body = JSON.parse(expired.body) as { event: string; text: string; deliveryId: string; data: { type: string; taskId: string; stepId: string } };
    expect(body.event).toBe('approval.expired');
    expect(body.deliveryId).toBe(expired.headers['x-greenlight-delivery']);
    expect(body.data).toMatchObject({ type: 'approval.expired', taskId: task.id, stepId: task.steps[0]!.id });
    expect(body.text).toContain('approval expired, reject applied');
    // Only the expiry was asked for, and it came once.
    expect(rx.received.map((r) => r.headers['x-greenlight-event'])).toEqual(['approval.expired']);
    expect((await owner.tasks.get.query({ taskId: task.id })).steps[0]!.status).toBe('rejected');
    rx.close();
  });

  it('keeps no key or signing secret readable in the SQLite files on disk, idempotent repeats included', async () => {
    const made = await admin.keys.create.mutate({ principal: 'ci', role: 'agent', idempotencyKey: 'disk-key' });
    const hook = await admin.webhooks.create.mutate({ url: 'http://127.0.0.1:9/disk', idempotencyKey: 'disk-hook' });
    expect(await admin.keys.create.mutate({ principal: 'ci', role: 'agent', idempotencyKey: 'disk-key' })).toEqual(made);
    expect(await admin.webhooks.create.mutate({ url: 'http://127.0.0.1:9/disk', idempotencyKey: 'disk-hook' })).toEqual(hook);
    const files = (readdirSync(server.stateDir, { recursive: true, withFileTypes: true }) as { isFile(): boolean; name: string; parentPath: string }[])
      .filter((f) => f.isFile())
      .map((f) => join(f.parentPath, f.name));
    expect(files.some((f) => f.endsWith('.sqlite'))).toBe(true);
    // The bare secret follows gl_<workspace>_ (the workspace id has no '_'); the last '_' would cut a
    // secret that holds one down to a few characters, found in any binary file.
    const needles = [made.key, made.key.replace(/^gl_[a-z0-9-]+_/, ''), hook.secret, hook.secret.slice('whsec_'.length)];
    const found = files.flatMap((f) => {
      const bytes = readFileSync(f);
      return needles.filter((n) => bytes.includes(n)).map((n) => `${f} holds ${n.slice(0, 10)}…`);
    });
    expect(found).toEqual([]);
  });

  it('is admin only and rejects a bad URL', async () => {
    expect(((await reviewer.webhooks.list.query().catch((e: unknown) => e)) as { code: string }).code).toBe('FORBIDDEN');
    expect(((await admin.webhooks.create.mutate({ url: 'ftp://x' }).catch((e: unknown) => e)) as { code: string }).code).toBe('BAD_REQUEST');
  });
});
