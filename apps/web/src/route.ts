/** Hash routing: `#/` is the inbox, `#/tasks/<id>` a task. No server routes needed for the page. */
import { useEffect, useState } from 'preact/hooks';

export type Route = { page: 'inbox' } | { page: 'task'; taskId: string };

export function parseRoute(hash: string): Route {
  const m = /^#\/tasks\/([^/?#]+)/.exec(hash);
  return m?.[1] ? { page: 'task', taskId: decodeURIComponent(m[1]) } : { page: 'inbox' };
}

export const taskHref = (taskId: string): string => `#/tasks/${encodeURIComponent(taskId)}`;
export const INBOX_HREF = '#/';

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseRoute(window.location.hash));
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}
