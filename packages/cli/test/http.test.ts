/**
 * httpFetch (src/http.ts), the CLI's fetch over node:http: against a real local server,
 * it answers as fetch would for what the API client uses, follows redirects as fetch
 * does, and fails the way fetch fails (so errors read the same: "fetch failed" and the
 * network's reason, or the signal's reason).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../scripts/server.ts';
import { httpFetch } from '../src/http.ts';

let server: Server;
let base: string;

const body = (req: IncomingMessage): Promise<string> =>
  new Promise((resolve) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => resolve(text));
  });

beforeAll(async () => {
  server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path === '/echo') {
      res.writeHead(201, { 'content-type': 'application/json', 'x-seen': String(req.headers.authorization) });
      res.end(JSON.stringify({ method: req.method, body: await body(req) }));
    } else if (path === '/r307' || path === '/r302') {
      await body(req);
      res.writeHead(Number(path.slice(2)), { location: '/echo' });
      res.end();
    } else if (path === '/loop') {
      res.writeHead(302, { location: '/loop' });
      res.end();
    } else if (path === '/cut') {
      res.writeHead(200, { 'content-length': '100' });
      res.write('{"half":');
      setTimeout(() => res.destroy(), 20);
    } else if (path === '/slow') {
      setTimeout(() => res.end('late'), 5_000);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('httpFetch', () => {
  it('sends the method, headers and body, and answers status, headers and JSON', async () => {
    const res = await httpFetch(`${base}/echo`, { method: 'POST', headers: { Authorization: 'Bearer k' }, body: '{"a":1}' });
    expect({ ok: res.ok, status: res.status, seen: res.headers.get('X-Seen') }).toEqual({ ok: true, status: 201, seen: 'Bearer k' });
    expect(await res.json()).toEqual({ method: 'POST', body: '{"a":1}' });
  });

  it('follows redirects as fetch does: 307 keeps the POST and its body, 302 turns it into a GET', async () => {
    expect(await (await httpFetch(`${base}/r307`, { method: 'POST', body: 'x' })).json()).toEqual({ method: 'POST', body: 'x' });
    expect(await (await httpFetch(`${base}/r302`, { method: 'POST', body: 'x' })).json()).toEqual({ method: 'GET', body: '' });
    await expect(httpFetch(`${base}/loop`)).rejects.toMatchObject({ message: 'fetch failed', cause: { message: expect.stringMatching(/more than 5 redirects/) } });
  });

  it('fails as fetch fails: refused, cut off mid-answer, aborted', async () => {
    const refused = await httpFetch(`http://127.0.0.1:${await freePort()}/`).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(TypeError);
    expect(refused).toMatchObject({ message: 'fetch failed', cause: { code: 'ECONNREFUSED' } });
    await expect(httpFetch(`${base}/cut`)).rejects.toMatchObject({ message: 'fetch failed' });
    const ctrl = new AbortController();
    const pending = httpFetch(`${base}/slow`, { signal: ctrl.signal });
    ctrl.abort(new Error('stopped'));
    await expect(pending).rejects.toThrow('stopped');
    await expect(httpFetch(`${base}/echo`, { signal: AbortSignal.abort(new Error('before')) })).rejects.toThrow('before');
  });
});
