/**
 * What docs/protocol.md says about plain HTTP, checked against the real Worker: queries
 * are GET with ?input=, mutations POST with content-type: application/json (a no-input
 * mutation too), batches, and the answer and error envelopes.
 */
import { describe, expect, it } from 'vitest';
import { BASE, team, workerFetch } from './harness.ts';

type Envelope = { result?: { data: unknown }; error?: { message: string; code: number; data: { code: string; httpStatus: number; path?: string; issues?: unknown[] } } };

async function send(path: string, key: string, init: RequestInit = {}): Promise<{ status: number; body: Envelope }> {
  const res = await workerFetch(`${BASE}/trpc/${path}`, { ...init, headers: { authorization: `Bearer ${key}`, ...init.headers } });
  return { status: res.status, body: (await res.json()) as Envelope };
}

const json = { 'content-type': 'application/json' };

describe('the API over plain HTTP', () => {
  it('needs content-type: application/json on a POST, even for a mutation without input', async () => {
    const t = await team();
    const bare = await send('events.ticket', t.keys.viewer, { method: 'POST' });
    expect(bare.status).toBe(415);
    expect(bare.body.error?.data.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    const typed = await send('events.ticket', t.keys.viewer, { method: 'POST', headers: json });
    expect(typed.status).toBe(200);
    expect(typed.body.result?.data).toMatchObject({ ticket: expect.stringMatching(/^glt_/), path: expect.stringMatching(/^\/ws\?ticket=glt_/) });
  });

  it('calls queries with GET and ?input=, mutations with POST and a JSON body; the wrong method is 405', async () => {
    const t = await team();
    const created = await send('webhooks.create', t.keys.admin, { method: 'POST', headers: json, body: JSON.stringify({ url: 'http://127.0.0.1:9/x', events: ['task.finished'] }) });
    expect(created.status).toBe(200);
    const { webhook } = created.body.result!.data as { webhook: { id: string } };
    const listed = await send('webhooks.list', t.keys.admin);
    expect(listed.body.result?.data).toMatchObject({ items: [{ id: webhook.id }] });
    const events = await send(`events.list?input=${encodeURIComponent(JSON.stringify({ after: 0, limit: 2 }))}`, t.keys.viewer);
    expect((events.body.result!.data as { items: unknown[] }).items).toHaveLength(2);
    expect((await send('webhooks.list', t.keys.admin, { method: 'POST', headers: json })).status).toBe(405);
    expect((await send('events.ticket', t.keys.viewer)).status).toBe(405);
    const deleted = await send('webhooks.delete', t.keys.admin, { method: 'POST', headers: json, body: JSON.stringify({ id: webhook.id }) });
    expect(deleted.body.result?.data).toEqual({ id: webhook.id });
  });

  it('answers a batch in order, and errors in the documented envelope', async () => {
    const t = await team();
    const input = encodeURIComponent(JSON.stringify({ 0: { after: 0, limit: 1 }, 1: { taskId: 'nope' } }));
    const res = await workerFetch(`${BASE}/trpc/events.list,tasks.get?batch=1&input=${input}`, { headers: { authorization: `Bearer ${t.keys.viewer}` } });
    const [ok, missing] = (await res.json()) as Envelope[];
    expect((ok!.result!.data as { items: unknown[] }).items).toHaveLength(1);
    expect(missing!.error).toMatchObject({ code: -32004, data: { code: 'NOT_FOUND', httpStatus: 404, path: 'tasks.get' } });
    const bad = await send('webhooks.create', t.keys.admin, { method: 'POST', headers: json, body: JSON.stringify({ url: 'ftp://x' }) });
    expect(bad.status).toBe(400);
    expect(bad.body.error?.data).toMatchObject({ code: 'BAD_REQUEST', httpStatus: 400, path: 'webhooks.create', issues: [expect.objectContaining({ path: ['url'] })] });
  });
});
