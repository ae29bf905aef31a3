/**
 * An HTTP proxy in front of a test server that lets every HTTP request through but no
 * WebSocket: `refuse` closes each upgrade at once (a proxy or firewall without
 * WebSockets), `swallow` accepts it and never answers (a connection that never opens).
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';

const HOP_BY_HOP = new Set(['host', 'connection', 'content-length', 'transfer-encoding', 'keep-alive', 'upgrade']);

async function body(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

export type NoWebSocketProxy = { url: string; upgrades: () => number; close: () => Promise<void> };

export async function startNoWebSocketProxy(target: string, mode: 'refuse' | 'swallow'): Promise<NoWebSocketProxy> {
  const upstream = new URL(target);
  let upgrades = 0;
  const sockets = new Set<Duplex>();
  const server = createServer((req, res) => {
    void (async () => {
      const data = await body(req);
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string' && !HOP_BY_HOP.has(k)) headers[k] = v;
      const answer = await fetch(new URL(req.url ?? '/', upstream), { method: req.method ?? 'GET', headers, ...(req.method === 'GET' ? {} : { body: data }) });
      const out: Record<string, string> = {};
      answer.headers.forEach((v, k) => {
        if (!HOP_BY_HOP.has(k) && k !== 'content-encoding') out[k] = v;
      });
      res.writeHead(answer.status, out).end(Buffer.from(await answer.arrayBuffer()));
    })().catch(() => res.destroy());
  });
  server.on('upgrade', (_req, socket: Duplex) => {
    upgrades++;
    socket.on('error', () => {});
    if (mode === 'refuse') return void socket.end('HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\nconnection: close\r\n\r\n');
    sockets.add(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  return {
    url: `http://127.0.0.1:${address.port}`,
    upgrades: () => upgrades,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
