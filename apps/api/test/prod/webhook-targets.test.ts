/**
 * Webhook targets as a deployment sees them (WEBHOOK_ALLOW_PRIVATE unset): private and
 * local targets are refused at create and at delivery; public ones are delivered;
 * redirects are never followed. The outside world is vitest.prod.config.ts's
 * outboundService, which answers 200 to everything (302 for redirect.example.com).
 */
import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { stubOf } from '../deadlines.ts';
import { allEvents, errorOf, team } from '../harness.ts';

const oneStep = { title: 'notify', steps: [{ key: 'a', kind: 'run_command' as const, title: 'a', params: { command: 'make deploy' } }] };

describe('webhook targets in a deployment', () => {
  it.each([
    'http://127.0.0.1:9/hook',
    'http://2130706433/',
    'http://0x7f.1/',
    'http://[::1]/',
    'http://[::ffff:127.0.0.1]/',
    'http://169.254.169.254/latest/meta-data/',
    'http://10.1.2.3/',
    'http://192.168.0.1/',
    'http://100.64.0.1/',
    'http://[fd00::1]/',
    'http://localhost./',
    'http://api.localhost/',
    'http://printer.local/',
    'http://metadata.google.internal/',
    'http://intranet/',
    'http://user:pw@hooks.example.com/',
  ])('refuses %s at create, saying why, and changes nothing', async (url) => {
    const t = await team();
    const before = (await allEvents(t.admin)).length;
    const e = await errorOf(t.admin.webhooks.create.mutate({ url }));
    expect(e.code).toBe('BAD_REQUEST');
    expect(e.message).toMatch(/^webhook url refused: /);
    expect(e.issues).toEqual([expect.objectContaining({ path: ['url'] })]);
    expect((await t.admin.webhooks.list.query()).items).toEqual([]);
    expect(await allEvents(t.admin)).toHaveLength(before);
  });

  it('delivers to a public target, and the audit log names only its origin', async () => {
    const t = await team();
    const { webhook } = await t.admin.webhooks.create.mutate({ url: 'https://hooks.example.com/services/T0/B0/very-secret-path', events: ['approval.requested'] });
    expect(webhook.url).toBe('https://hooks.example.com/services/T0/B0/very-secret-path');
    const created = (await allEvents(t.viewer)).find((e) => e.type === 'webhook.created');
    expect(created?.data.url).toBe('https://hooks.example.com/…');
    await t.agent.plan(oneStep);
    await runDurableObjectAlarm(stubOf(t.id));
    const [d] = (await t.admin.webhooks.deliveries.query({ webhookId: webhook.id })).items;
    expect(d).toMatchObject({ status: 'delivered', attempts: 1, lastStatus: 200 });
  });

  it('fails a delivery to a private target stored earlier, without sending it', async () => {
    const t = await team();
    const { webhook } = await t.admin.webhooks.create.mutate({ url: 'https://hooks.example.com/x', events: ['approval.requested'] });
    // As if registered before targets were checked, or while this deployment allowed them.
    await runInDurableObject(stubOf(t.id), (_o, state) => {
      state.storage.sql.exec(`UPDATE webhooks SET url = 'http://169.254.169.254/latest/meta-data/' WHERE id = ?`, webhook.id);
    });
    await t.agent.plan(oneStep);
    await runDurableObjectAlarm(stubOf(t.id));
    const [d] = (await t.admin.webhooks.deliveries.query({ webhookId: webhook.id })).items;
    // The stand-in outside world answers 200 to anything: a send would have been "delivered".
    expect(d).toMatchObject({ status: 'failed', attempts: 0 });
    expect(d!.lastError).toMatch(/^refused target: 169\.254\.169\.254 is a link-local address/);
    expect(d!.lastStatus).toBeUndefined();
  });

  it('never follows a redirect: a 3xx is a failed attempt, retried later', async () => {
    const t = await team();
    const { webhook } = await t.admin.webhooks.create.mutate({ url: 'https://redirect.example.com/hook', events: ['approval.requested'] });
    await t.agent.plan(oneStep);
    await runDurableObjectAlarm(stubOf(t.id));
    const [d] = (await t.admin.webhooks.deliveries.query({ webhookId: webhook.id })).items;
    expect(d).toMatchObject({ status: 'pending', attempts: 1, lastStatus: 302, lastError: 'HTTP 302: redirects are not followed' });
  });

  it('seals signing secrets under the data key when one is set', async () => {
    const t = await team();
    const { webhook, secret } = await t.admin.webhooks.create.mutate({ url: 'https://hooks.example.com/x' });
    const stored = await runInDurableObject(stubOf(t.id), (_o, state) => state.storage.sql.exec<{ secret: string }>(`SELECT secret FROM webhooks WHERE id = ?`, webhook.id).one().secret);
    expect(stored).toMatch(/^v1\.dk\./);
    expect(stored).not.toContain(secret.slice('whsec_'.length));
  });
});
