/** The tab's title names the view, so the tab strip and a screen reader say where you are (WCAG 2.4.2). */
import { useEffect } from 'preact/hooks';

export function useTitle(view: string): void {
  useEffect(() => {
    document.title = `${view} · Greenlight`;
  }, [view]);
}
