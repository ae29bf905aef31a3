/**
 * The part of fetch the API client uses (a method, headers, a string body, a signal;
 * back a status, headers and the whole body), over node:http and node:https. Why not
 * Node's fetch: it is undici, a bundle of its own loaded on first use of fetch, Headers,
 * Request or Response, which was about a third of the Claude Code hook's start-up, and
 * the hook starts on every tool call. Failures look like fetch's: a TypeError "fetch
 * failed" whose cause is the network's error (ECONNREFUSED ...), or the signal's reason.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { createRequire } from 'node:module';

// require, not import: an ES import of node:http reads every export it has, and one of them
// (WebSocket, on Node 22) loads undici after all. Through require only `request` is read.
const require = createRequire(import.meta.url);
const http = require('node:http') as typeof import('node:http');
const https = require('node:https') as typeof import('node:https');

/** The answer: what the tRPC client and budget.ts read of a fetch Response. */
export type HttpResponse = {
  ok: boolean;
  status: number;
  statusText: string;
  headers: { get(name: string): string | null };
  text(): Promise<string>;
  json(): Promise<unknown>;
  arrayBuffer(): Promise<ArrayBuffer>;
};

/** fetch's headers, whatever shape the caller used, as a plain object. */
function plainHeaders(h: RequestInit['headers']): Record<string, string> {
  if (!h) return {};
  if (Array.isArray(h)) return Object.fromEntries(h.map(([k, v]) => [k!.toLowerCase(), v!]));
  if (typeof (h as { forEach?: unknown }).forEach === 'function') {
    const out: Record<string, string> = {};
    (h as { forEach(fn: (v: string, k: string) => void): void }).forEach((v, k) => (out[k.toLowerCase()] = v));
    return out;
  }
  return Object.fromEntries(Object.entries(h as Record<string, string>).map(([k, v]) => [k.toLowerCase(), v]));
}

function responseOf(status: number, statusText: string, headers: IncomingHttpHeaders, body: Buffer): HttpResponse {
  const text = body.toString('utf8');
  return {
    ok: status >= 200 && status < 300,
    status,
    statusText,
    headers: {
      get: (name) => {
        const v = headers[name.toLowerCase()];
        return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
      },
    },
    text: async () => text,
    json: async () => JSON.parse(text) as unknown,
    arrayBuffer: async () => body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength) as ArrayBuffer,
  };
}

/** Redirects followed, as fetch follows them (its limit is 20; a Greenlight behind a proxy needs one or two). */
const MAX_REDIRECTS = 5;

/**
 * Send one request; resolves once the whole body has arrived. Only http: and https: URLs.
 * Redirects are followed as fetch does: 307 and 308 keep the method and body, 301, 302
 * and 303 turn a POST into a GET without a body.
 */
export async function httpFetch(input: string | URL, init: RequestInit = {}, hops = 0): Promise<HttpResponse> {
  const url = new URL(String(input));
  const res = await send(url, init);
  const location = res.headers.get('location');
  if (res.status < 300 || res.status > 308 || location === null || ![301, 302, 303, 307, 308].includes(res.status)) return res;
  if (hops >= MAX_REDIRECTS) throw new TypeError('fetch failed', { cause: new Error(`more than ${MAX_REDIRECTS} redirects, the last to ${location}`) });
  const keep = res.status === 307 || res.status === 308 || init.method === undefined || init.method === 'GET' || init.method === 'HEAD';
  const next: RequestInit = keep ? init : { ...init, method: 'GET', body: null };
  return httpFetch(new URL(location, url), next, hops + 1);
}

function send(url: URL, init: RequestInit): Promise<HttpResponse> {
  const signal = init.signal ?? undefined;
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return reject(new TypeError('fetch failed', { cause: new Error(`unsupported protocol ${url.protocol}`) }));
    const failed = (err: unknown) => reject(signal?.aborted ? signal.reason : new TypeError('fetch failed', { cause: err }));
    const request = url.protocol === 'https:' ? https.request : http.request;
    const req = request(url, { method: init.method ?? 'GET', headers: plainHeaders(init.headers), ...(signal ? { signal } : {}) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(responseOf(res.statusCode ?? 0, res.statusMessage ?? '', res.headers, Buffer.concat(chunks))));
      res.on('error', failed);
      res.on('close', () => {
        if (!res.complete) failed(new Error('the connection closed before the answer was complete'));
      });
    });
    req.on('error', failed);
    req.end(typeof init.body === 'string' ? init.body : undefined);
  });
}
