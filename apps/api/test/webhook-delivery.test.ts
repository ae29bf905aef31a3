/** Webhook delivery from the alarm in workerd: an unreachable receiver is a recorded failure and a retry, nothing else. */
import { env } from 'cloudflare:workers';
import { runDurableObjectAlarm } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { team } from './harness.ts';

describe('webhook delivery', () => {
  it('records an unreachable receiver as a failed attempt and schedules a retry', async () => {
    const t = await team();
    const { webhook } = await t.admin.webhooks.create.mutate({ url: 'http://127.0.0.1:9/hook', events: ['approval.requested'] });
    await t.agent.plan({ title: 'x', steps: [{ key: 'a', kind: 'run_command', title: 'a', params: { command: 'ls' } }] });
    await runDurableObjectAlarm(env.WORKSPACE.get(env.WORKSPACE.idFromName(t.id)));
    const [d] = (await t.admin.webhooks.deliveries.query({ webhookId: webhook.id })).items;
    expect(d).toMatchObject({ status: 'pending', attempts: 1 });
    expect(d!.lastError).toBeTruthy();
    expect(d!.nextAttemptAt).toBeGreaterThan(Date.now() - 1000);
  });
});
