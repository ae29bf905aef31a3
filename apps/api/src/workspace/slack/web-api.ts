/**
 * Slack's Web API, the three methods Greenlight calls (chat.postMessage, chat.update,
 * chat.postEphemeral) plus views.open: POST JSON with the bot token as a Bearer token;
 * Slack answers HTTP 200 with `{ok: true, ...}` or `{ok: false, error}`, and 429 with
 * Retry-After when rate limited. The base URL is checked as a webhook target is (no
 * private address outside local development) and a redirect is never followed.
 */
import { checkWebhookTarget } from '@greenlight/core';

/** How long Slack has to answer one call. views.open must beat Slack's 3 s trigger expiry, so it gets less. */
export const SLACK_CALL_TIMEOUT_MS = 10_000;

export type SlackCallResult = { ok: true; data: Record<string, unknown> } | { ok: false; error: string; retryAfterMs?: number };

/** One Web API call. Never throws: a network failure, a refused base URL and Slack's own errors are all `{ok: false, error}`. */
export async function slackCall(
  apiBase: string,
  token: string,
  method: 'chat.postMessage' | 'chat.update' | 'chat.postEphemeral' | 'views.open',
  body: Record<string, unknown>,
  opts: { allowPrivate: boolean; timeoutMs?: number },
): Promise<SlackCallResult> {
  const target = checkWebhookTarget(`${apiBase}/${method}`, { allowPrivate: opts.allowPrivate });
  if (!target.ok) return { ok: false, error: `refused API base: ${target.reason}` };
  try {
    const res = await fetch(target.url, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify(body),
      redirect: 'manual',
      signal: AbortSignal.timeout(opts.timeoutMs ?? SLACK_CALL_TIMEOUT_MS),
    });
    if (res.status === 429) {
      await res.body?.cancel();
      const after = Number(res.headers.get('retry-after'));
      return { ok: false, error: 'rate_limited', ...(Number.isFinite(after) && after > 0 ? { retryAfterMs: after * 1000 } : {}) };
    }
    if (!res.ok) {
      await res.body?.cancel();
      return { ok: false, error: `HTTP ${res.status}` };
    }
    const data: unknown = await res.json().catch(() => undefined);
    if (typeof data !== 'object' || data === null || !('ok' in data)) return { ok: false, error: 'not a Slack API answer' };
    const record = data as Record<string, unknown>;
    return record.ok === true ? { ok: true, data: record } : { ok: false, error: typeof record.error === 'string' ? record.error.slice(0, 200) : 'slack_error' };
  } catch (e) {
    return { ok: false, error: e instanceof Error ? e.message.slice(0, 300) : 'call failed' };
  }
}
