/**
 * The bench's HTTP client: node:http over kept-alive sockets. Node's global fetch costs
 * about 1.2 ms of client CPU a request here (node:http about 0.3-0.5 ms), and the client
 * shares the machine's 2 cores with the server, so a heavy client would flatten every
 * ratio towards 1. `httpFetch` gives the SDK the same lean transport.
 */
import { Agent, request as httpRequest } from 'node:http';

const agent = new Agent({ keepAlive: true, maxSockets: 256 });

export type Reply = { status: number; headers: Record<string, string>; body: string };

export function request(url: string, init: { method?: string; headers?: Record<string, string>; body?: string; signal?: AbortSignal } = {}): Promise<Reply> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ hostname: u.hostname, port: u.port, path: `${u.pathname}${u.search}`, method: init.method ?? 'GET', headers: init.headers, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('error', reject);
      res.on('end', () => {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') headers[k] = v;
        resolve({ status: res.statusCode ?? 0, headers, body });
      });
    });
    req.on('error', reject);
    init.signal?.addEventListener('abort', () => req.destroy(new Error('aborted')), { once: true });
    req.end(init.body);
  });
}

/** A `fetch` for the SDK over `request`: string bodies only, which is all tRPC sends. */
export async function httpFetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
  const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
  if (init?.body != null && typeof init.body !== 'string') throw new Error('httpFetch: only string bodies');
  const reply = await request(url, {
    method: init?.method ?? 'GET',
    headers: Object.fromEntries(new Headers(init?.headers).entries()),
    ...(typeof init?.body === 'string' ? { body: init.body } : {}),
    ...(init?.signal ? { signal: init.signal } : {}),
  });
  return new Response(reply.body, { status: reply.status, headers: reply.headers });
}
