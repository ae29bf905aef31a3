/**
 * Hash routing: `#/` is the inbox, `#/tasks/<id>` a task, `#/history?agent=…` the
 * decision history with its filters (so a filtered view can be linked), `#/slack-link/<token>`
 * linking a Slack account (SlackLink.tsx). No server
 * routes needed for the page.
 */
import { useEffect, useState } from 'preact/hooks';

/** The history's filters as the URL carries them: strings, checked by the view before use. */
export type HistoryQuery = Partial<Record<HistoryFilter, string>>;
export const HISTORY_FILTERS = ['task', 'agent', 'decider', 'decision', 'status', 'risk', 'since', 'until'] as const;
export type HistoryFilter = (typeof HISTORY_FILTERS)[number];

export type Route = { page: 'inbox' } | { page: 'task'; taskId: string } | { page: 'history'; query: HistoryQuery } | { page: 'slack-link'; token: string };

export function parseRoute(hash: string): Route {
  // The single-use token Slack's link URL carries (docs/slack.md); in the fragment, so it never reaches a server log.
  const s = /^#\/slack-link\/([A-Za-z0-9_-]+)$/.exec(hash);
  if (s?.[1]) return { page: 'slack-link', token: s[1] };
  const m = /^#\/tasks\/([^/?#]+)/.exec(hash);
  if (m?.[1]) return { page: 'task', taskId: decodeURIComponent(m[1]) };
  const h = /^#\/history(?:\?(.*))?$/.exec(hash);
  if (h) {
    const params = new URLSearchParams(h[1] ?? '');
    const query: HistoryQuery = {};
    for (const f of HISTORY_FILTERS) {
      const v = params.get(f);
      if (v) query[f] = v;
    }
    return { page: 'history', query };
  }
  return { page: 'inbox' };
}

export const taskHref = (taskId: string): string => `#/tasks/${encodeURIComponent(taskId)}`;
export const INBOX_HREF = '#/';

/** The history view with these filters. */
export function historyHref(query: HistoryQuery = {}): string {
  const params = new URLSearchParams();
  for (const f of HISTORY_FILTERS) if (query[f]) params.set(f, query[f]!);
  const q = params.toString();
  return q ? `#/history?${q}` : '#/history';
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseRoute(window.location.hash));
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}
