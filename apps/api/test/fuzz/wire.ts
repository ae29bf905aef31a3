/**
 * The wire side of the API fuzzer (../fuzz.test.ts): how a call goes out (right or
 * wrong method, malformed or deeply nested JSON, duplicate keys, odd content types,
 * batches, unknown procedures) and how its answer is read.
 */
import fc from 'fast-check';
import { BASE } from '../harness.ts';
import { EDGE_NUMBERS, isObj, ODD_TEXT, pick, type Call, type G } from './inputs.ts';

export type Wire = { method: string; url: string; headers: Record<string, string>; body?: string | Uint8Array | FormData };

export const UNKNOWN_PATHS = ['tasks.nope', 'tasks', '', '__proto__', 'constructor', 'tasks.__proto__', 'toString', 'tasks.plan.x', 'a'.repeat(3000), '..%2Fhealthz', 'tasks.plan%00'];
export const enc = (v: unknown) => encodeURIComponent(JSON.stringify(v) ?? '');

/**
 * The request for `calls` (more than one is a batch). Without `twist` it is what a
 * client would send: GET for a query, POST with JSON for a mutation.
 */
export function wireFor(g: G, calls: Call[], types: Map<string, string>, auth: string | undefined, twist: boolean): Wire {
  const headers: Record<string, string> = auth === undefined ? {} : { authorization: auth };
  const json = { ...headers, 'content-type': 'application/json' };
  const first = calls[0]!;
  const isQuery = types.get(first.path) === 'query';
  if (calls.length > 1) {
    const joined = Object.fromEntries(calls.map((c, i) => [String(i), c.input]));
    const url = `${BASE}/trpc/${calls.map((c) => c.path).join(',')}?batch=1`;
    return isQuery && g(fc.boolean) ? { method: 'GET', url: `${url}&input=${enc(joined)}`, headers } : { method: 'POST', url, headers: json, body: JSON.stringify(joined) };
  }
  const url = `${BASE}/trpc/${first.path}`;
  const body = JSON.stringify(first.input ?? null);
  const variant = twist ? g(fc.constantFrom, 'wrongMethod', 'oddMethod', 'malformed', 'deep', 'duplicateKey', 'contentType', 'badQueryString') : 'natural';
  switch (variant) {
    case 'wrongMethod':
      return isQuery ? { method: 'POST', url, headers: json, body } : { method: 'GET', url: `${url}?input=${enc(first.input)}`, headers };
    case 'oddMethod':
      return { method: g(fc.constantFrom, 'PUT', 'PATCH', 'DELETE', 'OPTIONS'), url, headers: json, body };
    case 'malformed': {
      const text = g(fc.constantFrom, body.slice(0, Math.max(1, body.length - 1)), `${body}}`, `\ufeff${body}`, 'NaN', '', 'undefined', '{"a":1,}', body.replace(/"/g, "'"));
      return { method: 'POST', url, headers: json, body: g(fc.boolean) ? text : new Uint8Array([0xff, 0xfe, 0x7b, 0xc3, 0x28, 0x7d]) };
    }
    case 'deep': {
      // Deep nesting in the slots that take any JSON: recursive serialization is the risk.
      const depth = g(fc.constantFrom, 1_000, 10_000, 100_000);
      const custom = { key: 'd', kind: 'custom', title: 'd', params: { tool: 't', input: '@' } };
      const slot =
        first.path === 'steps.complete' && isObj(first.input)
          ? { ...first.input, output: '@' }
          : first.path === 'tasks.plan'
            ? { title: 'deep', steps: [custom] }
            : first.path === 'policy.evaluate'
              ? { step: custom }
              : '@';
      const deep = JSON.stringify(slot).replace('"@"', '['.repeat(depth) + ']'.repeat(depth));
      return isQuery ? { method: 'GET', url: `${url}?input=${encodeURIComponent(deep)}`, headers } : { method: 'POST', url, headers: json, body: deep };
    }
    case 'duplicateKey': {
      if (!isObj(first.input) || Object.keys(first.input).length === 0) break;
      // A scalar second value: an object could be a valid policy that dodges keepTimeStill.
      const again = `${JSON.stringify(pick(g, Object.keys(first.input)))}:${JSON.stringify(g(fc.constantFrom, ...EDGE_NUMBERS, ...ODD_TEXT))}`;
      return { method: 'POST', url, headers: json, body: `${body.slice(0, -1)},${again}}` };
    }
    case 'contentType': {
      if (g(fc.boolean)) {
        const form = new FormData();
        form.set('input', body);
        return { method: 'POST', url, headers, body: form };
      }
      const type = g(fc.constantFrom, 'text/plain', 'application/x-www-form-urlencoded', 'application/octet-stream', 'application/json; charset=utf-16');
      return { method: 'POST', url, headers: { ...headers, 'content-type': type }, body };
    }
    case 'badQueryString':
      return { method: 'GET', url: `${url}?input=${g(fc.constantFrom, '%7B', '%E0%A4%A', `${enc(first.input)}&input=1`, 'null', '[]')}`, headers };
  }
  return isQuery ? { method: 'GET', url: first.input === undefined ? url : `${url}?input=${enc(first.input)}`, headers } : { method: 'POST', url, headers: json, body };
}

const answers = (json: unknown): unknown[] => (Array.isArray(json) ? json : [json]);

/** The first INTERNAL_SERVER_ERROR in a tRPC answer (one call or a batch), if any. */
export function internalError(json: unknown): unknown {
  return answers(json).find((x) => isObj(x) && isObj(x.error) && isObj(x.error.data) && x.error.data.code === 'INTERNAL_SERVER_ERROR');
}
/** Whether any call of the answer succeeded (a batch can be partly successful). */
export const succeeded = (json: unknown): boolean => answers(json).some((x) => isObj(x) && 'result' in x);
/** The tRPC code of the (first) error, or the HTTP status when the body is not tRPC's. */
export function errorCode(json: unknown, status: number): string {
  const first = answers(json)[0];
  return isObj(first) && isObj(first.error) && isObj(first.error.data) && typeof first.error.data.code === 'string' ? first.error.data.code : `HTTP ${status}`;
}

/** What to print about a request and its answer when a check fails. */
export function describeExchange(w: Wire, credential: string, status: number, text: string): string {
  const body = typeof w.body === 'string' ? w.body.slice(0, 600) : w.body instanceof Uint8Array ? `bytes ${[...w.body].join(',')}` : w.body ? 'FormData' : '(none)';
  return `${w.method} ${w.url.slice(0, 300)} as ${credential}\nbody: ${body}\n-> ${status} ${text.slice(0, 600)}`;
}
