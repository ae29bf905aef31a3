/**
 * Plain-JSON tRPC calls for the crash soak, each answer sorted by what it means for the
 * ledger: `ok` (acknowledged), `refused` (the server said no: nothing changed), or
 * `unknown` (no answer: the server died mid-call, or a 5xx; it may or may not have happened).
 */
export type Answer<T> = { kind: 'ok'; data: T } | { kind: 'refused'; code: string; message: string } | { kind: 'unknown'; why: string };

export type Counts = { ok: number; refused: number; unknown: number };

/** Per procedure, how its calls went; and every 5xx seen, with its body, for the report. */
export class CallStats {
  readonly byPath = new Map<string, Counts>();
  readonly serverErrors: string[] = [];

  count(path: string, kind: Answer<unknown>['kind']): void {
    const c = this.byPath.get(path) ?? { ok: 0, refused: 0, unknown: 0 };
    c[kind]++;
    this.byPath.set(path, c);
  }
  total(kind: Answer<unknown>['kind']): number {
    return [...this.byPath.values()].reduce((n, c) => n + c[kind], 0);
  }
}

type Body = { result?: { data: unknown }; error?: { message?: string; data?: { code?: string } } };

export async function rpc<T>(stats: CallStats, url: string, key: string, path: string, input: unknown, method: 'GET' | 'POST'): Promise<Answer<T>> {
  const answer = await send<T>(url, key, path, input, method, stats);
  stats.count(path, answer.kind);
  return answer;
}

async function send<T>(url: string, key: string, path: string, input: unknown, method: 'GET' | 'POST', stats: CallStats): Promise<Answer<T>> {
  const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
  const signal = AbortSignal.timeout(15_000);
  let res: Response;
  let text: string;
  try {
    res =
      method === 'GET'
        ? await fetch(`${url}/trpc/${path}${input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(input))}`}`, { headers, signal })
        : // oxlint-disable-next-line unicorn/no-invalid-fetch-options -- `method` is 'POST' here (the rule does not narrow).
          await fetch(`${url}/trpc/${path}`, { method, headers, body: JSON.stringify(input), signal });
    text = await res.text();
  } catch (e) {
    const cause = (e as { cause?: { code?: string } }).cause;
    return { kind: 'unknown', why: cause?.code ?? (e as Error).message };
  }
  let body: Body;
  try {
    body = JSON.parse(text) as Body;
  } catch {
    return { kind: 'unknown', why: `HTTP ${res.status} without JSON: ${text.slice(0, 120)}` };
  }
  if (body.result) return { kind: 'ok', data: body.result.data as T };
  const code = body.error?.data?.code ?? `HTTP ${res.status}`;
  if (res.status >= 500) {
    stats.serverErrors.push(`${method} ${path} -> ${res.status} ${code}: ${text.slice(0, 300)}`);
    return { kind: 'unknown', why: `${res.status} ${code}` };
  }
  return { kind: 'refused', code, message: body.error?.message ?? '' };
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
