/**
 * A server that is not reached must say where the client went and why: fetch's own
 * message is only "fetch failed", which a new user cannot act on. Real sockets: a
 * port nobody listens on, and a real HTTP server that answers a proxy's HTML page.
 */
import { createServer as createHttpServer } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createClient, GreenlightError } from '../src/index.ts';

/** A port that was free a moment ago and has nobody listening on it now. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

const errorOf = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e as GreenlightError,
  );

describe('a server that is not reached', () => {
  it('a query and a mutation reject with NETWORK_ERROR naming the URL and the reason (ECONNREFUSED), not only "fetch failed"', async () => {
    const port = await closedPort();
    const client = createClient({ url: `http://127.0.0.1:${port}/`, key: 'gl_test_key' });
    const query = await errorOf(client.tasks.list.query({}));
    expect(query).toBeInstanceOf(GreenlightError);
    expect(query).toMatchObject({ code: 'NETWORK_ERROR' });
    expect(query!.message).toContain(`no Greenlight answer from http://127.0.0.1:${port}/trpc/tasks.list: fetch failed`);
    expect(query!.message).toContain('ECONNREFUSED');
    const mutation = await errorOf(client.tasks.cancel.mutate({ taskId: 't1' }));
    expect(mutation).toMatchObject({ code: 'NETWORK_ERROR' });
    expect(mutation!.message).toContain(`no Greenlight answer from http://127.0.0.1:${port}/trpc/tasks.cancel:`);
  });

  it("an answer that is not tRPC JSON (a proxy's HTML error page) names the URL too", async () => {
    const server = createHttpServer((_req, res) => res.writeHead(502, { 'content-type': 'text/html' }).end('<html>Bad gateway</html>'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    try {
      const client = createClient({ url: `http://127.0.0.1:${port}`, key: 'gl_test_key' });
      const err = await errorOf(client.workspaces.get.query());
      expect(err).toMatchObject({ code: 'NETWORK_ERROR' });
      expect(err!.message).toContain(`no Greenlight answer from http://127.0.0.1:${port}/trpc/workspaces.get:`);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
