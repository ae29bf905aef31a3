/**
 * A real local HTTP server for SDK tests that need no Greenlight behind them: it counts
 * requests and open connections, and either answers every request with a tRPC
 * UNAUTHORIZED error or never answers at all (a server that accepts and hangs).
 */
import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';

export type TestHttpServer = {
  url: string;
  /** Requests received so far (paths). */
  readonly requests: string[];
  /** Connections open right now. */
  openConnections(): number;
  /** Resolves once no connection is open (or rejects after `ms`). */
  drained(ms?: number): Promise<void>;
  close(): Promise<void>;
};

export async function startHttpServer(mode: 'unauthorized' | 'silent'): Promise<TestHttpServer> {
  const requests: string[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    requests.push(req.url ?? '');
    if (mode === 'silent') return; // accept, read, never answer
    res.writeHead(401, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { message: 'no key', code: -32001, data: { code: 'UNAUTHORIZED', httpStatus: 401 } } }));
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    openConnections: () => sockets.size,
    async drained(ms = 2_000) {
      const until = Date.now() + ms;
      while (sockets.size > 0) {
        if (Date.now() > until) throw new Error(`${sockets.size} connection(s) still open after ${ms} ms`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
