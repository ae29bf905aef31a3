/**
 * A small HTTP proxy in front of the test server that can hold the next call of one
 * procedure (`tasks.plan`, `steps.claim`): either before it reaches the server (the hook
 * sent it; the server has not seen it) or after the server answered (the server acted;
 * the hook has no answer yet). That is how a test stops the hook exactly while its plan
 * is in flight, or lands a change exactly between a decision and the hook's claim.
 * Everything else, WebSocket upgrades included, passes straight through.
 */
import { createServer, type IncomingMessage } from 'node:http';
import { connect } from 'node:net';

export type HoldMode = 'request' | 'response';

export type Held = {
  /** Resolves when the plan is held at the chosen point. */
  arrived: Promise<void>;
  /** Let it go on (to the server, or back to a client that may have left). */
  release: () => void;
  /** Resolves once the held request has been answered by the server. */
  forwarded: Promise<void>;
};

export type Proxy = {
  url: string;
  holdNextPlan: (mode: HoldMode) => Held;
  /** Hold the next call of `procedure` (e.g. 'steps.claim'). */
  holdNext: (procedure: string, mode: HoldMode) => Held;
  close: () => Promise<void>;
};

const HOP_BY_HOP = new Set(['host', 'connection', 'content-length', 'transfer-encoding', 'keep-alive', 'upgrade']);

async function body(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** `swallowUpgrades`: accept WebSocket upgrades and never answer them (a live connection that never opens). */
export async function startProxy(target: string, opts: { swallowUpgrades?: boolean } = {}): Promise<Proxy> {
  const upstream = new URL(target);
  const holds: (Held & { procedure: string; mode: HoldMode; arrive: () => void; released: Promise<void>; done: () => void })[] = [];
  const server = createServer((req, res) => {
    void (async () => {
      const data = await body(req);
      const at = holds.findIndex((h) => req.url?.startsWith(`/trpc/${h.procedure}`));
      const hold = at >= 0 ? holds.splice(at, 1)[0] : undefined;
      if (hold?.mode === 'request') {
        hold.arrive();
        await hold.released;
      }
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string' && !HOP_BY_HOP.has(k)) headers[k] = v;
      const answer = await fetch(new URL(req.url ?? '/', upstream), {
        method: req.method ?? 'GET',
        headers,
        ...(req.method === 'GET' || req.method === 'HEAD' ? {} : { body: data }),
      });
      const bytes = Buffer.from(await answer.arrayBuffer());
      hold?.done();
      if (hold?.mode === 'response') {
        hold.arrive();
        await hold.released;
      }
      const out: Record<string, string> = {};
      answer.headers.forEach((v, k) => {
        if (!HOP_BY_HOP.has(k) && k !== 'content-encoding') out[k] = v;
      });
      if (!res.destroyed) res.writeHead(answer.status, out).end(bytes);
    })().catch(() => res.destroy());
  });
  const tunnels = new Set<{ destroy: () => void }>();
  server.on('upgrade', (req, socket, head) => {
    tunnels.add(socket);
    if (opts.swallowUpgrades) return void socket.on('error', () => {});
    const up = connect(Number(upstream.port), upstream.hostname, () => {
      const lines = [`${req.method} ${req.url} HTTP/1.1`];
      for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
      up.write(lines.join('\r\n') + '\r\n\r\n');
      if (head.length > 0) up.write(head);
      socket.pipe(up).pipe(socket);
    });
    const end = () => {
      up.destroy();
      socket.destroy();
    };
    up.on('error', end);
    socket.on('error', end);
    up.on('close', end);
    socket.on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  const holdNext = (procedure: string, mode: HoldMode): Held => {
    let arrive = () => {};
    let release = () => {};
    let done = () => {};
    const hold = {
      procedure,
      mode,
      arrived: new Promise<void>((r) => (arrive = r)),
      released: new Promise<void>((r) => (release = r)),
      forwarded: new Promise<void>((r) => (done = r)),
      arrive: () => arrive(),
      release: () => release(),
      done: () => done(),
    };
    holds.push(hold);
    return hold;
  };
  return {
    url: `http://127.0.0.1:${address.port}`,
    holdNextPlan: (mode) => holdNext('tasks.plan', mode),
    holdNext,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        for (const t of tunnels) t.destroy();
        server.close(() => resolve());
      }),
  };
}
