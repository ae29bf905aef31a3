/**
 * The bench's calls: tRPC procedures as plain JSON (the way any HTTP client makes them), the
 * bench-only bare routes, and the fixtures every suite starts from. All over client.ts.
 */
import { request } from './client.ts';

const headers = (key: string) => ({ authorization: `Bearer ${key}`, 'content-type': 'application/json' });

/** One tRPC procedure: a query is a GET with ?input=, a mutation a POST with the input as the body. */
export async function call<T = unknown>(url: string, key: string, path: string, input?: unknown, method: 'GET' | 'POST' = 'POST'): Promise<T> {
  const reply =
    method === 'GET'
      ? await request(`${url}/trpc/${path}${input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(input))}`}`, { headers: headers(key) })
      : await request(`${url}/trpc/${path}`, { method, headers: headers(key), body: JSON.stringify(input ?? {}) });
  const body = JSON.parse(reply.body) as { result?: { data: T }; error?: { message: string; data?: { code?: string } } };
  if (body.error) throw new Error(`${path}: ${body.error.data?.code ?? reply.status}: ${body.error.message}`);
  return body.result!.data;
}

/** A bench-only route (apps/api/src/bench.ts): POST with a body, or GET without one. The key only names the workspace. */
export async function bare<T = unknown>(url: string, key: string, route: string, body?: unknown): Promise<T> {
  const reply = await request(`${url}${route}`, body === undefined ? { headers: headers(key) } : { method: 'POST', headers: headers(key), body: JSON.stringify(body) });
  if (reply.status !== 200) throw new Error(`${route}: HTTP ${reply.status}: ${reply.body}`);
  return JSON.parse(reply.body) as T;
}

export type Keys = { id: string; admin: string; agent: string; approver: string };

/** Rate limits out of the way: the bench measures capacity, not the limiter (whose check still runs on every call). */
/** Rate limits no bench run reaches: the bench measures work, not the limiter. */
export const UNLIMITED = { perKey: { ratePerSecond: 100_000, burst: 100_000 }, perWorkspace: { ratePerSecond: 100_000, burst: 100_000 } };

/** A fresh workspace with an agent key and an approver key (a different principal, so it may approve). */
export async function workspace(url: string, rootToken: string, id: string): Promise<Keys> {
  const { adminKey } = await call<{ adminKey: string }>(url, rootToken, 'workspaces.create', { id, name: `bench ${id}` });
  await call(url, adminKey, 'workspaces.setLimits', { limits: UNLIMITED });
  const key = async (principal: string, role: string) => (await call<{ key: string }>(url, adminKey, 'keys.create', { principal, role })).key;
  return { id, admin: adminKey, agent: await key('agent', 'agent'), approver: await key('reviewer', 'approver') };
}

/**
 * Seed `tasks` tasks through the bench route, in batches, each leaving one approval
 * open: `lifecycle` tasks have run most of their steps (12 events each), `inbox` tasks
 * were only planned (cheap, for decisions to consume).
 */
export async function seed(url: string, key: string, tasks: number, opts: { shape?: 'lifecycle' | 'inbox'; batch?: number; maxMs?: number } = {}): Promise<{ tasks: number; ms: number }> {
  const batch = opts.batch ?? 500;
  const deadline = performance.now() + (opts.maxMs ?? 60_000);
  const started = performance.now();
  let done = 0;
  while (done < tasks && performance.now() < deadline) {
    const r = await bare<{ tasks: number }>(url, key, '/bench/seed', { tasks: Math.min(batch, tasks - done), shape: opts.shape ?? 'lifecycle' });
    done += r.tasks;
  }
  return { tasks: done, ms: performance.now() - started };
}

export type OpenApproval = { approvalId: string; taskId: string; stepId: string; paramsHash: string };

/** Every open approval in the workspace's inbox, a page of 100 at a time (bounded). */
export async function inbox(url: string, key: string, max: number): Promise<OpenApproval[]> {
  const out: OpenApproval[] = [];
  let cursor: string | undefined;
  while (out.length < max) {
    const page = await call<{ items: OpenApproval[]; nextCursor?: string }>(url, key, 'approvals.list', { limit: 100, ...(cursor ? { cursor } : {}) }, 'GET');
    out.push(...page.items);
    if (!page.nextCursor) break;
    cursor = page.nextCursor;
  }
  return out.slice(0, max);
}
