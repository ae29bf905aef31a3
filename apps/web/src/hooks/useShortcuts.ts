/**
 * Single-key shortcuts for the page. They never fire while the reviewer types in a
 * field or holds a modifier, so "a" in a feedback box is just a letter.
 */
import { useEffect, useRef } from 'preact/hooks';

export type Shortcuts = Record<string, () => void>;

export function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement;
}

/** Bind `keys` (by KeyboardEvent.key) while `enabled`; the latest handlers are always used. */
export function useShortcuts(keys: Shortcuts, enabled = true): void {
  const ref = useRef(keys);
  ref.current = keys;
  useEffect(() => {
    if (!enabled) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.ctrlKey || e.metaKey || e.altKey || e.repeat || isTyping(e.target)) return;
      const run = ref.current[e.key];
      if (!run) return;
      e.preventDefault();
      run();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [enabled]);
}
