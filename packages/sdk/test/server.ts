/**
 * A real local HTTP server for SDK tests that need no Greenlight behind them: it records
 * the requests it gets, and either answers every request with a tRPC
 * UNAUTHORIZED error or never answers at all (a server that accepts and hangs).
 */
import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';

export type TestHttpServer = {
  url: string;
  /** Requests received so far (paths). */
  readonly requests: string[];
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
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
